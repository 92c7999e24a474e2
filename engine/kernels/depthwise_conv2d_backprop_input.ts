/**
 * `DepthwiseConv2dNativeBackpropInput` for the wasm backend: a depthwise convolution of the
 * zero-inserted `dy` with the flipped filter (channel multiplier folded into the channels),
 * then a sum over the multiplier.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type DisposingBackend, type Info, withKernelScope } from "./_kernel_scope.ts";
import type { HeapBackend } from "./_phase_conv.ts";
import { transposedConv } from "./_transposed_conv.ts";

/** Attributes tfjs-core passes to `DepthwiseConv2dNativeBackpropInput`. */
interface DepthwiseBackpropInputAttrs {
  strides: [number, number] | number;
  dilations: [number, number] | number;
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: "floor" | "round" | "ceil";
  inputShape: [number, number, number, number];
}

/** Computes the input gradient of a depthwise 2-D convolution (NHWC) on the wasm backend. */
export function depthwiseConv2dBackpropInput(
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap },
): Info {
  const { dy, filter } = args.inputs as { dy: Info; filter: Info };
  const { strides, dilations, pad, dimRoundingMode, inputShape } = args
    .attrs as unknown as DepthwiseBackpropInputAttrs;
  const [kh = 1, kw = 1, c = 1, m = 1] = filter.shape;
  return withKernelScope(args.backend as DisposingBackend, (s) => {
    const info = tf.backend_util.computeConv2DInfo(
      inputShape,
      [kh, kw, c, m],
      strides,
      dilations ?? 1,
      pad,
      dimRoundingMode,
      true,
    );
    const reversed = s.run("Reverse", { x: filter }, { dims: [0, 1] });
    const flipped = s.reshape(reversed, [kh, kw, c * m, 1]);
    const dx = transposedConv(
      s,
      args.backend as HeapBackend,
      dy,
      flipped,
      info,
      "DepthwiseConv2dNative",
    ); // [n, h, w, c*m]
    if (m === 1) return dx;
    const [n = 1, h = 1, w = 1] = dx.shape;
    return s.sum(s.reshape(dx, [n, h, w, c, m]), 4);
  });
}

/** Kernel config registering {@link depthwiseConv2dBackpropInput} for `wasm`. */
export const depthwiseConv2dBackpropInputConfig: tf.KernelConfig = {
  kernelName: "DepthwiseConv2dNativeBackpropInput",
  backendName: "wasm",
  kernelFunc: depthwiseConv2dBackpropInput as unknown as tf.KernelFunc,
};
