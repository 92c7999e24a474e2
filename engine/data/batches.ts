/**
 * Mini-batches over a {@linkcode Dataset}, in order or shuffled by a seed.
 *
 * @module
 */
import { type Dataset, exampleSize } from "./dataset.ts";
import { createRng, shuffleInPlace } from "../rng.ts";

/** One mini-batch: `x` is `[size, height, width, channels]` flattened, `y` the labels. */
export interface Batch {
  /** `size * height * width * channels` pixel values, NHWC. */
  readonly x: Float32Array;
  /** `size` class indices. */
  readonly y: Int32Array;
  /** Number of examples in this batch (the last one may be smaller than `batchSize`). */
  readonly size: number;
}

/** Options of {@linkcode batches} and {@linkcode numBatches}. */
export interface BatchOptions {
  /** Examples per batch; a positive integer. */
  batchSize: number;
  /** When given, examples are shuffled with this seed (use e.g. `seed + epoch` per epoch). */
  seed?: number;
  /** Drop the last batch when it is smaller than `batchSize`. @default false */
  dropRemainder?: boolean;
}

function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize <= 0) {
    throw new RangeError(
      `Cannot make batches: batchSize must be a positive integer, got ${batchSize}`,
    );
  }
}

/**
 * How many batches {@linkcode batches} yields for `ds`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { numBatches } from "./batches.ts";
 * import { syntheticDataset } from "./synthetic.ts";
 * const ds = syntheticDataset({ n: 10, seed: 0, height: 4, width: 4 });
 * assert.ok(numBatches(ds, { batchSize: 4 }) === 3);
 * assert.ok(numBatches(ds, { batchSize: 4, dropRemainder: true }) === 2);
 * ```
 */
export function numBatches(ds: Dataset, opts: BatchOptions): number {
  checkBatchSize(opts.batchSize);
  return opts.dropRemainder ? Math.floor(ds.n / opts.batchSize) : Math.ceil(ds.n / opts.batchSize);
}

/**
 * Yields one epoch of mini-batches; every example appears once (except those dropped with
 * `dropRemainder`). Each batch owns fresh arrays, so callers may keep them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { batches } from "./batches.ts";
 * import { syntheticDataset } from "./synthetic.ts";
 * const ds = syntheticDataset({ n: 10, seed: 0, height: 4, width: 4 });
 * const sizes = [...batches(ds, { batchSize: 4, seed: 7 })].map((b) => b.size);
 * assert.ok(sizes.join() === "4,4,2");
 * ```
 */
export function* batches(ds: Dataset, opts: BatchOptions): Generator<Batch> {
  const count = numBatches(ds, opts);
  const { batchSize, seed } = opts;
  const size = exampleSize(ds);
  let order: Int32Array | undefined;
  if (seed !== undefined) {
    order = Int32Array.from({ length: ds.n }, (_, i) => i);
    shuffleInPlace(order, createRng(seed));
  }
  for (let b = 0; b < count; b++) {
    const start = b * batchSize;
    const bs = Math.min(batchSize, ds.n - start);
    if (order === undefined) {
      yield {
        x: ds.images.slice(start * size, (start + bs) * size),
        y: ds.labels.slice(start, start + bs),
        size: bs,
      };
      continue;
    }
    const x = new Float32Array(bs * size);
    const y = new Int32Array(bs);
    for (let i = 0; i < bs; i++) {
      const j = order[start + i]!;
      x.set(ds.images.subarray(j * size, (j + 1) * size), i * size);
      y[i] = ds.labels[j]!;
    }
    yield { x, y, size: bs };
  }
}
