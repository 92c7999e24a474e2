/**
 * Extension points of the executor: the quantizers, the pruner and the search change a
 * forward pass only through these (no global mode flags).
 *
 * @module
 */
import type { tf } from "../backend.ts";
import type { GraphNode } from "../models/ir.ts";
import type { WeightName } from "./weights.ts";

/**
 * A multiplicative mask over the last axis of a layer's output: a tensor (e.g. learned or
 * soft masks, kept by the caller) or plain values (turned into a constant per call).
 */
export type ChannelMask = tf.Tensor | Float32Array;

/** Hooks called by {@linkcode forward} at every layer. Every hook is optional. */
export interface ExecHooks {
  /**
   * Transforms a weight before the layer uses it (e.g. fake-quantize the kernel, or a
   * softmax-weighted mix of quantized kernels). Called for every weight a layer reads,
   * including batch-norm parameters and moving statistics.
   */
  readonly weight?: (layer: GraphNode, name: WeightName, w: tf.Tensor) => tf.Tensor;
  /**
   * Transforms a layer's output after its fused activation and after its channel mask
   * (e.g. activation quantization). Called for every node, the input included.
   */
  readonly output?: (layer: GraphNode, y: tf.Tensor) => tf.Tensor;
  /**
   * Channel masks by layer name, multiplied into the layer's output (after its fused
   * activation, before `output`). Length: the last dimension of the layer's output.
   */
  readonly masks?: Readonly<Record<string, ChannelMask>>;
}

/**
 * Chains hooks: weight and output hooks run left to right; masks of the same layer are
 * multiplied (masks given as arrays are multiplied element-wise here).
 *
 * @example
 * ```ts
 * import { composeHooks } from "./hooks.ts";
 * const hooks = composeHooks({ masks: { a: new Float32Array([1, 0]) } }, {});
 * console.assert(hooks.masks!.a !== undefined);
 * ```
 */
export function composeHooks(...all: readonly ExecHooks[]): ExecHooks {
  const weightHooks = all.flatMap((h) => (h.weight ? [h.weight] : []));
  const outputHooks = all.flatMap((h) => (h.output ? [h.output] : []));
  const maskLists = new Map<string, ChannelMask[]>();
  for (const h of all) {
    for (const [layer, m] of Object.entries(h.masks ?? {})) {
      maskLists.set(layer, [...(maskLists.get(layer) ?? []), m]);
    }
  }
  const masks: Record<string, ChannelMask> = {};
  for (const [layer, list] of maskLists) {
    masks[layer] = list.length === 1 ? list[0]! : multiplyMasks(layer, list);
  }
  return {
    weight: weightHooks.length === 0
      ? undefined
      : (layer, name, w) => weightHooks.reduce((acc, f) => f(layer, name, acc), w),
    output: outputHooks.length === 0
      ? undefined
      : (layer, y) => outputHooks.reduce((acc, f) => f(layer, acc), y),
    masks,
  };
}

function multiplyMasks(layer: string, list: readonly ChannelMask[]): ChannelMask {
  if (list.every((m) => m instanceof Float32Array)) {
    const arrays = list as Float32Array[];
    const n = arrays[0]!.length;
    if (arrays.some((a) => a.length !== n)) {
      throw new RangeError(`Cannot compose masks of layer "${layer}": lengths differ`);
    }
    return arrays[0]!.map((v, i) => arrays.reduce((p, a, k) => (k === 0 ? p : p * a[i]!), v));
  }
  throw new TypeError(
    `Cannot compose several tensor masks of layer "${layer}": multiply them yourself`,
  );
}
