/**
 * Per-layer, per-choice sensitivity tables for the search: data-driven (loss increase when
 * one layer alone takes a choice), Hessian-trace (HAWQ-v2 style, Hutchinson) and data-free
 * (weights and batch-norm statistics only), and their conversion into the additive
 * objective and the per-option values the strategies minimize.
 *
 * @example
 * ```ts ignore
 * import { dataFreeSensitivity, defaultChoices, objectiveValue } from "./mod.ts";
 * const table = dataFreeSensitivity(graph, weights, { choices: defaultChoices(graph) });
 * console.log(objectiveValue(table, config));
 * ```
 *
 * @module
 */
export {
  type BitsChoice,
  choicesOfSpace,
  DEFAULT_ABITS,
  DEFAULT_WBITS,
  defaultChoices,
  type SensitivityChoices,
  type WidthGroupChoices,
} from "./choices.ts";
export {
  type DataDrivenOptions,
  dataDrivenSensitivity,
  type SensitivityLoss,
} from "./data_driven.ts";
export { type DataFreeOptions, dataFreeSensitivity } from "./data_free.ts";
export { DEFAULT_REL_EPS, type HessianOptions, hessianSensitivity } from "./hessian.ts";
export {
  DEFAULT_MAX_DRAWS,
  DEFAULT_MIN_DRAWS,
  DEFAULT_TRACE_TOL,
  type HutchinsonOptions,
  hutchinsonTraces,
  type TraceEstimate,
} from "./hutchinson.ts";
export { rankCorrelation } from "./rank.ts";
export {
  type BitsEntry,
  bitsValue,
  FLOAT_BITS,
  groupOf,
  type GroupSensitivity,
  objectiveValue,
  optionValues,
  type OptionValuesOptions,
  type SensitivityMeta,
  type SensitivityMethod,
  type SensitivityTable,
  type WidthEntry,
  widthValue,
} from "./table.ts";
