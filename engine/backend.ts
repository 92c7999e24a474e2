/**
 * tfjs start-up: selects the `wasm` backend (or `cpu`, for reference checks) and registers
 * the training kernels the wasm backend lacks.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import "@tensorflow/tfjs-backend-cpu";
import { registerWasmTrainingKernels } from "./kernels/register.ts";

/** Backends Tailor runs on. `wasm` is the fast one; `cpu` is the slow reference. */
export type BackendName = "wasm" | "cpu";

/** Where the wasm binaries of `@tensorflow/tfjs-backend-wasm` sit (the project's node_modules). */
export const WASM_DIST_URL: URL = new URL(
  "../node_modules/@tensorflow/tfjs-backend-wasm/dist/",
  import.meta.url,
);

let wasmPathsSet = false;

/**
 * Starts tfjs on the given backend (default `wasm`) and returns the active backend name.
 * Idempotent: calling it again with the same backend is cheap.
 *
 * @example
 * ```ts
 * import { initBackend } from "./engine/backend.ts";
 * const name = await initBackend();
 * console.assert(name === "wasm");
 * ```
 */
export async function initBackend(name: BackendName = "wasm"): Promise<BackendName> {
  if (name === "wasm") {
    if (!wasmPathsSet) {
      setWasmPaths(WASM_DIST_URL.href);
      wasmPathsSet = true;
    }
    registerWasmTrainingKernels();
  }
  if (tf.getBackend() !== name) {
    const ok = await tf.setBackend(name);
    if (!ok) {
      throw new Error(
        `Cannot start the tfjs "${name}" backend: is node_modules installed (deno install)?`,
      );
    }
  }
  await tf.ready();
  return name;
}

export { tf };
