/**
 * Robust statistics of latency samples on a shared, noisy machine: the median, and the
 * mean and standard deviation of the samples inside Tukey's fences (outliers — preemption,
 * garbage collection — discarded).
 *
 * @module
 */

/** Summary of one set of latency samples, ms. */
export interface SampleStats {
  /** Median of all samples. */
  readonly median: number;
  /** Mean of the samples inside the fences. */
  readonly mean: number;
  /** Standard deviation (population) of the samples inside the fences. */
  readonly std: number;
  /** Number of samples taken. */
  readonly count: number;
  /** Number of samples inside the fences. */
  readonly kept: number;
}

/** Tukey's fence factor: outliers lie beyond `k * IQR` outside the quartiles. @default 1.5 */
export const TUKEY_K = 1.5;

function quantile(sorted: readonly number[], q: number): number {
  const rank = q * (sorted.length - 1);
  const lo = Math.floor(rank), hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

/**
 * Median, and mean / std after discarding samples outside `[Q1 - 1.5 IQR, Q3 + 1.5 IQR]`.
 * Throws a RangeError for no samples or a non-finite one.
 *
 * @example
 * ```ts
 * import { sampleStats } from "./sample_stats.ts";
 * const s = sampleStats([1, 1.1, 0.9, 1, 9]); // 9 is an outlier
 * console.log(s.median, s.mean, s.kept); // 1 1 4
 * ```
 */
export function sampleStats(samples: readonly number[]): SampleStats {
  if (samples.length === 0) throw new RangeError("Cannot summarize an empty list of samples");
  for (const s of samples) {
    if (!Number.isFinite(s)) throw new RangeError(`Cannot summarize sample ${s}: not finite`);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const q1 = quantile(sorted, 0.25), q3 = quantile(sorted, 0.75);
  const lo = q1 - TUKEY_K * (q3 - q1), hi = q3 + TUKEY_K * (q3 - q1);
  const kept = sorted.filter((s) => s >= lo && s <= hi);
  const mean = kept.reduce((a, b) => a + b, 0) / kept.length;
  const variance = kept.reduce((a, b) => a + (b - mean) ** 2, 0) / kept.length;
  return {
    median: quantile(sorted, 0.5),
    mean,
    std: Math.sqrt(variance),
    count: samples.length,
    kept: kept.length,
  };
}
