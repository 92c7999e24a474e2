/**
 * The quantization scheme sensitivities are measured under, matching the export's plain
 * post-training state: kernels per output channel, symmetric min-max; activations (the
 * tensor a layer reads) per tensor, affine min-max. Kernels are handled as plain arrays.
 *
 * @module
 */
import type { ComputeNode } from "../models/ir.ts";
import { inverseScales } from "../quant/fake_quant.ts";
import { computeQParams, quantRange, roundHalfEven } from "../quant/qparams.ts";
import { channelView } from "../quant/weight_channels.ts";

/** Bits at or above which nothing is quantized. */
export const FLOAT = 32;

/**
 * The kernel quantized per output channel (symmetric min-max) at `bits`, as plain values in
 * the kernel's layout (a copy for 32 bits).
 */
export function quantizeKernel(
  node: ComputeNode,
  data: Float32Array,
  shape: readonly number[],
  bits: number,
): Float32Array {
  if (bits >= FLOAT) return data.slice();
  const view = channelView(node.op, shape);
  const n = view.channels;
  const min = new Float32Array(n).fill(Infinity), max = new Float32Array(n).fill(-Infinity);
  data.forEach((v, i) => {
    const c = i % n; // the channel axis is the view's last axis
    if (v < min[c]!) min[c] = v;
    if (v > max[c]!) max[c] = v;
  });
  const p = computeQParams(min, max, bits, { symmetric: true, axis: view.axis });
  const inv = inverseScales(p.scale);
  const { qmin, qmax } = quantRange(bits, p.signed);
  return data.map((v, i) => {
    const c = i % n;
    const q = Math.min(Math.max(roundHalfEven(Math.fround(v * inv[c]!)), qmin), qmax);
    return q * p.scale[c]!;
  });
}

/** `Q_b(W) - W` element-wise. */
export function kernelError(
  node: ComputeNode,
  data: Float32Array,
  shape: readonly number[],
  bits: number,
): Float32Array {
  const q = quantizeKernel(node, data, shape, bits);
  return q.map((v, i) => v - data[i]!);
}

/** Sum of squares. */
export function sumSquares(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return s;
}

/** Step of a per-tensor affine `bits` quantizer over `[min, max]` (the range includes 0). */
export function activationStep(min: number, max: number, bits: number): number {
  if (bits >= FLOAT) return 0;
  const p = computeQParams([min], [max], bits, { symmetric: false });
  return p.scale[0]!;
}
