/**
 * Structured pruning: dependency groups, masks, criteria, allocation of a MACs target,
 * surgery, least-squares reconstruction of the layers that lost inputs, batch-norm
 * recalibration (or its data-free compensation) and fine-tuning, and the data-free RED merge (KDE
 * hashing then exact redundancy merge).
 *
 * @module
 */
export {
  type Allocation,
  DEFAULT_MIN_KEEP,
  globalMasks,
  uniformWidths,
  widthsAt,
} from "./allocate.ts";
export {
  DEFAULT_SENSITIVITY_STEP,
  type SensitivityOptions,
  sensitivityWidths,
} from "./allocate_sensitivity.ts";
export {
  DEFAULT_RECALIBRATION_EXAMPLES,
  recalibrateBatchNorm,
  type RecalibrateOptions,
} from "./bn_recalibrate.ts";
export {
  DEFAULT_FINETUNE_LR,
  DEFAULT_FINETUNE_WARMUP,
  fineTune,
  type FineTuneOptions,
  type FineTuneResult,
  type Teacher,
} from "./finetune.ts";
/** Feature-map distillation at the kept channels, a {@linkcode Teacher} option. */
export { type FeatureDistill } from "../train/feature_distill.ts";
export { annealedMaskHooks, type AnnealOptions } from "./gradual.ts";
export { compensatePruned, type Compensation, MIN_VARIANCE_SHARE } from "./compensate.ts";
export { type HashResult, hashWeights, type LayerHash } from "./hash_weights.ts";
export { DEFAULT_KDE_BANDWIDTH, kdeHash, type KdeHashResult, type KdeOptions } from "./kde_hash.ts";
export { DEFAULT_RED_TOLERANCE, redCompress, type RedOptions, type RedResult } from "./red.ts";
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
  widthMasks,
} from "./masks.ts";
export { type PruneOptions, type PruneResult, pruneToRatio } from "./prune_to_ratio.ts";
export {
  DEFAULT_RECONSTRUCT_EXAMPLES,
  DEFAULT_RECONSTRUCT_RIDGE,
  type ReconstructedLayer,
  type ReconstructOptions,
  reconstructPruned,
} from "./reconstruct.ts";
export {
  type ChannelMerge,
  type ClosestPair,
  closestPairs,
  DEFAULT_MERGE_TOLERANCE,
  findMerges,
  mergeRedundant,
  type MergeResult,
} from "./red_merge.ts";
export { graphMacs, type KeptPositions, keptPositions, prunedGraph, surgery } from "./surgery.ts";
