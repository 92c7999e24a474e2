/**
 * `Sum` and `Mean` for the wasm backend when the reduced axes are the leading ones (per-channel
 * statistics of NHWC activations, bias and batch-norm gradients): one pass over the wasm heap
 * in JavaScript with float64 accumulators. wasm's own kernels transpose the whole input first
 * so that the reduced axes come last, which costs more than the reduction.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Info } from "./_kernel_scope.ts";

/** The part of the wasm backend this kernel uses: output allocation and heap views. */
interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): Info;
  typedArrayFromHeap(info: Info): Float32Array | Int32Array | Uint8Array;
}

/** Inputs smaller than this keep wasm's own kernel (the call overhead dominates there). */
const MIN_SIZE = 4096;

/**
 * The number of leading axes `axis` reduces when they are exactly `0 .. k-1` with
 * `0 < k < rank`, else 0.
 */
export function leadingAxesCount(axis: number | number[], shape: readonly number[]): number {
  const axes = [...new Set(tf.util.parseAxisParam(axis, [...shape]))].sort((a, b) => a - b);
  if (axes.length === 0 || axes.length >= shape.length) return 0;
  return axes.every((a, i) => a === i) ? axes.length : 0;
}

/**
 * Sums (or averages, when `mean`) the rows of `x` seen as `[rows, cols]` into `out`: four
 * columns at a time in float64 locals (several times faster than a float64 accumulator array).
 */
function reduceRows(x: Float32Array, rows: number, cols: number, out: Float32Array, mean: boolean) {
  const scale = mean ? 1 / rows : 1;
  const end = rows * cols;
  let c = 0;
  for (; c + 4 <= cols; c += 4) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let i = c; i < end; i += cols) {
      s0 += x[i] as number;
      s1 += x[i + 1] as number;
      s2 += x[i + 2] as number;
      s3 += x[i + 3] as number;
    }
    out[c] = s0 * scale;
    out[c + 1] = s1 * scale;
    out[c + 2] = s2 * scale;
    out[c + 3] = s3 * scale;
  }
  for (; c < cols; c++) {
    let s = 0;
    for (let i = c; i < end; i += cols) s += x[i] as number;
    out[c] = s * scale;
  }
}

/**
 * Wraps wasm's own `Sum` or `Mean` kernel (`original`, still used for other axes, dtypes and
 * small inputs) with the leading-axes reduction.
 */
export function reduceLeadingAxes(original: tf.KernelConfig): tf.KernelConfig {
  const mean = original.kernelName === "Mean";
  const kernelFunc = (
    args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap },
  ): Info => {
    const { x } = args.inputs as { x: Info };
    const { axis, keepDims } = args.attrs as unknown as {
      axis: number | number[];
      keepDims: boolean;
    };
    const size = tf.util.sizeFromShape(x.shape);
    const k = x.dtype === "float32" && size >= MIN_SIZE ? leadingAxesCount(axis, x.shape) : 0;
    if (k === 0) {
      return original.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as Info;
    }
    const kept = x.shape.slice(k);
    const shape = keepDims ? [...x.shape.slice(0, k).map(() => 1), ...kept] : kept;
    const backend = args.backend as HeapBackend;
    const out = backend.makeOutput(shape, "float32");
    const cols = tf.util.sizeFromShape(kept);
    // Views are taken after the allocation: a heap growth would detach older views.
    const dst = backend.typedArrayFromHeap(out) as Float32Array;
    reduceRows(backend.typedArrayFromHeap(x) as Float32Array, size / cols, cols, dst, mean);
    return out;
  };
  const config: tf.KernelConfig = {
    kernelName: original.kernelName,
    backendName: "wasm",
    kernelFunc: kernelFunc as unknown as tf.KernelFunc,
  };
  if (original.setupFunc !== undefined) config.setupFunc = original.setupFunc;
  return config;
}
