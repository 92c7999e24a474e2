/**
 * Registers the training kernels that tfjs-backend-wasm lacks, and replaces wasm's slow
 * gradient kernels with faster formulations over fast wasm kernels. Idempotent.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { batchMatMulWithoutTransposes } from "./batch_mat_mul.ts";
import { batchNormTrainConfigs } from "./batch_norm_train.ts";
import {
  clipByValueGradConfig,
  clipByValueGradientConfig,
  relu6GradientConfig,
} from "./clip_by_value_grad.ts";
import { conv2DBackpropFilterConfig } from "./conv2d_backprop_filter.ts";
import { conv2DBackpropInputConfig } from "./conv2d_backprop_input.ts";
import { depthwiseConv2dBackpropFilterConfig } from "./depthwise_conv2d_backprop_filter.ts";
import { depthwiseConv2dBackpropInputConfig } from "./depthwise_conv2d_backprop_input.ts";
import { identityByReference } from "./identity.ts";
import { maxPoolGradConfig } from "./max_pool_grad.ts";
import { reduceLeadingAxes } from "./reduce_leading.ts";
import { tileByBlockCopies } from "./tile.ts";

/** Gradient kernels the wasm backend does not have (and Tailor's fused gradient kernels). */
export const MISSING_WASM_KERNELS: readonly tf.KernelConfig[] = [
  conv2DBackpropFilterConfig,
  depthwiseConv2dBackpropFilterConfig,
  depthwiseConv2dBackpropInputConfig,
  clipByValueGradConfig,
  ...batchNormTrainConfigs,
];

/** Gradients replacing tfjs-core's (they use the fused kernels on wasm, the composite elsewhere). */
export const FASTER_GRADIENTS: readonly tf.GradConfig[] = [
  clipByValueGradientConfig,
  relu6GradientConfig,
];

/** Replacements for wasm kernels that exist but are slow. */
export const FASTER_WASM_KERNELS: readonly tf.KernelConfig[] = [
  conv2DBackpropInputConfig,
  maxPoolGradConfig,
];

/** Wrappers around wasm kernels (they call the wrapped kernel), by kernel name. */
export const WRAPPED_WASM_KERNELS: ReadonlyMap<
  string,
  (original: tf.KernelConfig) => tf.KernelConfig
> = new Map([
  ["BatchMatMul", batchMatMulWithoutTransposes],
  ["Tile", tileByBlockCopies],
  ["Identity", identityByReference],
  ["Sum", reduceLeadingAxes],
  ["Mean", reduceLeadingAxes],
]);

let registered = false;

function replace(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName) !== undefined) {
    tf.unregisterKernel(config.kernelName, config.backendName);
  }
  tf.registerKernel(config);
}

/**
 * Registers {@link MISSING_WASM_KERNELS}, {@link FASTER_WASM_KERNELS} and
 * {@link WRAPPED_WASM_KERNELS} for `wasm`, and {@link FASTER_GRADIENTS} (once; later calls do
 * nothing). Call it after
 * importing tfjs-backend-wasm and before the wasm backend starts; `initBackend()` does.
 *
 * @example
 * ```ts
 * import { registerWasmTrainingKernels } from "./engine/kernels/register.ts";
 * registerWasmTrainingKernels();
 * registerWasmTrainingKernels(); // no-op
 * ```
 */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  for (const config of [...MISSING_WASM_KERNELS, ...FASTER_WASM_KERNELS]) replace(config);
  for (const [name, wrap] of WRAPPED_WASM_KERNELS) {
    const original = tf.getKernel(name, "wasm");
    if (original !== undefined) replace(wrap(original));
  }
  for (const gradient of FASTER_GRADIENTS) tf.registerGradient(gradient);
}
