/**
 * Which channels a width choice removes: the group's channels ranked by a pruning
 * criterion (L1 by default), the lowest-scored ones masked.
 *
 * @module
 */
import { prunedChannels } from "../cost/config.ts";
import type { Weights } from "../exec/weights.ts";
import type { Graph } from "../models/ir.ts";
import { analyzeChannels, type ChannelAnalysis, type DependencyGroup } from "../prune/channels.ts";
import { criterionByName } from "../prune/criteria/mod.ts";
import type { LabeledBatch, PruningCriterion } from "../prune/criteria/types.ts";
import { nodeMasks, topKMask } from "../prune/masks.ts";
import type { WidthGroupChoices } from "./choices.ts";

/** Default pruning criterion of width choices. @default "l1" */
export const DEFAULT_CRITERION = "l1";

/** A width group resolved against the channel analysis, with its channel scores. */
export interface ScoredGroup {
  readonly choices: WidthGroupChoices;
  readonly group: DependencyGroup;
  readonly scores: Float32Array;
}

/** Resolves a criterion given by name or object. */
export function criterionOf(c: string | PruningCriterion | undefined): PruningCriterion {
  return typeof c === "object" ? c : criterionByName(c ?? DEFAULT_CRITERION);
}

/**
 * Scores every width group's channels. Throws a RangeError for a group whose key layer is
 * not a producer of a prunable dependency group, or a data-hungry criterion without data.
 */
export function scoreGroups(
  graph: Graph,
  weights: Weights,
  groups: readonly WidthGroupChoices[],
  opts: {
    readonly criterion?: string | PruningCriterion;
    readonly data?: readonly LabeledBatch[];
    readonly analysis?: ChannelAnalysis;
  } = {},
): ScoredGroup[] {
  const analysis = opts.analysis ?? analyzeChannels(graph);
  const criterion = criterionOf(opts.criterion);
  if (criterion.needsData && (opts.data === undefined || opts.data.length === 0)) {
    throw new RangeError(`Cannot score channels with "${criterion.name}": it needs data`);
  }
  return groups.map((choices) => {
    const key = choices.layers[0]!;
    const group = analysis.groups.find((g) => g.producers.includes(key));
    if (group === undefined || !group.prunable) {
      throw new RangeError(`Cannot prune width group of "${key}": no prunable channel group`);
    }
    const scores = criterion.score({
      graph,
      weights,
      group,
      analysis,
      ...(opts.data ? { data: opts.data } : {}),
    });
    return { choices, group, scores };
  });
}

/** The group mask keeping `width` of the channels (highest scores kept). */
export function widthMask(g: ScoredGroup, width: number): Float32Array {
  return topKMask(g.scores, prunedChannels(g.group.channels, width));
}

/** Per-node masks of a width choice (only the nodes carrying the group). */
export function widthNodeMasks(
  graph: Graph,
  g: ScoredGroup,
  width: number,
  analysis: ChannelAnalysis,
): Record<string, Float32Array> {
  return nodeMasks(graph, { [g.group.id]: widthMask(g, width) }, analysis);
}
