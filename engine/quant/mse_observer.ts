/**
 * MSE-optimal observer: searches the clipping range that minimizes the quantization MSE
 * of the observed data at the requested bit-width. Candidates shrink the observed range
 * `[min(min, 0), max(max, 0)]` by `alpha = k / grid` (k = 1..grid); the error of each is
 * evaluated on the histogram (each bin as a point mass at its centre) with the exact
 * torch qparams and rounding; ties keep the wider range.
 *
 * @module
 */
import type { GrowingHistogram } from "./_histogram.ts";
import { HistogramObserverBase, type HistogramObserverOptions } from "./_histogram_observer.ts";
import type { Observer } from "./observer.ts";
import { computeQParams, quantRange, roundHalfEven } from "./qparams.ts";

/** Default number of candidate clipping ranges. @default 100 */
export const DEFAULT_MSE_GRID = 100;

/** Options of {@linkcode MseObserver}. */
export interface MseObserverOptions extends HistogramObserverOptions {
  /** Number of candidate ranges. @default 100 */
  readonly grid?: number;
}

/**
 * Quantization MSE of a histogram under `[lo, hi]` clipping at `bits` (bin centres as
 * point masses, float64 arithmetic), per observation.
 */
export function histogramQuantMse(
  hist: GrowingHistogram,
  lo: number,
  hi: number,
  bits: number,
  options: { symmetric: boolean; signed: boolean },
): number {
  if (bits === 32) return 0;
  const p = computeQParams([lo], [hi], bits, options);
  const { qmin, qmax } = quantRange(bits, options.signed);
  const s = p.scale[0]!, zp = p.zeroPoint[0]!, inv = Math.fround(1 / s);
  let err = 0;
  hist.forEachBin((x, n) => {
    const q = Math.min(Math.max(roundHalfEven(x * inv) + zp, qmin), qmax);
    const d = x - (q - zp) * s;
    err += d * d * n;
  });
  return err / hist.total;
}

/**
 * MSE-optimal calibration observer.
 *
 * @example
 * ```ts
 * import { initBackend, tf } from "../backend.ts";
 * import { MseObserver } from "./mse_observer.ts";
 * await initBackend("cpu");
 * const obs = new MseObserver();
 * const t = tf.concat([tf.randomNormal([5000], 0, 1, "float32", 1), tf.tensor1d([40])]);
 * obs.observe(t);
 * console.assert(obs.qparams(4, { symmetric: true }).scale[0]! * 7.5 < 40);
 * ```
 */
export class MseObserver extends HistogramObserverBase implements Observer {
  readonly kind = "mse";
  readonly grid: number;

  constructor(options: MseObserverOptions = {}) {
    super(options);
    const grid = options.grid ?? DEFAULT_MSE_GRID;
    if (!Number.isInteger(grid) || grid < 1) {
      throw new RangeError(`Cannot search ${grid} candidate ranges: expected an integer >= 1`);
    }
    this.grid = grid;
  }

  protected clipRange(
    hist: GrowingHistogram,
    bits: number,
    options: { symmetric: boolean; signed: boolean },
  ): [number, number] {
    const lo = Math.min(hist.min, 0), hi = Math.max(hist.max, 0);
    let best: [number, number] = [lo, hi];
    let bestErr = Infinity;
    for (let k = this.grid; k >= 1; k--) {
      const a = k / this.grid;
      const err = histogramQuantMse(hist, a * lo, a * hi, bits, options);
      if (err < bestErr) {
        bestErr = err;
        best = [a * lo, a * hi];
      }
    }
    return best;
  }
}
