/**
 * Calibration observers: stateful objects that watch activation (or weight) batches and
 * then give quantization parameters. This module holds the shared interface and the
 * min-max observer; see `percentile_observer.ts` and `mse_observer.ts` for the others.
 *
 * @module
 */
import { tf } from "../backend.ts";
import { computeQParams, type QParams } from "./qparams.ts";

/** Options of {@linkcode Observer.qparams}. */
export interface ObserverQParamsOptions {
  /** Symmetric (zero point fixed) or affine. */
  readonly symmetric: boolean;
  /** Integer range; @default symmetric */
  readonly signed?: boolean;
  /**
   * Per-channel axis. It must be the axis the observer was built with (the statistics are
   * gathered per channel at `observe` time); omit for per-tensor parameters.
   */
  readonly perChannelAxis?: number;
}

/** Options of every observer constructor. */
export interface ObserverOptions {
  /** Gather statistics per channel along this axis (e.g. 3 for NHWC activations). */
  readonly axis?: number;
}

/** A calibration observer. */
export interface Observer {
  /** Which family (`minmax`, `percentile`, `mse`). */
  readonly kind: string;
  /** Adds one batch to the statistics (the tensor is not disposed). */
  observe(t: tf.Tensor): void;
  /** Parameters for `bits` from everything observed so far. */
  qparams(bits: number, options: ObserverQParamsOptions): QParams;
  /** Forgets everything observed. */
  reset(): void;
}

/**
 * Normalizes `axis` against `rank` and checks it matches the observer's (fixed) rank;
 * returns the non-negative axis.
 */
export function normalizeAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new RangeError(`Cannot observe along axis ${axis} of a rank-${rank} tensor`);
  }
  return a;
}

/**
 * Checks a qparams request against how an observer gathered its statistics and returns
 * whether per-channel parameters are requested.
 */
export function checkChannelRequest(
  observerAxis: number | undefined,
  rank: number | undefined,
  requested: number | undefined,
): boolean {
  if (requested === undefined) return false;
  if (observerAxis === undefined || rank === undefined) {
    throw new RangeError(
      `Cannot give per-channel qparams on axis ${requested}: the observer is per tensor`,
    );
  }
  if (normalizeAxis(requested, rank) !== observerAxis) {
    throw new RangeError(
      `Cannot give per-channel qparams on axis ${requested}: the observer watched axis ${observerAxis}`,
    );
  }
  return true;
}

/**
 * The values of `t` channel-last (`axis` moved to the end, so channel `c` of element `i`
 * is `i % channels`); one channel when `axis` is undefined.
 */
export function channelLastData(
  t: tf.Tensor,
  axis: number | undefined,
): { data: Float32Array; channels: number } {
  if (axis === undefined) return { data: Float32Array.from(t.dataSync()), channels: 1 };
  const perm = [...Array(t.rank).keys()].filter((a) => a !== axis).concat([axis]);
  const moved = tf.transpose(t, perm);
  const data = Float32Array.from(moved.dataSync());
  moved.dispose();
  return { data, channels: t.shape[axis]! };
}

/**
 * Min-max observer: the running minimum and maximum (per tensor or per channel), turned
 * into parameters by torch's formulas. A per-channel observer can also give per-tensor
 * parameters (min of minima, max of maxima).
 *
 * @example
 * ```ts
 * import { initBackend, tf } from "../backend.ts";
 * import { MinMaxObserver } from "./observer.ts";
 * await initBackend("cpu");
 * const obs = new MinMaxObserver();
 * const t = tf.tensor1d([0, 2.55]);
 * obs.observe(t);
 * console.assert(Math.abs(obs.qparams(8, { symmetric: false }).scale[0]! - 0.01) < 1e-9);
 * ```
 */
export class MinMaxObserver implements Observer {
  readonly kind = "minmax";
  readonly #axisOption: number | undefined;
  #axis: number | undefined;
  #rank: number | undefined;
  #min: Float32Array = new Float32Array();
  #max: Float32Array = new Float32Array();

  constructor(options: ObserverOptions = {}) {
    this.#axisOption = options.axis;
  }

  observe(t: tf.Tensor): void {
    if (this.#rank === undefined) {
      this.#rank = t.rank;
      this.#axis = this.#axisOption === undefined
        ? undefined
        : normalizeAxis(this.#axisOption, t.rank);
      const n = this.#axis === undefined ? 1 : t.shape[this.#axis]!;
      this.#min = new Float32Array(n).fill(Infinity);
      this.#max = new Float32Array(n).fill(-Infinity);
    }
    const { data, channels } = channelLastData(t, this.#axis);
    if (t.rank !== this.#rank || channels !== this.#min.length) {
      throw new RangeError(`Cannot observe shape [${t.shape}] after rank ${this.#rank} batches`);
    }
    for (let i = 0; i < data.length; i++) {
      const c = i % channels, v = data[i]!;
      if (v < this.#min[c]!) this.#min[c] = v;
      if (v > this.#max[c]!) this.#max[c] = v;
    }
  }

  /** Observed minima and maxima (one per channel, or one), copies. */
  range(): { min: Float32Array; max: Float32Array } {
    return { min: this.#min.slice(), max: this.#max.slice() };
  }

  qparams(bits: number, options: ObserverQParamsOptions): QParams {
    const opts = { symmetric: options.symmetric, signed: options.signed ?? options.symmetric };
    if (this.#rank === undefined) return computeQParams([Infinity], [-Infinity], bits, opts);
    if (checkChannelRequest(this.#axis, this.#rank, options.perChannelAxis)) {
      return computeQParams(this.#min, this.#max, bits, { ...opts, axis: this.#axis! });
    }
    return computeQParams([Math.min(...this.#min)], [Math.max(...this.#max)], bits, opts);
  }

  reset(): void {
    this.#rank = undefined;
    this.#axis = undefined;
  }
}
