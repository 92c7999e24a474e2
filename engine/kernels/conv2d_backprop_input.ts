/**
 * `Conv2DBackpropInput` for the wasm backend as one XNNPACK convolution of the zero-inserted
 * `dy` with the flipped, transposed filter (several times faster than wasm's own loop kernel).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type DisposingBackend, type Info, withKernelScope } from "./_kernel_scope.ts";
import type { HeapBackend } from "./_phase_conv.ts";
import { transposedConv } from "./_transposed_conv.ts";

/** Attributes tfjs-core passes to `Conv2DBackpropInput`. */
interface Conv2DBackpropInputAttrs {
  strides: [number, number] | number;
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dataFormat: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
  inputShape: [number, number, number, number];
}

/** Computes the input gradient of a 2-D convolution (dilation 1) on the wasm backend. */
export function conv2DBackpropInput(
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap },
): Info {
  const { dy, filter } = args.inputs as { dy: Info; filter: Info };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args
    .attrs as unknown as Conv2DBackpropInputAttrs;
  return withKernelScope(args.backend as DisposingBackend, (s) => {
    const nchw = dataFormat === "NCHW";
    const dys = nchw ? s.transpose(dy, [0, 2, 3, 1]) : dy;
    const [n, a, b, c] = inputShape;
    const xShape: [number, number, number, number] = nchw ? [n, b, c, a] : inputShape;
    const info = tf.backend_util.computeConv2DInfo(
      xShape,
      filter.shape as [number, number, number, number],
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      "channelsLast",
    );
    const reversed = s.run("Reverse", { x: filter }, { dims: [0, 1] });
    const flipped = s.transpose(reversed, [0, 1, 3, 2]); // [kh, kw, co, ci]
    const dx = transposedConv(s, args.backend as HeapBackend, dys, flipped, info, "Conv2D");
    return nchw ? s.transpose(dx, [0, 3, 1, 2]) : dx;
  });
}

/** Kernel config replacing wasm's `Conv2DBackpropInput` with {@link conv2DBackpropInput}. */
export const conv2DBackpropInputConfig: tf.KernelConfig = {
  kernelName: "Conv2DBackpropInput",
  backendName: "wasm",
  kernelFunc: conv2DBackpropInput as unknown as tf.KernelFunc,
};
