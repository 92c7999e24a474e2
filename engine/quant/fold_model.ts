/**
 * Batch-norm folding of a whole model (graph + weights as tfjs variables): every batch
 * norm that the planner folds backward is merged into the conv2d / depthwise / dense that
 * produces it and removed from the graph; its consumers then read the producer, whose
 * output now equals the batch norm's. Batch norms that do not fold backward stay, with
 * the planner's reason in `plan`.
 *
 * @module
 */
import { tf } from "../backend.ts";
import type { ChannelMask } from "../exec/hooks.ts";
import type { LayerTensors, WeightName, Weights } from "../exec/weights.ts";
import { type Graph, type GraphNode, isComputeNode, nodeByName } from "../models/ir.ts";
import { foldBatchNormBackward } from "./bn_fold.ts";
import { type FoldDecision, planBatchNormFolding } from "./fold_plan.ts";

/** Result of {@linkcode foldBatchNorms}. */
export interface FoldResult {
  /** The graph without the folded batch norms (producers now have a bias). */
  readonly graph: Graph;
  /** Fresh variables for every layer of `graph` (the caller disposes them). */
  readonly weights: Weights;
  /** The planner's decision for every batch norm (unfolded ones say why). */
  readonly plan: ReadonlyMap<string, FoldDecision>;
  /** Removed batch norm → the layer whose output now equals the batch norm's output. */
  readonly folded: ReadonlyMap<string, string>;
}

function read(weights: Weights, layer: string, name: WeightName): Float32Array {
  const t = weights[layer]?.[name];
  if (t === undefined) {
    throw new RangeError(`Cannot fold batch norms: weight "${name}" of "${layer}" is missing`);
  }
  return Float32Array.from(t.dataSync());
}

function copyLayer(tensors: LayerTensors): LayerTensors {
  const out: LayerTensors = {};
  for (const [name, t] of Object.entries(tensors) as [WeightName, tf.Variable][]) {
    out[name] = tf.variable(t, t.trainable);
  }
  return out;
}

/**
 * Folds every backward-foldable batch norm of `graph` into its producer. The inputs are
 * not modified; outputs of the folded model equal the original's up to float rounding
 * (within 1e-5 on the zoo models).
 *
 * @example
 * ```ts
 * import { initBackend } from "../backend.ts";
 * import { buildZooModel } from "../models/zoo.ts";
 * import { graphFromLayersModel } from "../models/from_layers.ts";
 * import { disposeWeights, weightsFromLayersModel } from "../exec/weights.ts";
 * import { foldBatchNorms } from "./fold_model.ts";
 * await initBackend("cpu");
 * const model = buildZooModel("resnet8");
 * const graph = graphFromLayersModel(model);
 * const weights = weightsFromLayersModel(model, graph);
 * const f = foldBatchNorms(graph, weights);
 * console.assert(f.graph.nodes.every((n) => n.op !== "batchnorm"));
 * disposeWeights(weights);
 * disposeWeights(f.weights);
 * ```
 */
export function foldBatchNorms(graph: Graph, weights: Weights): FoldResult {
  const plan = planBatchNormFolding(graph);
  const folded = new Map<string, string>();
  const changed = new Map<string, GraphNode>();
  const out: Record<string, LayerTensors> = {};
  for (const [bn, d] of plan) {
    if (!d.fold || d.direction !== "backward") continue;
    const node = nodeByName(graph, bn);
    const producer = nodeByName(graph, d.into);
    if (node.op !== "batchnorm" || !isComputeNode(producer)) continue;
    const kernel = weights[producer.name]?.kernel;
    if (kernel === undefined) {
      throw new RangeError(`Cannot fold "${bn}": layer "${producer.name}" has no kernel`);
    }
    const f = foldBatchNormBackward(
      producer.op,
      {
        kernel: Float32Array.from(kernel.dataSync()),
        shape: kernel.shape,
        ...(producer.useBias ? { bias: read(weights, producer.name, "bias") } : {}),
      },
      {
        ...(node.scale ? { gamma: read(weights, bn, "gamma") } : {}),
        ...(node.center ? { beta: read(weights, bn, "beta") } : {}),
        mean: read(weights, bn, "movingMean"),
        variance: read(weights, bn, "movingVariance"),
        epsilon: node.epsilon,
      },
    );
    out[producer.name] = tf.tidy(() => ({
      kernel: tf.variable(tf.tensor(f.kernel, [...f.shape]), true),
      bias: tf.variable(tf.tensor1d(f.bias), true),
    }));
    changed.set(producer.name, { ...producer, useBias: true });
    folded.set(bn, producer.name);
  }
  for (const [layer, tensors] of Object.entries(weights)) {
    if (out[layer] === undefined && !folded.has(layer)) out[layer] = copyLayer(tensors);
  }
  const nodes = graph.nodes.filter((n) => !folded.has(n.name)).map((n) => {
    const base = changed.get(n.name) ?? n;
    return { ...base, inputs: base.inputs.map((i) => folded.get(i) ?? i) } as GraphNode;
  });
  const output = folded.get(graph.output) ?? graph.output;
  return { graph: { ...graph, nodes, output }, weights: out, plan, folded };
}

/**
 * Carries per-node channel masks over to the folded graph: a folded batch norm's mask
 * moves to its producer (whose output the batch norm's now is). A producer masked before
 * an unmasked batch norm cannot be expressed after folding: that is a RangeError.
 */
export function foldMasks(
  masks: Readonly<Record<string, ChannelMask>>,
  folded: ReadonlyMap<string, string>,
): Record<string, ChannelMask> {
  const out: Record<string, ChannelMask> = {};
  const producers = new Set(folded.values());
  for (const [name, m] of Object.entries(masks)) {
    if (folded.has(name)) out[folded.get(name)!] = m;
    else if (!producers.has(name)) out[name] = m;
  }
  for (const [bn, producer] of folded) {
    if (masks[producer] !== undefined && masks[bn] === undefined) {
      throw new RangeError(
        `Cannot fold masks: "${producer}" is masked but the batch norm "${bn}" after it is not`,
      );
    }
  }
  return out;
}
