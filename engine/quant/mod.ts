/**
 * Quantization building blocks: PyTorch-exact fake quantization (straight-through),
 * integer quantize/dequantize for export, LSQ, calibration observers (min-max,
 * percentile, MSE), MSE-optimal weight clipping, data-free ranges and moments from batch
 * norm, bias correction (empirical and data-free), batch-norm folding, and the entry
 * points: post-training quantization (`quantize`) and QAT / fine-tuning (`qatFineTune`).
 *
 * @module
 */
export {
  assertBitWidth,
  BIT_WIDTHS,
  type BitWidth,
  checkQParams,
  computeQParams,
  isBitWidth,
  type QParams,
  type QParamsOptions,
  quantRange,
  roundHalfEven,
  SCALE_EPS,
} from "./qparams.ts";
export { channelBroadcastShape, fakeQuant, fakeQuantMask, inverseScales } from "./fake_quant.ts";
export { dequantizeArray, quantizeArray, type QuantizedArray } from "./int_quant.ts";
export {
  type ChannelView,
  channelView,
  fakeQuantWeight,
  type WeightKind,
} from "./weight_channels.ts";
export { createLsqQuantizer, type LsqOptions, type LsqQuantizer } from "./lsq.ts";
export {
  MinMaxObserver,
  type Observer,
  type ObserverOptions,
  type ObserverQParamsOptions,
} from "./observer.ts";
export {
  DEFAULT_PERCENTILE,
  PercentileObserver,
  type PercentileObserverOptions,
} from "./percentile_observer.ts";
export { DEFAULT_MSE_GRID, MseObserver, type MseObserverOptions } from "./mse_observer.ts";
export {
  type BatchNormRangeActivation,
  type BatchNormRangeOptions,
  type ChannelRange,
  DEFAULT_BN_RANGE_K,
  rangeFromBatchNorm,
  tensorRange,
} from "./bn_range.ts";
export {
  batchNormAffine,
  type BatchNormParams,
  foldBatchNormBackward,
  foldBatchNormForward,
  type FoldedWeights,
  type LayerWeights,
} from "./bn_fold.ts";
export { type FoldBlocker, type FoldDecision, planBatchNormFolding } from "./fold_plan.ts";
export { foldBatchNorms, foldMasks, type FoldResult } from "./fold_model.ts";
export { activationTargets, choiceOf, uniformConfig, weightTargets } from "./act_targets.ts";
export {
  type DataFreeOptions,
  dataFreeRanges,
  DEFAULT_INPUT_RANGE,
  intervalRangeNodes,
} from "./data_free.ts";
export {
  type ChannelGaussians,
  CLIP_KS,
  envelope,
  expectedClipError,
  gaussianModelOf,
  mseClipRange,
} from "./gauss_clip.ts";
export {
  dataImpressions,
  DEFAULT_IMPRESSION_LR,
  DEFAULT_IMPRESSION_STEPS,
  DEFAULT_IMPRESSIONS,
  IMPRESSION_BATCH,
  IMPRESSION_CONCENTRATION,
  type ImpressionOptions,
  impressionTargets,
  needsImpressions,
} from "./impressions.ts";
export {
  type ActivationObserverKind,
  activationQParamsFromRange,
  calibrateActivations,
  createObserver,
  observerAt,
  type WeightObserverKind,
  weightQParams,
} from "./calibrate.ts";
export {
  DEFAULT_EVAL_BATCH,
  evaluateGraph,
  type EvaluateGraphOptions,
  type GraphEvalResult,
} from "./evaluate_graph.ts";
export {
  channelQuantError,
  type ClipSearchOptions,
  DEFAULT_CLIP_GRID,
  mseClipRanges,
  mseWeightQParams,
} from "./weight_clip.ts";
export { type ChannelMoments, expectedActivations } from "./expected_activations.ts";
export {
  correctBiasesEmpirically,
  dataFreeBiasShifts,
  type EmpiricalBiasCorrectionOptions,
} from "./bias_correction.ts";
export { correctedLayers, resolveBiasCorrection } from "./ptq_bias.ts";
export {
  type BiasCorrectionMode,
  type CalibrationMode,
  type CalibrationOptions,
  quantize,
  type QuantizedModel,
  type QuantizeOptions,
} from "./ptq.ts";
export {
  DEFAULT_QAT_BATCH,
  DEFAULT_QAT_LR,
  qatFineTune,
  type QatOptions,
  type QatResult,
  type QatTeacher,
} from "./qat.ts";
