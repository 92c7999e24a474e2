/**
 * Structured pruning: dependency groups, masks, criteria, surgery, redundancy merge.
 *
 * @module
 */
export {
  analyzeChannels,
  type ChannelAnalysis,
  type DependencyGroup,
  dependencyGroups,
  type NodeChannels,
} from "./channels.ts";
export {
  criteria,
  criterionByName,
  type CriterionInput,
  type LabeledBatch,
  type PruningCriterion,
} from "./criteria/mod.ts";
export {
  checkMasks,
  type GroupMasks,
  keptChannels,
  maskHooks,
  nodeMasks,
  randomMasks,
  topKMask,
} from "./masks.ts";
export { type PruneOptions, type PruneResult, pruneToRatio } from "./prune_to_ratio.ts";
export {
  type ChannelMerge,
  DEFAULT_MERGE_TOLERANCE,
  findMerges,
  mergeRedundant,
  type MergeResult,
} from "./red_merge.ts";
export { graphMacs, type KeptPositions, keptPositions, prunedGraph, surgery } from "./surgery.ts";
