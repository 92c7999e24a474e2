/**
 * `Tile` for the wasm backend as block copies on the wasm heap (`copyWithin`): each axis's
 * first block is written once, then repeated. wasm's own kernel (used by tfjs-core's batch-norm
 * gradient) walks every element and dominated a BN training step.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { Info } from "./_kernel_scope.ts";

type Heap = Float32Array | Int32Array | Uint8Array;

/** The part of the wasm backend this kernel uses: output allocation and heap views. */
interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): Info;
  typedArrayFromHeap(info: Info): Heap;
}

/** Row-major strides of `shape`. */
function stridesOf(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) {
    out[i] = (out[i + 1] as number) * (shape[i + 1] as number);
  }
  return out;
}

/**
 * Wraps wasm's own `Tile` kernel (`original`, still used for string tensors) with the
 * block-copy version for numeric tensors.
 */
export function tileByBlockCopies(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (
    args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap },
  ): Info => {
    const { x } = args.inputs as { x: Info };
    const { reps } = args.attrs as unknown as { reps: number[] };
    if (x.dtype === "string" || x.shape.length === 0 || reps.length !== x.shape.length) {
      return original.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as Info;
    }
    const backend = args.backend as HeapBackend;
    const shape = x.shape.map((d, i) => d * (reps[i] as number));
    const out = backend.makeOutput(shape, x.dtype);
    if (shape.some((d) => d === 0)) return out;
    const dst = backend.typedArrayFromHeap(out); // taken after the allocation
    const src = backend.typedArrayFromHeap(x);
    const srcStrides = stridesOf(x.shape);
    const dstStrides = stridesOf(shape);
    const rank = x.shape.length;
    const fill = (axis: number, dstOff: number, srcOff: number): void => {
      const n = x.shape[axis] as number;
      const ds = dstStrides[axis] as number;
      if (axis === rank - 1) {
        for (let i = 0; i < n; i++) dst[dstOff + i] = src[srcOff + i] as number;
      } else {
        const ss = srcStrides[axis] as number;
        for (let i = 0; i < n; i++) fill(axis + 1, dstOff + i * ds, srcOff + i * ss);
      }
      const block = n * ds;
      for (let r = 1; r < (reps[axis] as number); r++) {
        dst.copyWithin(dstOff + r * block, dstOff, dstOff + block);
      }
    };
    fill(0, 0, 0);
    return out;
  };
  const config: tf.KernelConfig = {
    kernelName: "Tile",
    backendName: "wasm",
    kernelFunc: kernelFunc as unknown as tf.KernelFunc,
  };
  if (original.setupFunc !== undefined) config.setupFunc = original.setupFunc;
  return config;
}
