/**
 * Robust statistics of latency samples on a shared, noisy machine: the median, the mean and
 * standard deviation of the samples inside Tukey's fences (outliers — preemption, garbage
 * collection — discarded), a symmetric trimmed mean, and the minimum.
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
  /** Smallest sample. */
  readonly min: number;
  /** Number of samples taken. */
  readonly count: number;
  /** Number of samples inside the fences. */
  readonly kept: number;
}

/** Tukey's fence factor: outliers lie beyond `k * IQR` outside the quartiles. @default 1.5 */
export const TUKEY_K = 1.5;

/** Options of {@link sampleStats}. */
export interface SampleStatsOptions {
  /**
   * Fence factor `k` (1.5: Tukey's inner fences; 3: his outer ones; `Infinity`: no fence).
   * @default TUKEY_K
   */
  readonly fence?: number;
}

function checkSamples(samples: readonly number[]): void {
  if (samples.length === 0) throw new RangeError("Cannot summarize an empty list of samples");
  for (const s of samples) {
    if (!Number.isFinite(s)) throw new RangeError(`Cannot summarize sample ${s}: not finite`);
  }
}

/** The `q`-quantile (0..1) of sorted samples, interpolating linearly between ranks. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  const rank = q * (sorted.length - 1);
  const lo = Math.floor(rank), hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

/**
 * Median, minimum, and mean / std after discarding samples outside
 * `[Q1 - k IQR, Q3 + k IQR]` (`k = options.fence`, 1.5 by default). Throws a RangeError for
 * no samples, a non-finite one, or a negative fence.
 *
 * @example
 * ```ts
 * import { sampleStats } from "./sample_stats.ts";
 * const s = sampleStats([1, 1.1, 0.9, 1, 9]); // 9 is an outlier
 * console.log(s.median, s.mean, s.kept); // 1 1 4
 * ```
 */
export function sampleStats(
  samples: readonly number[],
  options: SampleStatsOptions = {},
): SampleStats {
  checkSamples(samples);
  const k = options.fence ?? TUKEY_K;
  if (!(k >= 0)) throw new RangeError(`Cannot fence samples at ${k} IQR: expected >= 0`);
  const sorted = [...samples].sort((a, b) => a - b);
  const q1 = quantileSorted(sorted, 0.25), q3 = quantileSorted(sorted, 0.75);
  const lo = q1 - k * (q3 - q1), hi = q3 + k * (q3 - q1);
  const kept = k === Infinity ? sorted : sorted.filter((s) => s >= lo && s <= hi);
  const mean = kept.reduce((a, b) => a + b, 0) / kept.length;
  const variance = kept.reduce((a, b) => a + (b - mean) ** 2, 0) / kept.length;
  return {
    median: quantileSorted(sorted, 0.5),
    mean,
    std: Math.sqrt(variance),
    min: sorted[0]!,
    count: samples.length,
    kept: kept.length,
  };
}

/**
 * Mean of the samples left after dropping the lowest and the highest `fraction` of them
 * (`floor(fraction * n)` each side; 0 is the mean, close to 0.5 the median). Throws a
 * RangeError for no samples, a non-finite one, or `fraction` outside [0, 0.5).
 *
 * @example
 * ```ts
 * import { trimmedMean } from "./sample_stats.ts";
 * console.log(trimmedMean([100, 1, 2, 3, 0], 0.2)); // 2: drops 0 and 100
 * ```
 */
export function trimmedMean(samples: readonly number[], fraction: number): number {
  checkSamples(samples);
  if (!(fraction >= 0 && fraction < 0.5)) {
    throw new RangeError(`Cannot trim a fraction ${fraction} from each side: expected [0, 0.5)`);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const cut = Math.floor(fraction * sorted.length);
  const kept = sorted.slice(cut, sorted.length - cut);
  return kept.reduce((a, b) => a + b, 0) / kept.length;
}
