/**
 * Folded-L1 criterion ("BN-gamma × L1"): a channel's importance is the sum of |w| of its
 * incoming kernel weights after folding the batch norm the producer feeds, i.e.
 * `|γ|/√(σ²+ε) · Σ|w|`, summed over the group's producers. Unlike plain L1 it sees a
 * channel that its batch norm scales down.
 *
 * @module
 */
import { outputColumns } from "./_read.ts";
import type { CriterionInput, PruningCriterion } from "./types.ts";

/** The folded-L1 criterion (data-free). */
export const l1BnCriterion: PruningCriterion = {
  name: "l1-bn",
  needsData: false,
  score({ graph, weights, group, analysis }: CriterionInput): Float32Array {
    const scores = new Float32Array(group.channels);
    for (const producer of group.producers) {
      const { columns } = outputColumns(graph, weights, producer, { fold: true });
      const index = analysis.nodes.get(producer)!.index;
      columns.forEach((col, p) => {
        let sum = 0;
        for (let i = 0; i < col.length - 1; i++) sum += Math.abs(col[i]!);
        scores[index[p]!]! += sum;
      });
    }
    return scores;
  },
};
