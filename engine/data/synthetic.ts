/**
 * A small, learnable synthetic image data set for fast tests: each class is a fixed template
 * (a bright blob at a class-specific place on a dark background) and each example is its
 * class template plus Gaussian pixel noise, clipped to `[0, 1]`.
 *
 * @module
 */
import { createDataset, type Dataset } from "./dataset.ts";
import { createRng, shuffleInPlace } from "../rng.ts";

/** Seed of the class templates, shared by every split so train and test sets match. */
export const SYNTHETIC_TEMPLATE_SEED = 0x5eed;
/** Background pixel value of the templates. */
export const SYNTHETIC_DARK = 0.1;
/** Peak pixel value of the templates' blob. */
export const SYNTHETIC_BRIGHT = 0.9;
/** Standard deviation of the per-pixel Gaussian noise. */
export const SYNTHETIC_NOISE = 0.2;

/** Options of {@linkcode syntheticDataset}. */
export interface SyntheticOptions {
  /** Number of examples. */
  n: number;
  /** Seed of the examples (noise and label order). */
  seed: number;
  /** @default 28 */
  height?: number;
  /** @default 28 */
  width?: number;
  /** @default 1 */
  channels?: number;
  /** @default 10 */
  numClasses?: number;
  /** Per-pixel noise standard deviation. @default SYNTHETIC_NOISE */
  noise?: number;
  /** Seed of the class templates; keep it equal across splits. @default SYNTHETIC_TEMPLATE_SEED */
  templateSeed?: number;
}

/**
 * Generates `n` examples whose labels are balanced (class counts differ by at most one) and
 * shuffled. Deterministic: the same options give the same data. Examples made with different
 * `seed`s but the same `templateSeed` come from the same distribution, so use one seed for
 * training and another for evaluation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { syntheticDataset } from "./synthetic.ts";
 * const train = syntheticDataset({ n: 200, seed: 1, height: 8, width: 8 });
 * assert.ok(train.n === 200 && train.images.length === 200 * 64);
 * ```
 */
export function syntheticDataset(opts: SyntheticOptions): Dataset {
  const { n, seed } = opts;
  const height = opts.height ?? 28;
  const width = opts.width ?? 28;
  const channels = opts.channels ?? 1;
  const numClasses = opts.numClasses ?? 10;
  const noise = opts.noise ?? SYNTHETIC_NOISE;
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(
      `Cannot make a synthetic data set: n must be a non-negative integer, got ${n}`,
    );
  }
  if (!(noise >= 0)) {
    throw new RangeError(`Cannot make a synthetic data set: noise must be >= 0, got ${noise}`);
  }
  for (const [name, v] of Object.entries({ height, width, channels, numClasses })) {
    if (!Number.isInteger(v) || v <= 0) {
      throw new RangeError(
        `Cannot make a synthetic data set: ${name} must be a positive integer, got ${v}`,
      );
    }
  }
  const size = height * width * channels;
  const templates = makeTemplates(
    { height, width, channels, numClasses },
    opts.templateSeed ?? SYNTHETIC_TEMPLATE_SEED,
  );
  const rng = createRng(seed);
  const labels = Int32Array.from({ length: n }, (_, i) => i % numClasses);
  shuffleInPlace(labels, rng);
  const images = new Float32Array(n * size);
  for (let i = 0; i < n; i++) {
    const t = labels[i]! * size;
    const o = i * size;
    for (let p = 0; p < size; p++) {
      const v = templates[t + p]! + noise * rng.normal();
      images[o + p] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  }
  return createDataset({ images, labels, height, width, channels, numClasses });
}

/**
 * One `[h, w, c]` template per class: a bright Gaussian blob on a dark background, each
 * class in its own cell of a `ceil(sqrt(numClasses))`-square grid (cells shuffled by
 * `templateSeed`), so classes differ in where the image is bright.
 */
function makeTemplates(
  shape: { height: number; width: number; channels: number; numClasses: number },
  templateSeed: number,
): Float32Array {
  const { height, width, channels, numClasses } = shape;
  const grid = Math.ceil(Math.sqrt(numClasses));
  const cells = Int32Array.from({ length: grid * grid }, (_, i) => i);
  shuffleInPlace(cells, createRng(templateSeed));
  const cellH = height / grid;
  const cellW = width / grid;
  const sigma2 = 2 * (Math.max(0.5, Math.min(cellH, cellW) / 4)) ** 2;
  const size = height * width * channels;
  const out = new Float32Array(numClasses * size);
  for (let k = 0; k < numClasses; k++) {
    const cell = cells[k]!;
    const cy = (Math.floor(cell / grid) + 0.5) * cellH - 0.5;
    const cx = ((cell % grid) + 0.5) * cellW - 0.5;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const v = SYNTHETIC_DARK +
          (SYNTHETIC_BRIGHT - SYNTHETIC_DARK) * Math.exp(-((y - cy) ** 2 + (x - cx) ** 2) / sigma2);
        for (let c = 0; c < channels; c++) out[k * size + (y * width + x) * channels + c] = v;
      }
    }
  }
  return out;
}
