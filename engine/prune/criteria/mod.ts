/**
 * The registry of pruning criteria, by name.
 *
 * @module
 */
import { bnGammaCriterion } from "./bn_gamma.ts";
import { integratedGradientsCriterion } from "./integrated_gradients.ts";
import { l1BnCriterion, l1Criterion } from "./l1.ts";
import { redundancyCriterion } from "./redundancy.ts";
import { taylorCriterion } from "./taylor.ts";
import type { PruningCriterion } from "./types.ts";

export type { CriterionInput, LabeledBatch, PruningCriterion } from "./types.ts";

/**
 * Pruning criteria by name: `l1`, `l1-bn` (L1 of the BN-folded kernel), `bn-gamma`,
 * `integrated-gradients` and `taylor` (need data), `redundancy` (data-free, RED-style
 * distance to the nearest duplicate).
 *
 * @example
 * ```ts
 * import { criteria } from "./mod.ts";
 * console.assert(criteria["integrated-gradients"]!.needsData);
 * ```
 */
export const criteria: Readonly<Record<string, PruningCriterion>> = Object.freeze({
  [l1Criterion.name]: l1Criterion,
  [l1BnCriterion.name]: l1BnCriterion,
  [bnGammaCriterion.name]: bnGammaCriterion,
  [integratedGradientsCriterion.name]: integratedGradientsCriterion,
  [redundancyCriterion.name]: redundancyCriterion,
  [taylorCriterion.name]: taylorCriterion,
});

/** Looks a criterion up; throws a RangeError listing the known names. */
export function criterionByName(name: string): PruningCriterion {
  const c = criteria[name];
  if (c === undefined) {
    throw new RangeError(
      `Cannot find pruning criterion "${name}": expected one of ${
        Object.keys(criteria).join(", ")
      }`,
    );
  }
  return c;
}
