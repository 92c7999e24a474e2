/**
 * Private helper: the input gradient of a strided (depthwise) convolution as `sh * sw`
 * stride-1 convolutions of `dy`, one per output phase, each with the sub-filter of the taps
 * that reach that phase (sub-pixel decomposition), interleaved on the wasm heap. Zero-inserting
 * `dy` instead costs `sh * sw` times the arithmetic.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { Info, KernelScope } from "./_kernel_scope.ts";

/** The part of the wasm backend the interleave uses: output allocation and heap views. */
export interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): Info;
  typedArrayFromHeap(info: Info): Float32Array | Int32Array | Uint8Array;
}

/** Taps of a `k`-tap filter at stride `s` that reach output phase `r` (`r`, `r + s`, ...). */
function taps(k: number, s: number, r: number): number {
  return r >= k ? 0 : Math.ceil((k - r) / s);
}

/**
 * Returns dx `[n, h, w, c]` for `dy` `[n, oh, ow, c']` and the filter `flipped` (spatially
 * flipped, laid out for `kernel` as in `transposedConv`); dilation must be 1.
 */
export function phaseTransposedConv(
  s: KernelScope,
  backend: HeapBackend,
  dy: Info,
  flipped: Info,
  info: tf.backend_util.Conv2DInfo,
  kernel: "Conv2D" | "DepthwiseConv2dNative",
): Info {
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const { inHeight: h, inWidth: w, outHeight: oh, outWidth: ow, batchSize: n } = info;
  const { top, left } = info.padInfo;
  const [, , o2 = 1, o3 = 1] = flipped.shape;
  const c = kernel === "Conv2D" ? o3 : o2 * o3;
  const u = Math.ceil((top + h) / sh); // phase rows: dx row h' = u * sh + r, h' = h + top
  const v = Math.ceil((left + w) / sw);
  const phases: (Info | null)[] = [];
  for (let r = 0; r < sh; r++) {
    for (let q = 0; q < sw; q++) {
      const tr = taps(kh, sh, r);
      const tq = taps(kw, sw, q);
      if (tr === 0 || tq === 0) {
        phases.push(null);
        continue;
      }
      // Tap r + sh * t of the filter sits at kh - 1 - r - sh * t of the flipped one.
      const r0 = kh - 1 - r - sh * (tr - 1);
      const q0 = kw - 1 - q - sw * (tq - 1);
      const sub = s.run("StridedSlice", { x: flipped }, {
        begin: [r0, q0, 0, 0],
        end: [r0 + sh * (tr - 1) + 1, q0 + sw * (tq - 1) + 1, o2, o3],
        strides: [sh, sw, 1, 1],
        beginMask: 0,
        endMask: 0,
        ellipsisMask: 0,
        newAxisMask: 0,
        shrinkAxisMask: 0,
      });
      const cropped = s.padOrCrop(dy, [[0, 0], [0, Math.min(0, u - oh)], [0, Math.min(0, v - ow)], [
        0,
        0,
      ]]);
      phases.push(s.run(kernel, { x: cropped, filter: sub }, {
        strides: [1, 1],
        dilations: [1, 1],
        pad: [[0, 0], [tr - 1, Math.max(0, u - oh)], [tq - 1, Math.max(0, v - ow)], [0, 0]],
        dataFormat: "NHWC",
      })); // [n, u, v, c]
    }
  }
  const out = backend.makeOutput([n, h, w, c], "float32");
  // Views are taken after the allocation: a heap growth would detach older views.
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  const views = phases.map((p) => p === null ? null : backend.typedArrayFromHeap(p));
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < h; y++) {
      const yy = y + top;
      const rowBase = (b * u + Math.floor(yy / sh)) * v;
      const r = yy % sh;
      for (let x = 0; x < w; x++) {
        const xx = x + left;
        const src = views[r * sw + (xx % sw)];
        if (src === null || src === undefined) {
          dx.fill(0, o, o + c);
          o += c;
          continue;
        }
        let i = (rowBase + Math.floor(xx / sw)) * c;
        for (let e = 0; e < c; e++) dx[o++] = src[i++] as number;
      }
    }
  }
  return out;
}
