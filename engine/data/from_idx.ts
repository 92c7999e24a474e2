/**
 * Pure assembly of a {@linkcode Dataset} from two parsed IDX arrays (images and labels):
 * checks shapes and counts, scales `ubyte` pixels to `[0, 1]`, applies a `limit`.
 *
 * @module
 */
import { createDataset, type Dataset } from "./dataset.ts";
import { type IdxArray, IdxFormatError } from "./idx.ts";

/** Options of {@linkcode datasetFromIdx}. */
export interface FromIdxOptions {
  /** Number of classes; every label must be below it. */
  numClasses: number;
  /** Keep only the first `limit` examples (all when larger than the file). @default all */
  limit?: number;
  /** Name of the images file, for error messages. @default "images" */
  imagesSource?: string;
  /** Name of the labels file, for error messages. @default "labels" */
  labelsSource?: string;
}

/** `SCALE[v] === v / 255` as float32: exact and faster than dividing each pixel. */
const SCALE: Float32Array = Float32Array.from({ length: 256 }, (_, v) => v / 255);

/**
 * Builds a Dataset from `ubyte` images `[n, h, w]` or `[n, h, w, c]` and `ubyte` labels `[n]`.
 * Throws {@linkcode IdxFormatError} when a file has the wrong dtype or rank or the counts
 * differ, and `RangeError` for a bad `limit` or a label outside `[0, numClasses)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { datasetFromIdx } from "./from_idx.ts";
 * const images = { dims: [2, 1, 1], data: Uint8Array.of(0, 255) };
 * const labels = { dims: [2], data: Uint8Array.of(1, 0) };
 * const ds = datasetFromIdx(images, labels, { numClasses: 2 });
 * assert.ok(ds.images[1] === 1 && ds.labels[0] === 1);
 * ```
 */
export function datasetFromIdx(
  images: IdxArray,
  labels: IdxArray,
  opts: FromIdxOptions,
): Dataset {
  const imagesSource = opts.imagesSource ?? "images";
  const labelsSource = opts.labelsSource ?? "labels";
  if (!(images.data instanceof Uint8Array)) {
    throw new IdxFormatError(
      imagesSource,
      `images must be ubyte (0x08), got ${images.data.constructor.name}`,
    );
  }
  if (!(labels.data instanceof Uint8Array)) {
    throw new IdxFormatError(
      labelsSource,
      `labels must be ubyte (0x08), got ${labels.data.constructor.name}`,
    );
  }
  if (images.dims.length !== 3 && images.dims.length !== 4) {
    throw new IdxFormatError(
      imagesSource,
      `images must have dims [n, h, w] or [n, h, w, c], got [${images.dims.join(", ")}]`,
    );
  }
  if (labels.dims.length !== 1) {
    throw new IdxFormatError(
      labelsSource,
      `labels must have dims [n], got [${labels.dims.join(", ")}]`,
    );
  }
  const [count, height, width, channels = 1] = images.dims as [number, number, number, number?];
  // Compare the counts the files declare, even when a parse-time `limit` cut them.
  const declaredImages = (images.fileDims ?? images.dims)[0]!;
  const declaredLabels = (labels.fileDims ?? labels.dims)[0]!;
  if (declaredLabels !== declaredImages) {
    throw new IdxFormatError(
      labelsSource,
      `has ${declaredLabels} labels but ${imagesSource} has ${declaredImages} images`,
    );
  }
  if (labels.dims[0]! < count) {
    throw new IdxFormatError(
      labelsSource,
      `has ${labels.dims[0]} labels, fewer than ${count} images`,
    );
  }
  const limit = opts.limit ?? count;
  if (!Number.isInteger(limit) || limit < 0) {
    throw new RangeError(
      `Cannot load a data set: limit must be a non-negative integer, got ${limit}`,
    );
  }
  const n = Math.min(limit, count);
  const src = images.data;
  const out = new Float32Array(n * height * width * channels);
  for (let i = 0; i < out.length; i++) out[i] = SCALE[src[i]!]!;
  return createDataset({
    images: out,
    labels: Int32Array.from(labels.data.subarray(0, n)),
    height,
    width,
    channels,
    numClasses: opts.numClasses,
  });
}
