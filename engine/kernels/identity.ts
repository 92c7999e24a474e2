/**
 * `Identity` for the wasm backend without a copy: the output shares the input's data (one more
 * reference), as the cpu backend and wasm's own `Reshape` do. wasm's kernel copies the whole
 * tensor, and gradients pass through `Identity` hundreds of times in a training step.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { Info } from "./_kernel_scope.ts";

/** The part of the wasm backend this kernel uses. */
interface RefCountingBackend {
  incRef(dataId: object): void;
}

/**
 * Wraps wasm's own `Identity` kernel (`original`, still used for string tensors) with a
 * version that shares the input's data.
 */
export function identityByReference(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (
    args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap },
  ): Info => {
    const { x } = args.inputs as { x: Info };
    if (x.dtype === "string") {
      return original.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as Info;
    }
    (args.backend as RefCountingBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
  const config: tf.KernelConfig = {
    kernelName: "Identity",
    backendName: "wasm",
    kernelFunc: kernelFunc as unknown as tf.KernelFunc,
  };
  if (original.setupFunc !== undefined) config.setupFunc = original.setupFunc;
  return config;
}
