/**
 * A one-pass gradient for `ClipByValue` (ReLU6 in tfjs-layers) on wasm: `dx = dy` where
 * `min <= x <= max`, else 0. tfjs-core's gradient runs five wasm kernels over the whole
 * activation (two comparisons, a logical and, zeros, a select), which dominated a
 * MobileNet training step. Other backends keep tfjs-core's composite.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Info } from "./_kernel_scope.ts";

/** Name of the fused kernel (registered for wasm only). */
export const CLIP_BY_VALUE_GRAD = "TailorClipByValueGrad";

/** The part of the wasm backend this kernel uses: output allocation and heap views. */
interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): Info;
  typedArrayFromHeap(info: Info): Float32Array | Int32Array | Uint8Array;
}

/** Computes `dx` from `x` and `dy` (same shape, float32) on the wasm heap. */
export function clipByValueGrad(
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap },
): Info {
  const { x, dy } = args.inputs as { x: Info; dy: Info };
  const { clipValueMin: lo, clipValueMax: hi } = args.attrs as unknown as tf.ClipByValueAttrs;
  if (!tf.util.arraysEqual(x.shape, dy.shape)) {
    throw new RangeError(`${CLIP_BY_VALUE_GRAD}: x shape [${x.shape}] != dy shape [${dy.shape}]`);
  }
  const backend = args.backend as HeapBackend;
  const out = backend.makeOutput(x.shape, "float32");
  // Views are taken after the allocation: a heap growth would detach older views.
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  const xs = backend.typedArrayFromHeap(x) as Float32Array;
  const g = backend.typedArrayFromHeap(dy) as Float32Array;
  // Branch-free masks: with activations on both sides of a bound a branch mispredicts about
  // half the time, which made this loop 6x slower. Booleans coerce to 0/1 under `&`.
  // `lowerExclusive` gives Relu6's mask `0 < x <= 6` (tfjs-core's step(x) * (x <= 6)).
  if ((args.attrs as { lowerExclusive?: boolean }).lowerExclusive === true) {
    for (let i = 0; i < dx.length; i++) {
      const v = xs[i] as number;
      dx[i] = (g[i] as number) * (Number(v > lo) & Number(v <= hi));
    }
  } else {
    for (let i = 0; i < dx.length; i++) {
      const v = xs[i] as number;
      dx[i] = (g[i] as number) * (Number(v >= lo) & Number(v <= hi));
    }
  }
  return out;
}

/** Kernel config of {@link clipByValueGrad} for `wasm`. */
export const clipByValueGradConfig: tf.KernelConfig = {
  kernelName: CLIP_BY_VALUE_GRAD,
  backendName: "wasm",
  kernelFunc: clipByValueGrad as unknown as tf.KernelFunc,
};

/**
 * Gradient config of `ClipByValue`: the fused kernel when the active backend has it and both
 * tensors are float32, tfjs-core's composite otherwise (same values either way).
 */
export const clipByValueGradientConfig: tf.GradConfig = {
  kernelName: tf.ClipByValue,
  inputsToSave: ["x"],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor];
    const g = dy as tf.Tensor;
    const { clipValueMin, clipValueMax } = attrs as unknown as tf.ClipByValueAttrs;
    const fused = tf.getKernel(CLIP_BY_VALUE_GRAD, tf.getBackend()) !== undefined &&
      x.dtype === "float32" && g.dtype === "float32";
    return {
      x: () =>
        fused
          ? tf.engine().runKernel(CLIP_BY_VALUE_GRAD, { x, dy: g }, {
            clipValueMin,
            clipValueMax,
          }) as tf.Tensor
          : tf.where(
            tf.logicalAnd(tf.greaterEqual(x, clipValueMin), tf.lessEqual(x, clipValueMax)),
            g,
            tf.zerosLike(g),
          ),
    };
  },
};

/**
 * Gradient config of `Relu6`: `dy` where `0 < x <= 6`, else 0, as tfjs-core's, in one pass
 * with the fused kernel on wasm (tfjs-core's composite runs four kernels).
 */
export const relu6GradientConfig: tf.GradConfig = {
  kernelName: tf.Relu6,
  inputsToSave: ["x"],
  gradFunc: (dy, saved) => {
    const [x] = saved as [tf.Tensor];
    const g = dy as tf.Tensor;
    const fused = tf.getKernel(CLIP_BY_VALUE_GRAD, tf.getBackend()) !== undefined &&
      x.dtype === "float32" && g.dtype === "float32";
    return {
      x: () =>
        fused
          ? tf.engine().runKernel(CLIP_BY_VALUE_GRAD, { x, dy: g }, {
            clipValueMin: 0,
            clipValueMax: 6,
            lowerExclusive: true,
          }) as tf.Tensor
          : tf.mul(g, tf.mul(tf.step(x), tf.cast(tf.lessEqual(x, 6), "float32"))),
    };
  },
};
