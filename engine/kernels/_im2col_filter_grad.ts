/**
 * Private helper: the filter gradient of a 2-D convolution as one matrix product
 * `patches^T · dy`, where `patches^T` (`[kh * kw * ci, n * oh * ow]`) is built from strided
 * slices of the padded, channel-major input. Fast for few input channels (a first layer) and for
 * 1x1 filters, where the batch-as-channels convolution runs a huge kernel over a few output
 * pixels (up to 10x slower). Slow for strides > 1 (wasm's StridedSlice).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Info, KernelScope } from "./_kernel_scope.ts";

/** Returns dW `[kh, kw, ci, co]` for NHWC `x`, `dy` (dilation 1). */
export function im2colFilterGrad(
  s: KernelScope,
  x: Info,
  dy: Info,
  info: tf.backend_util.Conv2DInfo,
): Info {
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const { outHeight: oh, outWidth: ow, inHeight: h, inWidth: w, batchSize: n } = info;
  const { inChannels: ci, outChannels: co } = info;
  const { top, left } = info.padInfo;
  // Rows the convolution reads: -top .. (oh - 1) * sh + kh - 1 - top.
  const bottom = (oh - 1) * sh + kh - h - top;
  const right = (ow - 1) * sw + kw - w - left;
  const xt = ci === 1 ? s.reshape(x, [1, n, h, w]) : s.transpose(x, [3, 0, 1, 2]);
  const padded = s.padOrCrop(xt, [[0, 0], [0, 0], [top, bottom], [left, right]]);
  const rows: Info[] = [];
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      const end = [ci, n, ky + (oh - 1) * sh + 1, kx + (ow - 1) * sw + 1];
      const unit = sh === 1 && sw === 1;
      const whole = unit && kh === 1 && kw === 1 && tf.util.arraysEqual(end, padded.shape);
      // Unit strides use Slice: wasm's StridedSlice is very slow for large tensors.
      const slice = whole
        ? padded
        : sh === 1 && sw === 1
        ? s.run("Slice", { x: padded }, { begin: [0, 0, ky, kx], size: [ci, n, oh, ow] })
        : s.run("StridedSlice", { x: padded }, {
          begin: [0, 0, ky, kx],
          end,
          strides: [1, 1, sh, sw],
          beginMask: 0,
          endMask: 0,
          ellipsisMask: 0,
          newAxisMask: 0,
          shrinkAxisMask: 0,
        }); // [ci, n, oh, ow]
      rows.push(s.reshape(slice, [ci, n * oh * ow]));
    }
  }
  const patchesT = rows.length === 1 ? rows[0] as Info : s.run("Concat", rows, { axis: 0 }); // [kh * kw * ci, n * oh * ow]
  const grad = s.run("BatchMatMul", {
    a: s.reshape(patchesT, [1, kh * kw * ci, n * oh * ow]),
    b: s.reshape(dy, [1, n * oh * ow, co]),
  }, { transposeA: false, transposeB: false });
  return s.reshape(grad, [kh, kw, ci, co]);
}
