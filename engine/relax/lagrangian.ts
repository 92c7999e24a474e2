/**
 * The budget term of the relaxed loss: expected additive costs under the architecture's
 * probabilities, normalized by their budgets (`E[C_k] / B_k`), and the Lagrangian term
 * `Σ_k λ_k (E[C_k] / B_k − 1)` with multipliers held outside autodiff.
 *
 * @module
 */
import { tf } from "../backend.ts";
import type { Budget } from "../cost/budget.ts";
import { expectedCost } from "../cost/expected.ts";
import type { CostKind, CostTable } from "../cost/table.ts";

/** Budget kinds with an expected (additive) cost; peak SRAM is handled by bans. */
export const ADDITIVE_KINDS: readonly CostKind[] = ["latency", "energy", "flash"];

/** The budgets whose cost is additive (latency, energy, flash), in order. */
export function additiveBudgets(budgets: readonly Budget[]): Budget[] {
  return budgets.filter((b) => (ADDITIVE_KINDS as readonly string[]).includes(b.kind));
}

/**
 * `E[C_k] / B_k` for each additive budget, as one tensor (differentiable in `probs`).
 *
 * @example
 * ```ts ignore
 * const ratios = budgetRatios(table, arch.optionProbs(arch.probabilities()), budgets);
 * ```
 */
export function budgetRatios(
  table: CostTable,
  probs: readonly tf.Tensor[],
  budgets: readonly Budget[],
): tf.Tensor1D {
  if (budgets.length === 0) return tf.zeros([0]) as tf.Tensor1D;
  return tf.tidy(() =>
    tf.stack(budgets.map((b) => tf.div(expectedCost(table, probs, b.kind as CostKind), b.value)))
  ) as tf.Tensor1D;
}

/** `Σ_k λ_k (r_k − 1)`; a zero scalar without budgets. */
export function lagrangianTerm(ratios: tf.Tensor1D, lambdas: readonly number[]): tf.Scalar {
  if (ratios.size !== lambdas.length) {
    throw new RangeError(`Expected ${ratios.size} multipliers, got ${lambdas.length}`);
  }
  if (lambdas.length === 0) return tf.scalar(0);
  return tf.tidy(() => tf.sum(tf.mul(tf.sub(ratios, 1), tf.tensor1d(lambdas.slice()))));
}
