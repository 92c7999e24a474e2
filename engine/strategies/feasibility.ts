/**
 * Feasibility shared by all strategies: the smallest achievable cost of each budget kind
 * over a problem (exact), a feasible anchor configuration when one exists, and the
 * `BudgetInfeasibleError` naming the smallest achievable values when none does.
 *
 * @module
 */
import { type Budget, BudgetInfeasibleError, type BudgetKind } from "../cost/budget.ts";
import { peakOfChoice } from "../space/memory.ts";
import { branchAndBound } from "./_bnb.ts";
import type { SearchProblem } from "./types.ts";

/**
 * The smallest achievable cost of `kind` over the whole space, exact. Additive kinds by
 * branch and bound on that cost; peak SRAM with every width and every `abits` at its
 * smallest (live bytes never shrink as widths or bits grow). Throws RangeError for energy
 * on a problem without an energy model.
 */
export function minimumOf(problem: SearchProblem, kind: BudgetKind): number {
  if (kind === "energy" && !problem.table.hasEnergy) {
    throw new RangeError(`Cannot check an energy budget: the profile has no energy model`);
  }
  if (kind === "sram") {
    const { pairs, widths } = problem.space;
    // Option p * widths + 0: the pair with the smallest abits at the smallest width.
    const choice = Int32Array.from(pairs, (ps, l) => {
      let p = 0;
      ps.forEach((x, i) => (x.a < ps[p]!.a ? (p = i) : 0));
      return p * widths[l]!.length;
    });
    return peakOfChoice(problem.memory, problem.space, choice);
  }
  const r = branchAndBound(problem, [], { objective: kind });
  return r.objective;
}

/**
 * Throws {@link BudgetInfeasibleError} when no configuration meets every budget: the
 * violations are the budgets whose smallest achievable cost exceeds them, or, when each
 * budget alone is reachable but not all together, every budget with its smallest value.
 */
export function throwInfeasible(problem: SearchProblem, budgets: readonly Budget[]): never {
  const mins = budgets.map((b) => ({ budget: b, minAchievable: minimumOf(problem, b.kind) }));
  const alone = mins.filter((m) => m.minAchievable > m.budget.value * (1 + 1e-9));
  throw new BudgetInfeasibleError(alone.length > 0 ? alone : mins);
}

/**
 * A feasible choice (the first one an exact search finds), or a thrown
 * {@link BudgetInfeasibleError} when none exists. Heuristic strategies seed with it so they
 * always return a feasible configuration when one exists.
 */
export function feasibleAnchor(problem: SearchProblem, budgets: readonly Budget[]): Int32Array {
  const zero = problem.values.map((v) => new Float64Array(v.length));
  const r = branchAndBound({ ...problem, values: zero }, budgets, { firstFeasible: true });
  if (r.choice) return r.choice;
  return throwInfeasible(problem, budgets);
}
