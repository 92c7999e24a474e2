/**
 * Fake quantization with a straight-through estimator, with PyTorch's
 * `fake_quantize_per_tensor_affine` / `fake_quantize_per_channel_affine` semantics:
 * `out = (clamp(round_half_even(x * inv_scale) + zp, qmin, qmax) - zp) * scale`, where
 * `inv_scale` is the float32 reciprocal of the scale; the gradient is 1 where
 * `qmin <= round(x * inv_scale) + zp <= qmax` and 0 elsewhere.
 *
 * @module
 */
import { tf } from "../backend.ts";
import { checkQParams, type QParams, quantRange } from "./qparams.ts";

/** Float32 reciprocals of the scales (`1.0f / scale`, as torch's kernels compute them). */
export function inverseScales(scale: Float32Array): Float32Array {
  return scale.map((s) => Math.fround(1 / s));
}

/** Shape that broadcasts a per-channel vector along `axis` of a rank-`rank` tensor. */
export function channelBroadcastShape(rank: number, axis: number, channels: number): number[] {
  const shape = new Array<number>(rank).fill(1);
  shape[axis] = channels;
  return shape;
}

/** Constant tensors (scale, inverse scale, zero point) shaped to broadcast against `shape`. */
function paramTensors(
  params: QParams,
  shape: readonly number[],
): { scale: tf.Tensor; inv: tf.Tensor; zp: tf.Tensor } {
  const { channels, axis } = checkQParams(params, shape);
  const bshape = axis === undefined ? [] : channelBroadcastShape(shape.length, axis, channels);
  return {
    scale: tf.tensor(params.scale, bshape, "float32"),
    inv: tf.tensor(inverseScales(params.scale), bshape, "float32"),
    zp: tf.tensor(Float32Array.from(params.zeroPoint), bshape, "float32"),
  };
}

/**
 * Fake-quantizes `x` (float32) with `params` (per tensor, or per channel along
 * `params.axis`); 32 bits return a copy of `x`. Differentiable through `tf.grad` with the
 * straight-through estimator (gradient masked to the unclamped region). The caller owns
 * the result.
 *
 * @example
 * ```ts
 * import { initBackend, tf } from "../backend.ts";
 * import { fakeQuant } from "./fake_quant.ts";
 * await initBackend("cpu");
 * const params = { bits: 8, signed: true, scale: new Float32Array([0.5]), zeroPoint: new Int32Array([0]) } as const;
 * const y = fakeQuant(tf.tensor1d([0.25, 0.75, 100]), params);
 * console.assert(y.dataSync().join() === "0,1,63.5"); // ties to even; 127 * 0.5
 * ```
 */
export function fakeQuant(x: tf.Tensor, params: QParams): tf.Tensor {
  if (x.dtype !== "float32") {
    throw new TypeError(`Cannot fake-quantize a ${x.dtype} tensor: expected float32`);
  }
  if (params.bits === 32) {
    checkQParams(params, x.shape);
    return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
      value: (args[0] as tf.Tensor).clone(),
      gradFunc: (dy: tf.Tensor) => dy.clone(),
    }))(x);
  }
  const { qmin, qmax } = quantRange(params.bits, params.signed);
  const shape = x.shape;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const v = args[0] as tf.Tensor, save = args[1] as tf.GradSaveFunc;
    const { value, mask } = tf.tidy(() => {
      const { scale, inv, zp } = paramTensors(params, shape);
      const q = tf.add(tf.round(tf.mul(v, inv)), zp);
      const inside = tf.logicalAnd(tf.greaterEqual(q, qmin), tf.lessEqual(q, qmax));
      return {
        value: tf.mul(tf.sub(tf.clipByValue(q, qmin, qmax), zp), scale),
        mask: tf.cast(inside, "float32"),
      };
    });
    save([mask]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, saved[0]!),
    };
  });
  return op(x);
}

/**
 * The straight-through-estimator mask of {@linkcode fakeQuant}: 1 where
 * `qmin <= round(x * inv_scale) + zp <= qmax`, else 0 (what torch's `*_cachemask` returns).
 */
export function fakeQuantMask(x: tf.Tensor, params: QParams): tf.Tensor {
  if (params.bits === 32) return tf.onesLike(x);
  const { qmin, qmax } = quantRange(params.bits, params.signed);
  return tf.tidy(() => {
    const { inv, zp } = paramTensors(params, x.shape);
    const q = tf.add(tf.round(tf.mul(x, inv)), zp);
    return tf.cast(tf.logicalAnd(tf.greaterEqual(q, qmin), tf.lessEqual(q, qmax)), "float32");
  });
}
