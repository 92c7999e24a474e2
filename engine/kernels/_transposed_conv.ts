/**
 * Private helper: the input gradient of a (depthwise) convolution as a stride-1 convolution of
 * the zero-inserted output gradient with the spatially flipped filter.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { Info, KernelScope } from "./_kernel_scope.ts";
import { type HeapBackend, phaseTransposedConv } from "./_phase_conv.ts";

/**
 * Returns dx `[n, h, w, c]` for `dy` `[n, oh, ow, c']` and a filter already flipped and laid out
 * for `kernel` (`Conv2D`: `[kh, kw, c', c]`; `DepthwiseConv2dNative`: `[kh, kw, c', 1]`).
 * Strided convolutions go through {@link phaseTransposedConv} (no zero insertion).
 */
export function transposedConv(
  s: KernelScope,
  backend: HeapBackend,
  dy: Info,
  flipped: Info,
  info: tf.backend_util.Conv2DInfo,
  kernel: "Conv2D" | "DepthwiseConv2dNative",
): Info {
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  if ((sh > 1 || sw > 1) && dh === 1 && dw === 1) {
    return phaseTransposedConv(s, backend, dy, flipped, info, kernel);
  }
  const { filterHeight: kh, filterWidth: kw, inHeight: h, inWidth: w } = info;
  const { top, left } = info.padInfo;
  const dilated = s.zeroInsert(dy, sh, sw); // [n, oh * sh, ow * sw, c']
  const before = [(kh - 1) * dh - top, (kw - 1) * dw - left] as const;
  const after = [h + top - info.outHeight * sh, w + left - info.outWidth * sw] as const;
  const cropped = s.padOrCrop(dilated, [
    [0, 0],
    [Math.min(0, before[0]), Math.min(0, after[0])],
    [Math.min(0, before[1]), Math.min(0, after[1])],
    [0, 0],
  ]);
  return s.run(kernel, { x: cropped, filter: flipped }, {
    strides: [1, 1],
    dilations: [dh, dw],
    pad: [
      [0, 0],
      [Math.max(0, before[0]), Math.max(0, after[0])],
      [Math.max(0, before[1]), Math.max(0, after[1])],
      [0, 0],
    ],
    dataFormat: "NHWC",
  });
}
