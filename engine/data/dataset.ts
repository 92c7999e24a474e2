/**
 * The in-memory image data set every loader produces: NHWC float pixels in `[0, 1]` and
 * integer class labels, plus zero-copy slicing.
 *
 * @module
 */

/** Images and labels of one split, channels last (NHWC), pixel values in `[0, 1]`. */
export interface Dataset {
  /** `n * height * width * channels` pixel values in `[0, 1]`, NHWC order. */
  readonly images: Float32Array;
  /** `n` class indices in `[0, numClasses)`. */
  readonly labels: Int32Array;
  /** Number of examples. */
  readonly n: number;
  /** Image height in pixels. */
  readonly height: number;
  /** Image width in pixels. */
  readonly width: number;
  /** Channels per pixel (1 for grey-scale). */
  readonly channels: number;
  /** Number of classes (labels are below this). */
  readonly numClasses: number;
}

/** Pixels per example (`height * width * channels`). */
export function exampleSize(ds: Dataset): number {
  return ds.height * ds.width * ds.channels;
}

/**
 * Builds a {@linkcode Dataset} from arrays and checks that they agree: array lengths match the
 * shape, dimensions are positive integers, and every label is in `[0, numClasses)`.
 * Pixel values are not scanned (callers scale them).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createDataset } from "./dataset.ts";
 * const ds = createDataset({
 *   images: new Float32Array(2 * 4), labels: Int32Array.of(0, 1),
 *   height: 2, width: 2, channels: 1, numClasses: 2,
 * });
 * assert.ok(ds.n === 2);
 * ```
 */
export function createDataset(fields: Omit<Dataset, "n">): Dataset {
  const { images, labels, height, width, channels, numClasses } = fields;
  for (const [name, v] of Object.entries({ height, width, channels, numClasses })) {
    if (!Number.isInteger(v) || v <= 0) {
      throw new RangeError(`Cannot create a Dataset: ${name} must be a positive integer, got ${v}`);
    }
  }
  const n = labels.length;
  const size = height * width * channels;
  if (images.length !== n * size) {
    throw new RangeError(
      `Cannot create a Dataset: images has ${images.length} values, expected ${n} labels x ` +
        `${height}x${width}x${channels} = ${n * size}`,
    );
  }
  for (let i = 0; i < n; i++) {
    const y = labels[i]!;
    if (y < 0 || y >= numClasses) {
      throw new RangeError(
        `Cannot create a Dataset: label ${y} at index ${i} is outside [0, ${numClasses})`,
      );
    }
  }
  return { images, labels, n, height, width, channels, numClasses };
}

/**
 * Examples `[start, end)` of `ds` as a new Dataset whose arrays are views on the original
 * (no copy: writes to one show in the other).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createDataset, sliceDataset } from "./dataset.ts";
 * const ds = createDataset({
 *   images: new Float32Array(3), labels: Int32Array.of(0, 1, 0),
 *   height: 1, width: 1, channels: 1, numClasses: 2,
 * });
 * assert.ok(sliceDataset(ds, 1, 3).n === 2);
 * ```
 */
export function sliceDataset(ds: Dataset, start: number, end: number): Dataset {
  if (
    !Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > ds.n || start > end
  ) {
    throw new RangeError(
      `Cannot slice a Dataset of ${ds.n} examples: [${start}, ${end}) is not a valid range`,
    );
  }
  const size = exampleSize(ds);
  return {
    images: ds.images.subarray(start * size, end * size),
    labels: ds.labels.subarray(start, end),
    n: end - start,
    height: ds.height,
    width: ds.width,
    channels: ds.channels,
    numClasses: ds.numClasses,
  };
}
