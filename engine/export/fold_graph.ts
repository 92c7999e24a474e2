/**
 * Export preparation: folds every batch norm that folds backward (into the conv2d /
 * depthwise / dense that produces it, as `planBatchNormFolding` decides) and removes it
 * from the graph, so the export stores one float32 bias per channel instead of four
 * batch-norm vectors (what the cost model's flash formula assumes). Batch norms that do
 * not fold backward stay in the graph, with the planner's reason.
 *
 * @module
 */
import type { WeightArray, WeightName } from "../exec/weights.ts";
import type { Graph, GraphNode } from "../models/ir.ts";
import { nodeByName } from "../models/ir.ts";
import { foldBatchNormBackward } from "../quant/bn_fold.ts";
import { planBatchNormFolding } from "../quant/fold_plan.ts";
import type { WeightArrays } from "./format.ts";

/** Result of {@linkcode foldBatchNormsBackward}. */
export interface FoldedGraph {
  readonly graph: Graph;
  readonly weights: WeightArrays;
  /** Batch norms kept, with the planner's reason (or "forward fold only"). */
  readonly unfolded: ReadonlyMap<string, string>;
}

function need(weights: WeightArrays, layer: string, name: WeightName): WeightArray {
  const w = weights[layer]?.[name];
  if (w === undefined) throw new RangeError(`Cannot fold: "${layer}/${name}" is missing`);
  return w;
}

/**
 * Folds the backward-foldable batch norms of `graph` into their producers (exact up to
 * float rounding: the folded layer computes `a·(Wx + b) + c` as `(aW)x + (ab + c)`).
 *
 * @example
 * ```ts
 * import { foldBatchNormsBackward } from "./fold_graph.ts";
 * const graph = { name: "g", output: "bn", nodes: [
 *   { name: "in", op: "input", inputs: [], outShape: [1] },
 *   { name: "fc", op: "dense", inputs: ["in"], outShape: [1], units: 1, useBias: false, activation: "linear" },
 *   { name: "bn", op: "batchnorm", inputs: ["fc"], outShape: [1], epsilon: 0, center: true, scale: true },
 * ] } as const;
 * const one = (v: number) => ({ shape: [1], data: new Float32Array([v]) });
 * const folded = foldBatchNormsBackward(graph, {
 *   fc: { kernel: { shape: [1, 1], data: new Float32Array([2]) } },
 *   bn: { gamma: one(3), beta: one(1), movingMean: one(0), movingVariance: one(1) },
 * });
 * console.assert(folded.graph.output === "fc" && folded.weights.fc!.bias!.data[0] === 1);
 * ```
 */
export function foldBatchNormsBackward(graph: Graph, weights: WeightArrays): FoldedGraph {
  const plan = planBatchNormFolding(graph);
  const out: Record<string, Partial<Record<WeightName, WeightArray>>> = { ...weights };
  const rename = new Map<string, string>(); // removed batch norm -> its producer
  const unfolded = new Map<string, string>();
  const changed = new Map<string, GraphNode>();
  for (const [bn, d] of plan) {
    if (!d.fold || d.direction !== "backward") {
      unfolded.set(bn, d.fold ? `folds ${d.direction} into "${d.into}" only` : d.reason);
      continue;
    }
    const node = nodeByName(graph, bn);
    const producer = nodeByName(graph, d.into);
    if (node.op !== "batchnorm" || producer.op === "input") continue;
    if (producer.op !== "conv2d" && producer.op !== "depthwise" && producer.op !== "dense") {
      continue;
    }
    const kernel = need(weights, producer.name, "kernel");
    const bias = weights[producer.name]?.bias;
    const folded = foldBatchNormBackward(
      producer.op,
      { kernel: kernel.data, shape: kernel.shape, ...(bias ? { bias: bias.data } : {}) },
      {
        ...(node.scale ? { gamma: need(weights, bn, "gamma").data } : {}),
        ...(node.center ? { beta: need(weights, bn, "beta").data } : {}),
        mean: need(weights, bn, "movingMean").data,
        variance: need(weights, bn, "movingVariance").data,
        epsilon: node.epsilon,
      },
    );
    out[producer.name] = {
      ...weights[producer.name],
      kernel: { shape: folded.shape, data: folded.kernel },
      bias: { shape: [folded.bias.length], data: folded.bias },
    };
    delete out[bn];
    changed.set(producer.name, { ...producer, useBias: true });
    rename.set(bn, producer.name);
  }
  const nodes = graph.nodes.filter((n) => !rename.has(n.name)).map((n) => {
    const base = changed.get(n.name) ?? n;
    return { ...base, inputs: base.inputs.map((i) => rename.get(i) ?? i) } as GraphNode;
  });
  const output = rename.get(graph.output) ?? graph.output;
  return { graph: { ...graph, nodes, output }, weights: out, unfolded };
}
