/**
 * Order statistics for benchmark samples: median, percentiles, and the summary every
 * record carries. Percentiles interpolate linearly between closest ranks (the numpy
 * default), so `bench/torch_peer.py` computes the same numbers.
 *
 * @module
 */

/** The summary of one timed case. */
export interface SampleSummary {
  /** Median of the samples. */
  readonly median: number;
  /** Smallest sample. */
  readonly min: number;
  /** 90th percentile (linear interpolation). */
  readonly p90: number;
  /** Number of samples. */
  readonly n: number;
}

function checkSamples(samples: readonly number[]): void {
  if (samples.length === 0) {
    throw new RangeError("Cannot summarize samples: the sample list is empty");
  }
  for (const s of samples) {
    if (!Number.isFinite(s)) {
      throw new RangeError(`Cannot summarize samples: sample ${s} is not a finite number`);
    }
  }
}

/**
 * The `p`-th percentile (0..100) of `samples`, interpolating linearly between the closest
 * ranks. Does not modify `samples`.
 *
 * @example
 * ```ts
 * import { percentile } from "./bench/stats.ts";
 * console.assert(percentile([1, 2, 3, 4], 50) === 2.5);
 * ```
 */
export function percentile(samples: readonly number[], p: number): number {
  checkSamples(samples);
  if (!(p >= 0 && p <= 100)) {
    throw new RangeError(`Cannot take percentile ${p}: it must lie in [0, 100]`);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (b - a) * (rank - lo);
}

/** The median of `samples` (the mean of the two middle values for an even count). */
export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

/** Median, min, p90 and count of `samples`. */
export function summarize(samples: readonly number[]): SampleSummary {
  checkSamples(samples);
  return {
    median: median(samples),
    min: Math.min(...samples),
    p90: percentile(samples, 90),
    n: samples.length,
  };
}
