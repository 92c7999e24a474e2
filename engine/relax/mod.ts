/**
 * The continuous relaxation behind the `dnas` strategy: Gumbel-softmax gates, temperature
 * annealing, a supernet over shared weights (composite quantized kernels, mixed activation
 * quantizers, nested soft channel masks), architecture logits, SRAM bans, and budget
 * multipliers updated by damped dual ascent.
 *
 * @module
 */
export { type Architecture, type Bans, createArchitecture } from "./architecture.ts";
export { createDualAscent, DEFAULT_DUAL, type DualAscent, type DualOptions } from "./dual.ts";
export {
  BANNED_LOGIT,
  entropy,
  gumbelNoise,
  gumbelSoftmax,
  type PathMode,
  sampleGate,
  straightThrough,
} from "./gumbel.ts";
export { ADDITIVE_KINDS, additiveBudgets, budgetRatios, lagrangianTerm } from "./lagrangian.ts";
export {
  type LayerLayout,
  type SupernetLayout,
  supernetLayout,
  type TensorLayout,
} from "./layout.ts";
export {
  DEFAULT_RANGE_AVERAGING,
  quantizeActivation,
  quantizeKernel,
  type Range,
  RangeRecorder,
  RangeTracker,
} from "./quantizers.ts";
export { DEFAULT_TEMPERATURE, temperatureAt, type TemperatureSchedule } from "./schedule.ts";
export { sramBans } from "./sram_filter.ts";
export {
  createSupernet,
  disposeGates,
  type Gates,
  type Supernet,
  type SupernetOptions,
} from "./supernet.ts";
export { DEFAULT_WIDTH_CRITERION, type WidthGeneMasks, widthGeneMasks } from "./width_masks.ts";
