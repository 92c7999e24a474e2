/**
 * The graph executor: a hookable forward pass over (Graph, Weights).
 *
 * @module
 */
export { applyBnUpdates, type BnUpdate, forward, type ForwardOptions } from "./forward.ts";
export { type ChannelMask, composeHooks, type ExecHooks } from "./hooks.ts";
export {
  DEFAULT_BN_MOMENTUM,
  type DropoutSetting,
  type ExecSettings,
  execSettingsFromLayersModel,
} from "./settings.ts";
export { layersModelFromGraph } from "./to_layers.ts";
export {
  applyWeightsToLayersModel,
  cloneWeights,
  disposeWeights,
  isTrainableWeight,
  type LayerTensors,
  trainableVariables,
  WEIGHT_NAMES,
  type WeightArray,
  type WeightName,
  weightOf,
  type Weights,
  weightsFromArrays,
  weightsFromLayersModel,
  weightsToArrays,
} from "./weights.ts";
