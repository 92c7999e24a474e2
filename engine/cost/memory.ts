/**
 * Peak SRAM of sequential execution: at every step (one non-fused op), the bytes of every
 * live tensor; a tensor is live from the step of its producer to the step of its last
 * consumer, so a residual input stays live until its add.
 *
 * Conventions (after TinyEngine's liveness model, without its in-place depthwise):
 * - batch-norm, stand-alone activations, dropout and flatten write into their input's
 *   buffer (folded / fused / views): they add no tensor and no step;
 * - conv2d, depthwise, dense, pooling, global pooling and add write a new buffer;
 * - a tensor is stored at the largest `abits` of the compute layers that read it (through
 *   pooling and adds); the graph input at {@link INPUT_BITS}; the network output at the
 *   `abits` of the last compute layer;
 * - bytes = `ceil(elements * bits / 8)`; weights live in flash and scratch buffers
 *   (im2col) are not counted.
 *
 * @module
 */
import type { Graph } from "../models/ir.ts";
import type { Configuration, LayerChoice } from "./config.ts";
import { type Plan, planOf } from "./_plan.ts";
import { resolve, type Resolved } from "./widths.ts";

/** Bits of the graph input tensor (an 8-bit image). */
export const INPUT_BITS = 8;

/** Choice of layers a configuration omits, when no profile gives one. */
export const PLAIN_DEFAULT_CHOICE: LayerChoice = { wbits: 8, abits: 8, width: 1 };

/** Options of {@link peakSram}. */
export interface PeakSramOptions {
  /**
   * Choice of compute layers the configuration omits.
   * @default {PLAIN_DEFAULT_CHOICE}
   */
  readonly defaultChoice?: LayerChoice;
}

/**
 * Peak SRAM bytes of running `graph` one op at a time under `config`.
 *
 * @example
 * ```ts
 * import { peakSram } from "./memory.ts";
 * import { oneConvGraph } from "../../tests/fixtures/graphs.ts";
 * // input 8x8x3 at 8 bits + output 8x8x4 at 8 bits
 * console.log(peakSram(oneConvGraph, { layers: {} })); // 448
 * ```
 */
export function peakSram(
  graph: Graph,
  config: Configuration,
  options: PeakSramOptions = {},
): number {
  const plan = planOf(graph);
  const d = options.defaultChoice ?? PLAIN_DEFAULT_CHOICE;
  return peakOfResolved(plan, resolve(plan, config, () => d));
}

/** Bits each buffer is stored at under a resolved configuration. */
export function bufferBits(plan: Plan, r: Resolved): Int32Array {
  const nb = plan.bufferNode.length;
  const bits = new Int32Array(nb);
  for (let b = nb - 1; b >= 0; b--) {
    const producer = plan.bufferNode[b]!;
    if (plan.nodes[producer]!.op === "input") {
      bits[b] = INPUT_BITS;
      continue;
    }
    let need = 0;
    for (const reader of plan.readers[b]!) {
      const c = plan.computeOf[reader]!;
      const v = c >= 0 ? r.abits[c]! : bits[plan.bufferOf[reader]!]!;
      if (v > need) need = v;
    }
    bits[b] = need > 0 ? need : r.abits[plan.lastCompute] ?? INPUT_BITS;
  }
  return bits;
}

/** Peak live bytes over execution steps for a resolved configuration. */
export function peakOfResolved(plan: Plan, r: Resolved): number {
  const bits = bufferBits(plan, r);
  const delta = new Float64Array(plan.steps + 1);
  for (let b = 0; b < bits.length; b++) {
    const bytes = Math.ceil((r.elems[plan.bufferNode[b]!]! * bits[b]!) / 8);
    delta[plan.born[b]!]! += bytes;
    delta[plan.death[b]! + 1]! -= bytes;
  }
  let live = 0;
  let peak = 0;
  for (let s = 0; s < plan.steps; s++) {
    live += delta[s]!;
    if (live > peak) peak = live;
  }
  return peak;
}
