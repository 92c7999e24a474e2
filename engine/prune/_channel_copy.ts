/**
 * Copies the parameters that define some channels of a dependency group (producer kernel
 * columns and biases, depthwise columns, batch-norm entries) from one set of weights to
 * another of the same graph, leaving every other channel as it was.
 *
 * @module
 */
import { tf } from "../backend.ts";
import type { WeightName, Weights } from "../exec/weights.ts";
import { type Graph, nodeByName } from "../models/ir.ts";
import type { ChannelAnalysis, DependencyGroup } from "./channels.ts";

/** Flat indices of a node's tensor `name` that belong to output position `p`. */
function indicesOf(
  op: string,
  name: WeightName,
  shape: readonly number[],
  p: number,
  multiplier: number,
): number[] {
  if (name !== "kernel") return [p];
  const size = shape.reduce((a, b) => a * b, 1);
  if (op === "depthwise") {
    const cin = shape[2]!, m = multiplier, ch = Math.floor(p / m), rows = shape[0]! * shape[1]!;
    return Array.from({ length: rows }, (_, r) => (r * cin + ch) * m + (p % m));
  }
  const last = shape.at(-1)!;
  return Array.from({ length: size / last }, (_, r) => r * last + p);
}

/** Copies `channels` (group channel ids) of `group` from `source` into `target`. */
export function copyGroupChannels(
  graph: Graph,
  source: Weights,
  target: Weights,
  group: DependencyGroup,
  channels: ReadonlySet<number>,
  analysis: ChannelAnalysis,
): void {
  if (channels.size === 0) return;
  for (const name of [...group.producers, ...group.carried]) {
    const tensors = target[name];
    if (tensors === undefined) continue;
    const node = nodeByName(graph, name);
    const multiplier = node.op === "depthwise" ? node.depthMultiplier : 1;
    const positions: number[] = [];
    analysis.nodes.get(name)!.index.forEach((g, p) => channels.has(g) && positions.push(p));
    for (const [w, t] of Object.entries(tensors) as [WeightName, tf.Variable][]) {
      const src = source[name]?.[w]?.dataSync();
      if (src === undefined) continue;
      const data = Float32Array.from(t.dataSync());
      for (const p of positions) {
        for (const i of indicesOf(node.op, w, t.shape, p, multiplier)) data[i] = src[i]!;
      }
      tf.tidy(() => t.assign(tf.tensor(data, t.shape)));
    }
  }
}
