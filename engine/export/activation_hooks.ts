/**
 * Executor hooks that fake-quantize node outputs with stored activation quant params, so
 * a loaded export is evaluated exactly as before export.
 *
 * @module
 */
import type { ExecHooks } from "../exec/hooks.ts";
import { fakeQuant } from "../quant/fake_quant.ts";
import type { QParams } from "../quant/qparams.ts";

/**
 * An `output` hook fake-quantizing the output of every node named in `activations`
 * (per tensor, or per channel along the params' axis, e.g. -1 for the last axis).
 *
 * @example
 * ```ts
 * import { activationQuantHooks } from "./activation_hooks.ts";
 * const hooks = activationQuantHooks({ relu1: { bits: 8, signed: false, scale: new Float32Array([0.05]), zeroPoint: new Int32Array([0]) } });
 * console.assert(typeof hooks.output === "function");
 * ```
 */
export function activationQuantHooks(activations: Readonly<Record<string, QParams>>): ExecHooks {
  return {
    output: (node, y) => {
      const p = activations[node.name];
      return p === undefined ? y : fakeQuant(y, p);
    },
  };
}
