/**
 * MSE-optimal per-channel weight clipping: for every output channel of a kernel, the
 * symmetric clipping range `[-a·m, a·m]` (`m` the channel's largest magnitude) whose
 * fake-quantized weights have the smallest squared error, searched over the ratios
 * `a = k / grid` (k = grid..1) on the exact weight values (no histogram), with the same
 * parameters and rounding as {@linkcode computeQParams} and `fakeQuant`. Ties keep the
 * wider range, so a channel min-max already quantizes best keeps its min-max range.
 *
 * @module
 */
import type { tf } from "../backend.ts";
import type { ComputeNode } from "../models/ir.ts";
import { computeQParams, type QParams, quantRange, roundHalfEven } from "./qparams.ts";
import { channelView } from "./weight_channels.ts";

/** Default number of clipping ratios searched per channel. @default 200 */
export const DEFAULT_CLIP_GRID = 200;

/** Options of {@linkcode mseClipRanges}. */
export interface ClipSearchOptions {
  /** Number of candidate ratios `k / grid`. @default {@linkcode DEFAULT_CLIP_GRID} */
  readonly grid?: number;
  /**
   * Optional weight of every element in the error (same length as `data`), e.g. the
   * second moment of the input the weight multiplies. @default all 1
   */
  readonly importance?: Float32Array;
}

/**
 * Squared quantization error of the values `data[start], data[start + stride], ...`
 * under symmetric signed `bits`-bit parameters with scale `s` (torch's float32 inverse
 * scale and round-half-to-even), optionally weighted by `importance`.
 */
export function channelQuantError(
  data: Float32Array,
  start: number,
  stride: number,
  s: number,
  bits: number,
  importance?: Float32Array,
): number {
  const { qmin, qmax } = quantRange(bits, true);
  const inv = Math.fround(1 / s);
  let err = 0;
  for (let i = start; i < data.length; i += stride) {
    const x = data[i]!;
    const q = Math.min(Math.max(roundHalfEven(Math.fround(x * inv)), qmin), qmax);
    const d = x - Math.fround(q * s);
    err += d * d * (importance === undefined ? 1 : importance[i]!);
  }
  return err;
}

/**
 * Per-channel symmetric clipping ranges of channel-last `data` (channel of element `i` is
 * `i % channels`) minimizing the quantization error at `bits`: `max[c] = a·m` and
 * `min[c] = -max[c]` for the best ratio `a` (at 32 bits, float, the full range).
 *
 * @example
 * ```ts
 * import { mseClipRanges } from "./weight_clip.ts";
 * const data = Float32Array.from([0.1, -0.2, 0.15, -0.05, 0.12, 3]); // one outlier
 * const { max } = mseClipRanges(data, 1, 4);
 * console.assert(max[0]! <= 3);
 * ```
 */
export function mseClipRanges(
  data: Float32Array,
  channels: number,
  bits: number,
  opts: ClipSearchOptions = {},
): { min: Float32Array; max: Float32Array } {
  const grid = opts.grid ?? DEFAULT_CLIP_GRID;
  if (!Number.isInteger(grid) || grid < 1) {
    throw new RangeError(`Cannot search ${grid} clipping ratios: expected an integer >= 1`);
  }
  if (!Number.isInteger(channels) || channels < 1 || data.length % channels !== 0) {
    throw new RangeError(`Cannot split ${data.length} values into ${channels} channels`);
  }
  if (opts.importance !== undefined && opts.importance.length !== data.length) {
    throw new RangeError(
      `Cannot weight ${data.length} values with ${opts.importance.length} importances`,
    );
  }
  const min = new Float32Array(channels), max = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    let m = 0;
    for (let i = c; i < data.length; i += channels) m = Math.max(m, Math.abs(data[i]!));
    let best = m, bestErr = Infinity;
    for (let k = grid; k >= 1 && m > 0 && bits !== 32; k--) {
      const hi = (k / grid) * m;
      const s = computeQParams([-hi], [hi], bits, { symmetric: true }).scale[0]!;
      const err = channelQuantError(data, c, channels, s, bits, opts.importance);
      if (err < bestErr) {
        bestErr = err;
        best = hi;
      }
    }
    min[c] = -best;
    max[c] = best;
  }
  return { min, max };
}

/**
 * Symmetric signed per-output-channel parameters of a compute layer's kernel at `bits`,
 * each channel clipped to its MSE-optimal range ({@linkcode mseClipRanges}).
 *
 * @example
 * ```ts
 * import { initBackend, tf } from "../backend.ts";
 * import { mseWeightQParams } from "./weight_clip.ts";
 * await initBackend("cpu");
 * const node = { name: "fc", op: "dense", inputs: ["in"], outShape: [2], units: 2,
 *   useBias: false, activation: "linear" } as const;
 * const kernel = tf.tensor2d([[0.1, 1], [-0.2, -1], [2, 0.5]]);
 * const p = mseWeightQParams(node, kernel, 4);
 * console.assert(p.axis === 1 && p.scale.length === 2);
 * kernel.dispose();
 * ```
 */
export function mseWeightQParams(
  node: ComputeNode,
  kernel: tf.Tensor,
  bits: number,
  opts: ClipSearchOptions = {},
): QParams {
  const view = channelView(node.op, kernel.shape);
  // The channel axis is the last axis of the view, so flat index i is channel i % C.
  const data = kernel.dataSync() as Float32Array;
  const { min, max } = mseClipRanges(data, view.channels, bits, opts);
  return computeQParams(min, max, bits, { symmetric: true, axis: view.axis });
}
