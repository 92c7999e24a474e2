/**
 * Redundancy criterion (data-free, RED-style): a channel's score is the normalised
 * distance of its folded signature to the nearest other channel of its group. Near
 * duplicates score low and go first. To merge them instead of dropping them, use
 * {@linkcode mergeRedundant}.
 *
 * @module
 */
import { groupSignatures, signatureDistance } from "../_signatures.ts";
import type { CriterionInput, PruningCriterion } from "./types.ts";

/** The redundancy criterion. */
export const redundancyCriterion: PruningCriterion = {
  name: "redundancy",
  needsData: false,
  score({ graph, weights, group, analysis }: CriterionInput): Float32Array {
    const { vectors, homogeneous } = groupSignatures(graph, weights, group, analysis);
    const scores = new Float32Array(group.channels).fill(Infinity);
    for (let i = 0; i < vectors.length; i++) {
      for (let j = i + 1; j < vectors.length; j++) {
        const { distance } = signatureDistance(vectors[i]!, vectors[j]!, homogeneous);
        scores[i] = Math.min(scores[i]!, distance);
        scores[j] = Math.min(scores[j]!, distance);
      }
    }
    return scores.map((s) => (Number.isFinite(s) ? s : 0));
  },
};
