/**
 * Batch-norm gamma criterion (network slimming): a channel's importance is |γ|, summed
 * over the batch norms carrying the group's channels.
 *
 * @module
 */
import { weightOf } from "../../exec/weights.ts";
import { nodeByName } from "../../models/ir.ts";
import type { CriterionInput, PruningCriterion } from "./types.ts";

/** The |γ| criterion (data-free). Throws a RangeError for a group without batch norm. */
export const bnGammaCriterion: PruningCriterion = {
  name: "bn-gamma",
  needsData: false,
  score({ graph, weights, group, analysis }: CriterionInput): Float32Array {
    const scores = new Float32Array(group.channels);
    const bns = group.carried.filter((n) => {
      const node = nodeByName(graph, n);
      return node.op === "batchnorm" && node.scale;
    });
    if (bns.length === 0) {
      throw new RangeError(`Cannot score group "${group.id}" by bn-gamma: it has no batch norm`);
    }
    for (const bn of bns) {
      const gamma = weightOf(weights, bn, "gamma").dataSync();
      const index = analysis.nodes.get(bn)!.index;
      gamma.forEach((g, p) => (scores[index[p]!]! += Math.abs(g)));
    }
    return scores;
  },
};
