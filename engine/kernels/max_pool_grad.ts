/**
 * `MaxPoolGrad` for the wasm backend as one pass over the wasm heap in JavaScript: for every
 * window it finds the first maximum (the cpu backend's rule: strict `>`, row-major scan) and
 * adds dy there. Several times faster than wasm's own kernel and than any composition of
 * wasm kernels (strided slices and comparisons there are slow).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Info } from "./_kernel_scope.ts";

/** Attributes tfjs-core passes to `MaxPoolGrad`. */
interface MaxPoolGradAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: "floor" | "round" | "ceil";
}

/** The part of the wasm backend this kernel uses: output allocation and heap views. */
interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): Info;
  typedArrayFromHeap(info: Info): Float32Array | Int32Array | Uint8Array;
}

/** Computes the input gradient of a 2-D max pool (NHWC, float32) on the wasm backend. */
export function maxPoolGrad(
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap },
): Info {
  const { dy, input } = args.inputs as { dy: Info; input: Info };
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as MaxPoolGradAttrs;
  const backend = args.backend as HeapBackend;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const out = backend.makeOutput(input.shape, "float32");
  // Views are taken after the allocation: a heap growth would detach older views.
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  const x = backend.typedArrayFromHeap(input);
  const g = backend.typedArrayFromHeap(dy);
  dx.fill(0);
  const { batchSize, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  if (
    kh === 2 && kw === 2 && sh === 2 && sw === 2 && top === 0 && left === 0 && 2 * oh <= h &&
    2 * ow <= w
  ) {
    pool2x2Grad(x, g, dx, batchSize, h, w, c, oh, ow);
    return out;
  }
  // Channels innermost: the window is scanned row-major per pixel, reading x contiguously,
  // with one running maximum per channel (same first-maximum rule per channel).
  const best = new Float32Array(c);
  const at = new Int32Array(c);
  let gi = 0;
  for (let b = 0; b < batchSize; b++) {
    const xb = b * h * w * c;
    for (let yr = 0; yr < oh; yr++) {
      const r0 = Math.max(0, yr * sh - top);
      const r1 = Math.min(h, yr * sh - top + kh);
      for (let yc = 0; yc < ow; yc++, gi += c) {
        const c0 = Math.max(0, yc * sw - left);
        const c1 = Math.min(w, yc * sw - left + kw);
        best.fill(Number.NEGATIVE_INFINITY);
        at.fill(-1);
        for (let r = r0; r < r1; r++) {
          for (let col = c0, i = xb + (r * w + c0) * c; col < c1; col++, i += c) {
            for (let d = 0; d < c; d++) {
              const v = x[i + d] as number;
              if (v > (best[d] as number)) {
                best[d] = v;
                at[d] = i + d;
              }
            }
          }
        }
        for (let d = 0; d < c; d++) {
          const a = at[d] as number;
          if (a >= 0) dx[a] = (dx[a] as number) + (g[gi + d] as number);
        }
      }
    }
  }
  return out;
}

/** The common 2x2, stride-2, unpadded case with the window unrolled (same first-max rule). */
function pool2x2Grad(
  x: Float32Array | Int32Array | Uint8Array,
  g: Float32Array | Int32Array | Uint8Array,
  dx: Float32Array,
  n: number,
  h: number,
  w: number,
  c: number,
  oh: number,
  ow: number,
): void {
  let gi = 0;
  for (let b = 0; b < n; b++) {
    for (let yr = 0; yr < oh; yr++) {
      for (let yc = 0; yc < ow; yc++, gi += c) {
        const i00 = ((b * h + 2 * yr) * w + 2 * yc) * c;
        const i01 = i00 + c;
        const i10 = i00 + w * c;
        const i11 = i10 + c;
        for (let d = 0; d < c; d++) {
          let best = Number.NEGATIVE_INFINITY;
          let at = -1;
          const v00 = x[i00 + d] as number;
          if (v00 > best) (best = v00), (at = i00 + d);
          const v01 = x[i01 + d] as number;
          if (v01 > best) (best = v01), (at = i01 + d);
          const v10 = x[i10 + d] as number;
          if (v10 > best) (best = v10), (at = i10 + d);
          const v11 = x[i11 + d] as number;
          if (v11 > best) at = i11 + d;
          if (at >= 0) dx[at] = g[gi + d] as number;
        }
      }
    }
  }
}

/** Kernel config replacing wasm's `MaxPoolGrad` with {@link maxPoolGrad}. */
export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: "MaxPoolGrad",
  backendName: "wasm",
  kernelFunc: maxPoolGrad as unknown as tf.KernelFunc,
};
