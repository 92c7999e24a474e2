/**
 * `BatchMatMul` for the wasm backend without its slow transposed paths: wasm multiplies
 * `a^T b` or `a b^T` (the dense-layer gradients) ~20x slower than `a b`, so transposed operands
 * are transposed explicitly (cheap) and wasm's own kernel does the plain product.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import { type DisposingBackend, type Info, withKernelScope } from "./_kernel_scope.ts";

/** Swaps the last two axes of a tensor of rank `rank`. */
function lastTwoSwapped(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

/**
 * Wraps wasm's own `BatchMatMul` kernel (`original`) so that transposed operands are transposed
 * first and the product runs on the fast untransposed path.
 */
export function batchMatMulWithoutTransposes(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (
    args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap },
  ): Info => {
    const { a, b } = args.inputs as { a: Info; b: Info };
    const { transposeA, transposeB } = (args.attrs ?? {}) as {
      transposeA?: boolean;
      transposeB?: boolean;
    };
    return withKernelScope(args.backend as DisposingBackend, (s) => {
      const left = transposeA ? s.transpose(a, lastTwoSwapped(a.shape.length)) : a;
      const right = transposeB ? s.transpose(b, lastTwoSwapped(b.shape.length)) : b;
      return s.run(original, { a: left, b: right }, {
        ...args.attrs,
        transposeA: false,
        transposeB: false,
      });
    });
  };
  const config: tf.KernelConfig = {
    kernelName: "BatchMatMul",
    backendName: "wasm",
    kernelFunc: kernelFunc as unknown as tf.KernelFunc,
  };
  if (original.setupFunc !== undefined) config.setupFunc = original.setupFunc;
  return config;
}
