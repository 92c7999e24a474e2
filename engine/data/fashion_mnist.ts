/**
 * Fashion-MNIST from disk: a thin loader that reads the four IDX files (gzipped or not)
 * and hands their bytes to the pure parser ({@linkcode parseIdx}) and assembly
 * ({@linkcode datasetFromIdx}).
 *
 * @module
 */
import { join } from "node:path";
import type { Dataset } from "./dataset.ts";
import { datasetFromIdx } from "./from_idx.ts";
import { parseIdx } from "./idx.ts";

/** Where the `dataset-fashion-mnist` package installs the files. */
export const FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

/** Class names, indexed by label. */
export const FASHION_MNIST_CLASSES: readonly string[] = Object.freeze([
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
]);

/** File names (without `.gz`) of each split. */
export const FASHION_MNIST_FILES: Readonly<
  Record<"train" | "test", { readonly images: string; readonly labels: string }>
> = Object.freeze({
  train: { images: "train-images-idx3-ubyte", labels: "train-labels-idx1-ubyte" },
  test: { images: "t10k-images-idx3-ubyte", labels: "t10k-labels-idx1-ubyte" },
});

/** A data file is missing; the message names it and says how to install it. */
export class DataNotFoundError extends Error {
  /** The path that was looked for (the `.gz` name; the plain name was tried too). */
  readonly path: string;
  /** @param path missing file; @param options `cause` is the underlying NotFound error */
  constructor(path: string, options?: ErrorOptions) {
    super(
      `Fashion-MNIST file not found: ${path} (nor ${path.replace(/\.gz$/, "")}). ` +
        "Install it with `apt-get install dataset-fashion-mnist` or pass --data DIR " +
        "pointing at a directory that holds the IDX files.",
      options,
    );
    this.name = "DataNotFoundError";
    this.path = path;
  }
}

/** Options of {@linkcode loadFashionMnist}. */
export interface LoadFashionMnistOptions {
  /** Directory holding the IDX files. @default FASHION_MNIST_DIR */
  dir?: string;
  /** Keep only the first `limit` examples. @default all */
  limit?: number;
}

/**
 * Loads one split of Fashion-MNIST as a {@linkcode Dataset} (28x28x1, pixels in `[0, 1]`,
 * 10 classes). Reads `<name>` if present, else `<name>.gz`. Throws
 * {@linkcode DataNotFoundError} naming the missing file, or `IdxFormatError` for a corrupt
 * file or an image/label count mismatch.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadFashionMnist } from "./fashion_mnist.ts";
 * const test = await loadFashionMnist("test", { limit: 100 });
 * assert.ok(test.n === 100 && test.height === 28);
 * ```
 */
export async function loadFashionMnist(
  split: "train" | "test",
  opts: LoadFashionMnistOptions = {},
): Promise<Dataset> {
  const files = FASHION_MNIST_FILES[split];
  if (files === undefined) {
    throw new TypeError(`Cannot load Fashion-MNIST: split must be "train" or "test", got ${split}`);
  }
  const dir = opts.dir ?? FASHION_MNIST_DIR;
  const [images, labels] = await Promise.all([
    readIdxFile(dir, files.images),
    readIdxFile(dir, files.labels),
  ]);
  const limit = opts.limit === undefined ? {} : { limit: opts.limit };
  return datasetFromIdx(
    parseIdx(images.bytes, images.path, limit),
    parseIdx(labels.bytes, labels.path, limit),
    {
      numClasses: FASHION_MNIST_CLASSES.length,
      ...limit,
      imagesSource: images.path,
      labelsSource: labels.path,
    },
  );
}

/**
 * Checks that `dir` holds the four Fashion-MNIST IDX files (plain or `.gz`) without reading
 * them, so a command can refuse a wrong `--data DIR` before any work; throws
 * {@linkcode DataNotFoundError} naming the first missing file.
 *
 * @example
 * ```ts
 * import { checkFashionMnistDir } from "./fashion_mnist.ts";
 * await checkFashionMnistDir(); // the Debian package's files are there
 * ```
 */
export async function checkFashionMnistDir(dir: string = FASHION_MNIST_DIR): Promise<void> {
  for (const split of Object.values(FASHION_MNIST_FILES)) {
    for (const name of [split.images, split.labels]) {
      const plain = join(dir, name);
      const found = await Promise.all([plain, `${plain}.gz`].map((p) => isFile(p)));
      if (!found.includes(true)) throw new DataNotFoundError(`${plain}.gz`);
    }
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) return false;
    throw e;
  }
}

/** Reads `dir/name`, falling back to `dir/name.gz`. */
async function readIdxFile(
  dir: string,
  name: string,
): Promise<{ path: string; bytes: Uint8Array }> {
  const plain = join(dir, name);
  const gz = `${plain}.gz`;
  for (const path of [plain, gz]) {
    try {
      return { path, bytes: await Deno.readFile(path) };
    } catch (cause) {
      if (!(cause instanceof Deno.errors.NotFound)) throw cause;
      if (path === gz) throw new DataNotFoundError(gz, { cause });
    }
  }
  throw new DataNotFoundError(gz);
}
