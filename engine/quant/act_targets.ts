/**
 * Which tensors a configuration quantizes, and at how many bits. A compute layer's
 * `abits` is the precision it reads its input at, so the output of its producer (its
 * first input) is fake-quantized. A tensor read by several compute layers (a residual
 * split) is stored once, at the smallest `abits` of its readers: every reader then
 * multiplies values representable at its own precision, as deployed.
 *
 * @module
 */
import type { Configuration, LayerChoice } from "../cost/config.ts";
import { DEFAULT_BITS } from "../cost/defaults.ts";
import { type ComputeNode, type Graph, isComputeNode } from "../models/ir.ts";
import { computeLayerHint } from "../models/layer_names.ts";
import { assertBitWidth, type BitWidth } from "./qparams.ts";

/** The choice of a compute layer: from the configuration, else 8/8 at full width. */
export function choiceOf(config: Configuration, layer: string): LayerChoice {
  return config.layers[layer] ?? { wbits: DEFAULT_BITS, abits: DEFAULT_BITS, width: 1 };
}

/** Checks that every configured layer is a compute node of `graph` with usable bits. */
export function checkConfig(graph: Graph, config: Configuration): void {
  const compute = new Set(graph.nodes.filter(isComputeNode).map((n) => n.name));
  for (const [name, c] of Object.entries(config.layers)) {
    if (!compute.has(name)) {
      throw new RangeError(
        `Cannot quantize: config names "${name}", not a compute layer; ` +
          computeLayerHint(graph, name),
      );
    }
    assertBitWidth(c.wbits);
    assertBitWidth(c.abits);
  }
}

/** Weight bits per compute layer (32 included), in graph order. */
export function weightTargets(graph: Graph, config: Configuration): Map<ComputeNode, BitWidth> {
  const out = new Map<ComputeNode, BitWidth>();
  for (const node of graph.nodes.filter(isComputeNode)) {
    const bits = choiceOf(config, node.name).wbits;
    assertBitWidth(bits);
    out.set(node, bits);
  }
  return out;
}

/**
 * Activation bits per quantized tensor (by producer node name): the smallest `abits` of
 * the compute layers reading it. Tensors read only at 32 bits are left out.
 *
 * @example
 * ```ts
 * import { activationTargets } from "./act_targets.ts";
 * import type { Graph } from "../models/ir.ts";
 * const graph: Graph = { name: "g", output: "fc", nodes: [
 *   { name: "in", op: "input", inputs: [], outShape: [4] },
 *   { name: "fc", op: "dense", inputs: ["in"], outShape: [2], units: 2, useBias: true, activation: "linear" },
 * ] };
 * const t = activationTargets(graph, { layers: { fc: { wbits: 4, abits: 6, width: 1 } } });
 * console.assert(t.get("in") === 6);
 * ```
 */
export function activationTargets(graph: Graph, config: Configuration): Map<string, BitWidth> {
  const out = new Map<string, BitWidth>();
  for (const node of graph.nodes.filter(isComputeNode)) {
    const bits = choiceOf(config, node.name).abits;
    assertBitWidth(bits);
    const producer = node.inputs[0]!;
    const prev = out.get(producer);
    if (bits < 32 && (prev === undefined || bits < prev)) out.set(producer, bits);
  }
  return out;
}

/**
 * The same bits for every compute layer of `graph`, at full width.
 *
 * @example
 * ```ts
 * import { uniformConfig } from "./act_targets.ts";
 * import type { Graph } from "../models/ir.ts";
 * const graph: Graph = { name: "g", output: "fc", nodes: [
 *   { name: "in", op: "input", inputs: [], outShape: [4] },
 *   { name: "fc", op: "dense", inputs: ["in"], outShape: [2], units: 2, useBias: true, activation: "linear" },
 * ] };
 * console.assert(uniformConfig(graph, { wbits: 4, abits: 8 }).layers.fc!.wbits === 4);
 * ```
 */
export function uniformConfig(
  graph: Graph,
  bits: { readonly wbits: number; readonly abits: number },
): Configuration {
  assertBitWidth(bits.wbits);
  assertBitWidth(bits.abits);
  const layers: Record<string, LayerChoice> = {};
  for (const node of graph.nodes.filter(isComputeNode)) {
    layers[node.name] = { wbits: bits.wbits, abits: bits.abits, width: 1 };
  }
  return { layers };
}
