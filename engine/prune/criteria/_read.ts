/**
 * Raw reads of a group's weights: per-producer output-channel columns, with a following
 * batch norm folded when the producer feeds only that batch norm.
 *
 * @module
 */
import { weightOf, type Weights } from "../../exec/weights.ts";
import type { BatchNormNode, Graph, GraphNode } from "../../models/ir.ts";
import { nodeByName } from "../../models/ir.ts";

/** Nodes reading `name`'s output. */
export function readersOf(graph: Graph, name: string): GraphNode[] {
  return graph.nodes.filter((n) => n.inputs.includes(name));
}

/** The batch norm `name` feeds alone (foldable backward), if any. */
export function foldableBatchNorm(graph: Graph, name: string): BatchNormNode | undefined {
  const readers = readersOf(graph, name);
  const only = readers.length === 1 ? readers[0] : undefined;
  return only?.op === "batchnorm" ? only : undefined;
}

/** Per-channel affine map `y = a x + c` of a batch norm at inference (float64). */
export function bnAffine(
  weights: Weights,
  bn: BatchNormNode,
): { a: Float64Array; c: Float64Array } {
  const mean = weightOf(weights, bn.name, "movingMean").dataSync();
  const variance = weightOf(weights, bn.name, "movingVariance").dataSync();
  const gamma = bn.scale ? weightOf(weights, bn.name, "gamma").dataSync() : undefined;
  const beta = bn.center ? weightOf(weights, bn.name, "beta").dataSync() : undefined;
  const a = new Float64Array(mean.length), c = new Float64Array(mean.length);
  for (let i = 0; i < mean.length; i++) {
    a[i] = (gamma?.[i] ?? 1) / Math.sqrt(variance[i]! + bn.epsilon);
    c[i] = (beta?.[i] ?? 0) - mean[i]! * a[i]!;
  }
  return { a, c };
}

/**
 * Output-channel columns of a conv2d / dense / depthwise layer: `columns[p]` holds every
 * weight producing output position `p`, then its bias. With `fold`, a batch norm the
 * layer feeds alone is folded in (exact at inference).
 */
export function outputColumns(
  graph: Graph,
  weights: Weights,
  name: string,
  opts: { fold: boolean },
): { columns: Float64Array[]; folded?: string } {
  const node = nodeByName(graph, name);
  const kernel = weightOf(weights, name, "kernel");
  const k = kernel.dataSync();
  const outs = node.outShape.at(-1)!;
  const hasBias = "useBias" in node && node.useBias;
  const bias = hasBias ? weightOf(weights, name, "bias").dataSync() : undefined;
  const bn = opts.fold ? foldableBatchNorm(graph, name) : undefined;
  const affine = bn ? bnAffine(weights, bn) : undefined;
  const columns: Float64Array[] = [];
  const last = kernel.shape.at(-1)!;
  for (let p = 0; p < outs; p++) {
    const values: number[] = [];
    if (node.op === "depthwise") {
      const m = node.depthMultiplier, cin = kernel.shape[2]!, ch = Math.floor(p / m);
      for (let s = 0; s < kernel.shape[0]! * kernel.shape[1]!; s++) {
        values.push(k[(s * cin + ch) * m + (p % m)]!);
      }
    } else {
      for (let r = 0; r < k.length / last; r++) values.push(k[r * last + p]!);
    }
    const a = affine?.a[p] ?? 1;
    const col = Float64Array.from(values, (v) => v * a);
    const b = (bias?.[p] ?? 0) * a + (affine?.c[p] ?? 0);
    const withBias = new Float64Array(col.length + 1);
    withBias.set(col);
    withBias[col.length] = b;
    columns.push(withBias);
  }
  return bn ? { columns, folded: bn.name } : { columns };
}
