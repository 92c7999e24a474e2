/**
 * Surgery: the physically smaller network equal to a masked one. Every node keeps the
 * output channels whose group channel is kept; compute layers lose output filters and
 * input slices, batch norms and depthwise layers lose channels.
 *
 * @module
 */
import { tf } from "../backend.ts";
import type { LayerTensors, WeightName, Weights } from "../exec/weights.ts";
import { type Graph, type GraphNode, macs } from "../models/ir.ts";
import { analyzeChannels, type ChannelAnalysis } from "./channels.ts";
import { checkMasks, type GroupMasks } from "./masks.ts";

/** Positions of the last axis each node keeps, by node name. */
export type KeptPositions = ReadonlyMap<string, readonly number[]>;

/** Kept output positions per node under `masks`. */
export function keptPositions(
  graph: Graph,
  masks: GroupMasks,
  analysis: ChannelAnalysis = analyzeChannels(graph),
): KeptPositions {
  checkMasks(analysis.groups, masks);
  const out = new Map<string, number[]>();
  for (const node of graph.nodes) {
    const ch = analysis.nodes.get(node.name)!;
    const mask = masks[ch.group];
    const kept: number[] = [];
    ch.index.forEach((g, i) => (mask === undefined || mask[g] !== 0) && kept.push(i));
    out.set(node.name, kept);
  }
  return out;
}

function resize(node: GraphNode, channels: number): GraphNode {
  const outShape = [...node.outShape.slice(0, -1), channels];
  switch (node.op) {
    case "conv2d":
      return { ...node, outShape, filters: channels };
    case "dense":
      return { ...node, outShape, units: channels };
    default:
      return { ...node, outShape };
  }
}

/** The graph (shapes only) after pruning with `masks`. */
export function prunedGraph(graph: Graph, masks: GroupMasks): Graph {
  const kept = keptPositions(graph, masks);
  return { ...graph, nodes: graph.nodes.map((n) => resize(n, kept.get(n.name)!.length)) };
}

/** Total multiply-accumulates of one example through the graph (sum of ir.ts `macs`). */
export function graphMacs(graph: Graph): number {
  return graph.nodes.reduce((sum, n) => sum + macs(graph, n), 0);
}

function slice(t: tf.Tensor, axis: number, idx: readonly number[]): tf.Tensor {
  if (idx.length === t.shape[axis]) return t.clone();
  const gathered = tf.gather(t, tf.tensor1d([...idx], "int32"), axis);
  // A fresh copy: wasm's gather leaves a rank-4 storage shape behind, which its fused
  // conv kernels (used by tfjs-layers) reject as a bias.
  return tf.tensor(gathered.dataSync(), gathered.shape);
}

function sliceLayer(
  node: GraphNode,
  tensors: LayerTensors,
  keptIn: readonly number[],
  keptOut: readonly number[],
): LayerTensors {
  const out: LayerTensors = {};
  for (const [name, t] of Object.entries(tensors) as [WeightName, tf.Variable][]) {
    const trainable = t.trainable;
    out[name] = tf.tidy(() => {
      let v: tf.Tensor;
      if (name !== "kernel") v = slice(t, 0, keptOut);
      else if (node.op === "conv2d") v = slice(slice(t, 2, keptIn), 3, keptOut);
      else if (node.op === "depthwise") v = slice(t, 2, keptIn);
      else if (node.op === "dense") v = slice(slice(t, 0, keptIn), 1, keptOut);
      else throw new RangeError(`Cannot slice a kernel of ${node.op} layer "${node.name}"`);
      return tf.variable(v, trainable);
    });
  }
  return out;
}

/**
 * Builds the physically smaller network: new IR (smaller shapes) and new weights (sliced
 * copies; the inputs are not modified). Its outputs equal those of `graph` run with
 * `maskHooks(graph, masks)`.
 *
 * @example
 * ```ts
 * import { initBackend } from "../backend.ts";
 * import { buildZooModel } from "../models/zoo.ts";
 * import { graphFromLayersModel } from "../models/from_layers.ts";
 * import { disposeWeights, weightsFromLayersModel } from "../exec/weights.ts";
 * import { dependencyGroups } from "./channels.ts";
 * import { randomMasks } from "./masks.ts";
 * import { graphMacs, surgery } from "./surgery.ts";
 * await initBackend("cpu");
 * const model = buildZooModel("resnet8");
 * const graph = graphFromLayersModel(model);
 * const weights = weightsFromLayersModel(model, graph);
 * const masks = randomMasks(dependencyGroups(graph), { seed: 1 });
 * const small = surgery(graph, weights, masks);
 * console.assert(graphMacs(small.graph) < graphMacs(graph));
 * disposeWeights(weights);
 * disposeWeights(small.weights);
 * ```
 */
export function surgery(
  graph: Graph,
  weights: Weights,
  masks: GroupMasks,
): { graph: Graph; weights: Weights } {
  const kept = keptPositions(graph, masks);
  const out: Record<string, LayerTensors> = {};
  for (const node of graph.nodes) {
    const tensors = weights[node.name];
    if (tensors === undefined) continue;
    const keptIn = node.inputs[0] === undefined ? [] : kept.get(node.inputs[0])!;
    out[node.name] = sliceLayer(node, tensors, keptIn, kept.get(node.name)!);
  }
  return { graph: prunedGraph(graph, masks), weights: out };
}
