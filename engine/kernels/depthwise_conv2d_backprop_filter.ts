/**
 * `DepthwiseConv2dNativeBackpropFilter` for the wasm backend as one depthwise convolution with
 * batch folded into the channels: x as `[1, h, w, n*c]`, dy as the filter `[oh, ow, n*c, m]`
 * dilated by the forward stride (the forward dilation becomes the stride), then a sum over n.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type DisposingBackend, type Info, withKernelScope } from "./_kernel_scope.ts";
import { depthwiseFilterGradJs } from "./_depthwise_filter_grad_js.ts";

/** Attributes tfjs-core passes to `DepthwiseConv2dNativeBackpropFilter`. */
interface DepthwiseBackpropFilterAttrs {
  strides: [number, number] | number;
  dilations: [number, number] | number;
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: "floor" | "round" | "ceil";
  filterShape: [number, number, number, number];
}

/** Computes the filter gradient of a depthwise 2-D convolution (NHWC) on the wasm backend. */
export function depthwiseConv2dBackpropFilter(
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap },
): Info {
  const { x, dy } = args.inputs as { x: Info; dy: Info };
  const { strides, dilations, pad, dimRoundingMode, filterShape } = args
    .attrs as unknown as DepthwiseBackpropFilterAttrs;
  return withKernelScope(args.backend as DisposingBackend, (s) => {
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filterShape,
      strides,
      dilations ?? 1,
      pad,
      dimRoundingMode,
      true,
    );
    if (x.dtype === "float32" && dy.dtype === "float32") {
      return depthwiseFilterGradJs(
        args.backend as Parameters<typeof depthwiseFilterGradJs>[0],
        x,
        dy,
        info,
      );
    }
    const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
    const { filterHeight: kh, filterWidth: kw, inHeight: h, inWidth: w } = info;
    const { outHeight: oh, outWidth: ow, batchSize: n, inChannels: c } = info;
    const m = info.outChannels / c;
    const { top, left } = info.padInfo;
    // Rows the convolution must see: (kh - 1) * dh + (oh - 1) * sh + 1, starting at -top.
    const bottom = (kh - 1) * dh + (oh - 1) * sh + 1 - h - top;
    const right = (kw - 1) * dw + (ow - 1) * sw + 1 - w - left;
    let xt = s.reshape(s.transpose(x, [1, 2, 0, 3]), [1, h, w, n * c]);
    xt = s.padOrCrop(xt, [[0, 0], [0, Math.min(0, bottom)], [0, Math.min(0, right)], [0, 0]]);
    const dyt = s.reshape(s.transpose(dy, [1, 2, 0, 3]), [oh, ow, n * c, m]);
    const grad = s.run("DepthwiseConv2dNative", { x: xt, filter: dyt }, {
      strides: [dh, dw],
      dilations: [sh, sw],
      pad: [[0, 0], [top, Math.max(0, bottom)], [left, Math.max(0, right)], [0, 0]],
      dataFormat: "NHWC",
    }); // [1, kh, kw, n*c*m]
    if (n === 1) return s.reshape(grad, [kh, kw, c, m]);
    return s.reshape(s.sum(s.reshape(grad, [kh, kw, n, c * m]), 2), [kh, kw, c, m]);
  });
}

/** Kernel config registering {@link depthwiseConv2dBackpropFilter} for `wasm`. */
export const depthwiseConv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: "DepthwiseConv2dNativeBackpropFilter",
  backendName: "wasm",
  kernelFunc: depthwiseConv2dBackpropFilter as unknown as tf.KernelFunc,
};
