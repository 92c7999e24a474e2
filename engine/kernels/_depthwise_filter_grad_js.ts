/**
 * Private helper: the filter gradient of a depthwise convolution in one JavaScript pass over
 * the wasm heap (float64 accumulators, any stride, padding and dilation). Faster than the
 * batch-as-channels depthwise convolution, whose kernel spans the whole image.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { Info } from "./_kernel_scope.ts";

/** The part of the wasm backend this kernel uses: output allocation and heap views. */
interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): Info;
  typedArrayFromHeap(info: Info): Float32Array | Int32Array | Uint8Array;
}

/** Returns dW `[kh, kw, c, m]` for NHWC float32 `x` and `dy`. */
export function depthwiseFilterGradJs(
  backend: HeapBackend,
  x: Info,
  dy: Info,
  info: tf.backend_util.Conv2DInfo,
): Info {
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { filterHeight: kh, filterWidth: kw, inHeight: h, inWidth: w } = info;
  const { outHeight: oh, outWidth: ow, batchSize: n, inChannels: c } = info;
  const m = info.outChannels / c;
  const cm = c * m;
  const { top, left } = info.padInfo;
  const acc = new Float64Array(kh * kw * cm);
  const out = backend.makeOutput([kh, kw, c, m], "float32");
  // Views are taken after the allocation: a heap growth would detach older views.
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  const xs = backend.typedArrayFromHeap(x) as Float32Array;
  const g = backend.typedArrayFromHeap(dy) as Float32Array;
  let gi = 0;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++, gi += cm) {
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh - top + ky * dh;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw - left + kx * dw;
            if (ix < 0 || ix >= w) continue;
            const xi = ((b * h + iy) * w + ix) * c;
            const ai = (ky * kw + kx) * cm;
            if (m === 1) {
              for (let k = 0; k < c; k++) {
                acc[ai + k] = (acc[ai + k] as number) +
                  (xs[xi + k] as number) * (g[gi + k] as number);
              }
            } else {
              for (let k = 0; k < cm; k++) {
                const v = xs[xi + Math.floor(k / m)] as number;
                acc[ai + k] = (acc[ai + k] as number) + v * (g[gi + k] as number);
              }
            }
          }
        }
      }
    }
  }
  for (let i = 0; i < acc.length; i++) dst[i] = acc[i] as number;
  return out;
}
