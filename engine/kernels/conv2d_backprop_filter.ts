/**
 * `Conv2DBackpropFilter` for the wasm backend, as one XNNPACK convolution: batch becomes the
 * channel dimension (x: `[ci, h, w, n]`, dy as filter: `[oh, ow, n, co]`, dilated by the
 * forward stride), giving `[ci, kh, kw, co]`, transposed to the filter layout.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type DisposingBackend, type Info, withKernelScope } from "./_kernel_scope.ts";
import { im2colFilterGrad } from "./_im2col_filter_grad.ts";

/** Largest input-channel count that uses the im2col formulation for filters larger than 1x1. */
export const IM2COL_MAX_IN_CHANNELS = 4;

/**
 * The default choice of formulation (measured on the zoo's shapes): `im2col` at unit strides
 * for 1x1 filters or at most {@link IM2COL_MAX_IN_CHANNELS} input channels, else the
 * batch-as-channels convolution.
 */
export function defaultFilterGradMode(info: tf.backend_util.Conv2DInfo): "im2col" | "conv" {
  const unitStride = info.strideHeight === 1 && info.strideWidth === 1;
  const pointwise = info.filterHeight === 1 && info.filterWidth === 1;
  return unitStride && (pointwise || info.inChannels <= IM2COL_MAX_IN_CHANNELS) ? "im2col" : "conv";
}

let filterGradMode: (info: tf.backend_util.Conv2DInfo) => "im2col" | "conv" = defaultFilterGradMode;

/** Overrides the formulation choice (benchmarks, tests); pass `defaultFilterGradMode` to reset. */
export function setFilterGradMode(
  choose: (info: tf.backend_util.Conv2DInfo) => "im2col" | "conv",
): void {
  filterGradMode = choose;
}

/** Attributes tfjs-core passes to `Conv2DBackpropFilter`. */
interface Conv2DBackpropFilterAttrs {
  strides: [number, number] | number;
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dataFormat: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
  filterShape: [number, number, number, number];
}

/**
 * Computes the filter gradient of a 2-D convolution (dilation 1, as tfjs-core's gradient
 * requires) on the wasm backend.
 */
export function conv2DBackpropFilter(
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap },
): Info {
  const { x, dy } = args.inputs as { x: Info; dy: Info };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args
    .attrs as unknown as Conv2DBackpropFilterAttrs;
  return withKernelScope(args.backend as DisposingBackend, (s) => {
    const nchw = dataFormat === "NCHW";
    const xs = nchw ? s.transpose(x, [0, 2, 3, 1]) : x;
    const dys = nchw ? s.transpose(dy, [0, 2, 3, 1]) : dy;
    const info = tf.backend_util.computeConv2DInfo(
      xs.shape as [number, number, number, number],
      filterShape,
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      "channelsLast",
    );
    if (filterGradMode(info) === "im2col") return im2colFilterGrad(s, xs, dys, info);
    const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
    const { outHeight: oh, outWidth: ow, inHeight: h, inWidth: w } = info;
    const { top, left } = info.padInfo;
    // Rows the convolution must see: (kh - 1) + (oh - 1) * sh + 1, starting at -top.
    const bottom = kh + (oh - 1) * sh - h - top;
    const right = kw + (ow - 1) * sw - w - left;
    let xt = s.transpose(xs, [3, 1, 2, 0]); // [ci, h, w, n]
    // Crop rows/columns the forward pass never read; the convolution pads the rest.
    xt = s.padOrCrop(xt, [[0, 0], [0, Math.min(0, bottom)], [0, Math.min(0, right)], [0, 0]]);
    const filter = s.transpose(dys, [1, 2, 0, 3]); // [oh, ow, n, co]
    const grad = s.run("Conv2D", { x: xt, filter }, {
      strides: [1, 1],
      dilations: [sh, sw],
      pad: [[0, 0], [top, Math.max(0, bottom)], [left, Math.max(0, right)], [0, 0]],
      dataFormat: "NHWC",
    }); // [ci, kh, kw, co]
    return s.transpose(grad, [1, 2, 0, 3]);
  });
}

/** Kernel config registering {@link conv2DBackpropFilter} for `wasm`. */
export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: "Conv2DBackpropFilter",
  backendName: "wasm",
  kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc,
};
