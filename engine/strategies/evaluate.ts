/**
 * The exact evaluator: costs of a full configuration from the cost tables (additive kinds,
 * with each layer's input channels following its producer's width) and the memory model
 * (peak SRAM), and its feasibility under budgets. This is the ground truth every strategy
 * and every test checks against.
 *
 * @module
 */
import type { Budget, BudgetKind } from "../cost/budget.ts";
import { tableCost } from "../cost/table.ts";
import { configurationOf } from "../space/genes.ts";
import { peakOfChoice } from "../space/memory.ts";
import type { Candidate, CandidateCosts, SearchProblem } from "./types.ts";

/** Relative slack of budget checks, as `checkFeasible()` in `cost/budget.ts`. */
export const BUDGET_TOLERANCE = 1e-9;

/**
 * Exact costs of a choice (`choice[l]` = option index of layer l).
 *
 * @example
 * ```ts ignore
 * const costs = evaluateChoice(problem, new Int32Array(problem.space.layers.length));
 * console.log(costs.latency, costs.sram);
 * ```
 */
export function evaluateChoice(problem: SearchProblem, choice: ArrayLike<number>): CandidateCosts {
  const t = problem.table;
  return {
    latency: tableCost(t, choice, "latency"),
    energy: t.hasEnergy ? tableCost(t, choice, "energy") : null,
    flash: tableCost(t, choice, "flash"),
    sram: peakOfChoice(problem.memory, problem.space, choice),
    bops: tableCost(t, choice, "bops"),
  };
}

/** The cost a budget kind limits. Throws RangeError for energy without an energy model. */
export function costOfKind(costs: CandidateCosts, kind: BudgetKind): number {
  const v = costs[kind];
  if (v === null) {
    throw new RangeError(`Cannot check an energy budget: the profile has no energy model`);
  }
  return v;
}

/** Sum over budgets of `max(0, cost / limit - 1)`: 0 exactly when every budget holds. */
export function violationOf(costs: CandidateCosts, budgets: readonly Budget[]): number {
  let v = 0;
  for (const b of budgets) {
    const c = costOfKind(costs, b.kind);
    if (c > b.value * (1 + BUDGET_TOLERANCE)) v += c / b.value - 1;
  }
  return v;
}

/** Objective value of a choice: the sum of its per-layer option values. */
export function valueOfChoice(problem: SearchProblem, choice: ArrayLike<number>): number {
  let v = 0;
  for (let l = 0; l < problem.values.length; l++) v += problem.values[l]![choice[l]!]!;
  return v;
}

/** Evaluates a choice into a {@link Candidate}. */
export function candidateOf(
  problem: SearchProblem,
  choice: ArrayLike<number>,
  budgets: readonly Budget[],
): Candidate {
  const owned = Int32Array.from(choice);
  const costs = evaluateChoice(problem, owned);
  const violation = violationOf(costs, budgets);
  return {
    choice: owned,
    configuration: configurationOf(problem.space, owned),
    value: valueOfChoice(problem, owned),
    costs,
    violation,
    feasible: violation === 0,
  };
}

/** The objective vector of a candidate: value, then each budgeted cost (to minimize). */
export function objectivesOf(c: Candidate, budgets: readonly Budget[]): number[] {
  return [c.value, ...budgets.map((b) => costOfKind(c.costs, b.kind))];
}
