/**
 * Shared state of the histogram-based observers (percentile, MSE): one growing histogram
 * per channel (or one per tensor).
 *
 * @module
 */
import type { tf } from "../backend.ts";
import { addChannels, GrowingHistogram, HISTOGRAM_BINS } from "./_histogram.ts";
import {
  channelLastData,
  checkChannelRequest,
  normalizeAxis,
  type ObserverOptions,
  type ObserverQParamsOptions,
} from "./observer.ts";
import { computeQParams, type QParams } from "./qparams.ts";

/** Options of the histogram observers. */
export interface HistogramObserverOptions extends ObserverOptions {
  /** Bins per histogram (even). @default 2048 */
  readonly bins?: number;
}

/** Base of the histogram observers: subclasses choose a clipping range per histogram. */
export abstract class HistogramObserverBase {
  readonly #axisOption: number | undefined;
  readonly #bins: number;
  #axis: number | undefined;
  #rank: number | undefined;
  #hists: GrowingHistogram[] = [];

  constructor(options: HistogramObserverOptions = {}) {
    this.#axisOption = options.axis;
    this.#bins = options.bins ?? HISTOGRAM_BINS;
    new GrowingHistogram(this.#bins); // validates the bin count
  }

  observe(t: tf.Tensor): void {
    if (this.#rank === undefined) {
      this.#rank = t.rank;
      this.#axis = this.#axisOption === undefined
        ? undefined
        : normalizeAxis(this.#axisOption, t.rank);
      const n = this.#axis === undefined ? 1 : t.shape[this.#axis]!;
      this.#hists = Array.from({ length: n }, () => new GrowingHistogram(this.#bins));
    }
    const { data, channels } = channelLastData(t, this.#axis);
    if (t.rank !== this.#rank || channels !== this.#hists.length) {
      throw new RangeError(`Cannot observe shape [${t.shape}] after rank ${this.#rank} batches`);
    }
    addChannels(this.#hists, data);
  }

  /** The clipping range `[lo, hi]` this observer picks for one histogram. */
  protected abstract clipRange(
    hist: GrowingHistogram,
    bits: number,
    options: { symmetric: boolean; signed: boolean },
  ): [number, number];

  qparams(bits: number, options: ObserverQParamsOptions): QParams {
    const opts = { symmetric: options.symmetric, signed: options.signed ?? options.symmetric };
    if (this.#rank === undefined) return computeQParams([Infinity], [-Infinity], bits, opts);
    const perChannel = checkChannelRequest(this.#axis, this.#rank, options.perChannelAxis);
    if (!perChannel && this.#axis !== undefined) {
      throw new RangeError(
        `Cannot give per-tensor qparams from an observer built per channel (axis ${this.#axis})`,
      );
    }
    const ranges = this.#hists.map((h) =>
      h.total === 0 ? [Infinity, -Infinity] : this.clipRange(h, bits, opts)
    );
    const min = ranges.map((r) => r[0]!), max = ranges.map((r) => r[1]!);
    return computeQParams(min, max, bits, perChannel ? { ...opts, axis: this.#axis! } : opts);
  }

  reset(): void {
    this.#rank = undefined;
    this.#axis = undefined;
    this.#hists = [];
  }
}
