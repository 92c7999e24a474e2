import assert from "node:assert/strict";
import {
  FASTER_GRADIENTS,
  FASTER_WASM_KERNELS,
  MISSING_WASM_KERNELS,
  registerWasmTrainingKernels,
  WRAPPED_WASM_KERNELS,
} from "../../../engine/kernels/register.ts";
import { tf } from "../../../engine/backend.ts";

Deno.test("registerWasmTrainingKernels() registers every kernel for wasm, and is idempotent", () => {
  registerWasmTrainingKernels();
  registerWasmTrainingKernels();
  for (const config of [...MISSING_WASM_KERNELS, ...FASTER_WASM_KERNELS]) {
    assert.equal(tf.getKernel(config.kernelName, "wasm"), config, config.kernelName);
  }
  for (const name of WRAPPED_WASM_KERNELS.keys()) {
    assert.ok(tf.getKernel(name, "wasm") !== undefined, name);
  }
  for (const gradient of FASTER_GRADIENTS) {
    assert.equal(tf.getGradient(gradient.kernelName), gradient, gradient.kernelName);
  }
  const names = tf.getKernelsForBackend("wasm").map((k) => k.kernelName);
  assert.equal(names.filter((n) => n === "Conv2DBackpropFilter").length, 1);
});
