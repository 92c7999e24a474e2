/**
 * L1-norm criterion: a channel's importance is the sum of |w| of its incoming kernel
 * weights, summed over the group's producers (bias excluded, batch norm not folded).
 *
 * @module
 */
import { outputColumns } from "./_read.ts";
import type { CriterionInput, PruningCriterion } from "./types.ts";

/** The L1-norm criterion (data-free). */
export const l1Criterion: PruningCriterion = {
  name: "l1",
  needsData: false,
  score({ graph, weights, group, analysis }: CriterionInput): Float32Array {
    const scores = new Float32Array(group.channels);
    for (const producer of group.producers) {
      const { columns } = outputColumns(graph, weights, producer, { fold: false });
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
