/**
 * Quantization building blocks: PyTorch-exact fake quantization (straight-through),
 * integer quantize/dequantize for export, LSQ, calibration observers (min-max,
 * percentile, MSE), data-free ranges from batch norm, and batch-norm folding.
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
