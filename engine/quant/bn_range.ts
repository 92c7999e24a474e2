/**
 * Data-free activation ranges from batch-norm parameters: the output of a batch norm is
 * (by construction) about `N(beta, gamma^2)` per channel, so its range is taken as
 * `beta ± k|gamma|`, then clipped by the activation that follows (ReLU at 0, ReLU6 at
 * [0, 6]).
 *
 * @module
 */

/** Default number of standard deviations. @default 4 */
export const DEFAULT_BN_RANGE_K = 4;

/** Activations that may follow the batch norm. */
export type BatchNormRangeActivation = "linear" | "relu" | "relu6";

/** Options of {@linkcode rangeFromBatchNorm}. */
export interface BatchNormRangeOptions {
  /** Batch-norm scale per channel. */
  readonly gamma: ArrayLike<number>;
  /** Batch-norm offset per channel. */
  readonly beta: ArrayLike<number>;
  /** Standard deviations on each side. @default 4 */
  readonly k?: number;
  /** Activation applied after the batch norm. @default "linear" */
  readonly activation?: BatchNormRangeActivation;
}

/** Per-channel range (min, max). */
export interface ChannelRange {
  readonly min: Float32Array;
  readonly max: Float32Array;
}

/**
 * Per-channel activation range from batch-norm statistics; feed it to `computeQParams`
 * (per channel with `axis`, or reduced with {@linkcode tensorRange}).
 *
 * @example
 * ```ts
 * import { rangeFromBatchNorm } from "./bn_range.ts";
 * const r = rangeFromBatchNorm({ gamma: [2], beta: [1], k: 3, activation: "relu" });
 * console.assert(r.min[0] === 0 && r.max[0] === 7);
 * ```
 */
export function rangeFromBatchNorm(options: BatchNormRangeOptions): ChannelRange {
  const { gamma, beta } = options;
  const k = options.k ?? DEFAULT_BN_RANGE_K;
  const activation = options.activation ?? "linear";
  if (gamma.length !== beta.length) {
    throw new RangeError(
      `Cannot pair ${gamma.length} gammas with ${beta.length} betas`,
    );
  }
  if (!(k > 0)) throw new RangeError(`Cannot use k = ${k}: expected a positive number`);
  if (!["linear", "relu", "relu6"].includes(activation)) {
    throw new RangeError(`Cannot derive a range through activation "${activation}"`);
  }
  const n = gamma.length;
  const min = new Float32Array(n), max = new Float32Array(n);
  for (let c = 0; c < n; c++) {
    let lo = beta[c]! - k * Math.abs(gamma[c]!), hi = beta[c]! + k * Math.abs(gamma[c]!);
    if (activation !== "linear") {
      lo = Math.max(lo, 0);
      hi = Math.max(hi, 0);
    }
    if (activation === "relu6") {
      lo = Math.min(lo, 6);
      hi = Math.min(hi, 6);
    }
    min[c] = lo;
    max[c] = hi;
  }
  return { min, max };
}

/** Per-tensor range of a per-channel range: min of the minima, max of the maxima. */
export function tensorRange(range: ChannelRange): { min: number; max: number } {
  return {
    min: range.min.reduce((a, b) => Math.min(a, b), Infinity),
    max: range.max.reduce((a, b) => Math.max(a, b), -Infinity),
  };
}
