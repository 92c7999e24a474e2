/**
 * L1-norm criteria: a channel's importance is the sum of |w| of its incoming kernel weights,
 * summed over the group's producers (bias excluded). `l1` reads the weights as stored;
 * `l1-bn` ("BN-gamma × L1") folds the batch norm each producer feeds first, i.e.
 * `|γ|/√(σ²+ε) · Σ|w|`, so it sees a channel that its batch norm scales down.
 *
 * @module
 */
import { outputColumns } from "./_read.ts";
import type { CriterionInput, PruningCriterion } from "./types.ts";

function l1Scores({ graph, weights, group, analysis }: CriterionInput, fold: boolean) {
  const scores = new Float32Array(group.channels);
  for (const producer of group.producers) {
    const { columns } = outputColumns(graph, weights, producer, { fold });
    const index = analysis.nodes.get(producer)!.index;
    columns.forEach((col, p) => {
      let sum = 0;
      for (let i = 0; i < col.length - 1; i++) sum += Math.abs(col[i]!);
      scores[index[p]!]! += sum;
    });
  }
  return scores;
}

/** The L1-norm criterion (data-free, batch norm not folded). */
export const l1Criterion: PruningCriterion = {
  name: "l1",
  needsData: false,
  score: (input) => l1Scores(input, false),
};

/** The folded-L1 criterion (data-free). */
export const l1BnCriterion: PruningCriterion = {
  name: "l1-bn",
  needsData: false,
  score: (input) => l1Scores(input, true),
};
