/**
 * Percentile observer: clips the range at the `percentile`-th and `(100 - percentile)`-th
 * percentiles of everything observed, read from a 2048-bin histogram that grows by
 * doubling (linear interpolation inside a bin; the histogram always spans 0, so its
 * resolution is `max(|min|, |max|)`-relative and at most 2x coarser after growth).
 *
 * @module
 */
import type { GrowingHistogram } from "./_histogram.ts";
import { HistogramObserverBase, type HistogramObserverOptions } from "./_histogram_observer.ts";
import type { Observer } from "./observer.ts";

/** Default percentile. @default 99.99 */
export const DEFAULT_PERCENTILE = 99.99;

/** Options of {@linkcode PercentileObserver}. */
export interface PercentileObserverOptions extends HistogramObserverOptions {
  /** Upper percentile in (50, 100]; the lower one is `100 - percentile`. @default 99.99 */
  readonly percentile?: number;
}

/**
 * Percentile calibration observer.
 *
 * @example
 * ```ts
 * import { initBackend, tf } from "../backend.ts";
 * import { PercentileObserver } from "./percentile_observer.ts";
 * await initBackend("cpu");
 * const obs = new PercentileObserver({ percentile: 99 });
 * const t = tf.range(0, 1000).toFloat();
 * obs.observe(t);
 * const p = obs.qparams(8, { symmetric: false });
 * console.assert(Math.abs(p.scale[0]! * 255 - 990) < 2);
 * ```
 */
export class PercentileObserver extends HistogramObserverBase implements Observer {
  readonly kind = "percentile";
  readonly percentile: number;

  constructor(options: PercentileObserverOptions = {}) {
    super(options);
    const p = options.percentile ?? DEFAULT_PERCENTILE;
    if (!(p > 50 && p <= 100)) {
      throw new RangeError(`Cannot use percentile ${p}: expected a number in (50, 100]`);
    }
    this.percentile = p;
  }

  protected clipRange(hist: GrowingHistogram): [number, number] {
    const q = this.percentile / 100;
    return [hist.quantile(1 - q), hist.quantile(q)];
  }
}
