/**
 * The cost model: what a per-layer configuration (weight bits, activation bits, width)
 * costs on a hardware profile — latency, energy, flash, peak SRAM, BOPs — exactly
 * (`networkCost`) or in expectation under choice probabilities (`expectedCost`).
 *
 * @example
 * ```ts ignore
 * import { networkCost } from "./engine/cost/mod.ts";
 * const cost = networkCost(graph, profile, { layers: { conv1: { wbits: 4, abits: 8, width: 0.5 } } });
 * console.log(cost.totals);
 * ```
 *
 * @module
 */
export {
  type Configuration,
  DEFAULT_WIDTHS,
  type LayerChoice,
  MAX_BITS,
  parseConfiguration,
  parseLayerChoice,
  prunedChannels,
  uniformConfiguration,
} from "./config.ts";
export { DEFAULT_BITS, defaultChoice } from "./defaults.ts";
export { UnsupportedBitsError } from "./errors.ts";
export { expectedCost } from "./expected.ts";
export {
  interpolateLatency,
  type LatencyEstimate,
  type LatencyPoint,
  type LatencySource,
  rowOps,
} from "./latency.ts";
export { BIAS_BYTES, SCALE_BYTES, WEIGHTLESS_BITS } from "./layer.ts";
export { INPUT_BITS, peakSram, type PeakSramOptions, PLAIN_DEFAULT_CHOICE } from "./memory.ts";
export { minimumAchievable, type MinimumCosts, type MinimumKind } from "./minimum.ts";
export {
  type CostTotals,
  type LayerCostRow,
  type NetworkCost,
  networkCost,
  type OpCostRow,
} from "./network.ts";
export { crossOptions, type CrossOptionsSpec } from "./options.ts";
export {
  buildCostTable,
  COST_KINDS,
  type CostKind,
  type CostTable,
  type OpTerm,
  type OptionSet,
  tableCost,
} from "./table.ts";
export { type WidthGroup, widthGroups } from "./widths.ts";
