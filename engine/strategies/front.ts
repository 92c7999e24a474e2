/**
 * Multi-budget fronts: run one strategy at every budget point (`budgetPoints()` of
 * `--budget latency=2ms,4ms,8ms`) and return the Pareto front of every feasible candidate
 * evaluated, judged on (value, each budgeted kind). Points with no feasible configuration
 * are reported, not fatal, unless every point is infeasible.
 *
 * @module
 */
import { type Budget, BudgetInfeasibleError, budgetPoints } from "../cost/budget.ts";
import { candidateOf, objectivesOf } from "./evaluate.ts";
import { paretoFront } from "./pareto.ts";
import type { Candidate, Strategy, StrategyContext, StrategyResult } from "./types.ts";

/** Result of {@link searchFront}. */
export interface FrontResult {
  /** One result per feasible budget point, in point order. */
  readonly points: readonly {
    readonly budgets: readonly Budget[];
    readonly result: StrategyResult;
  }[];
  /** Budget points with no feasible configuration, with the error. */
  readonly infeasible: readonly {
    readonly budgets: readonly Budget[];
    readonly error: BudgetInfeasibleError;
  }[];
  /** Non-dominated feasible candidates over all points (costs re-judged with no budget). */
  readonly front: readonly Candidate[];
}

/**
 * Runs `strategy` at every point of `budgets` and merges the fronts. Rethrows the first
 * BudgetInfeasibleError when no point is feasible.
 *
 * @example
 * ```ts ignore
 * const r = await searchFront(createStrategy("mckp"), { problem, seed: 0 }, parseBudgets("latency=2ms,4ms,8ms"));
 * console.log(r.front.map((c) => [c.value, c.costs.latency]));
 * ```
 */
export async function searchFront(
  strategy: Strategy,
  ctx: Omit<StrategyContext, "budgets">,
  budgets: readonly Budget[],
): Promise<FrontResult> {
  const points: { budgets: Budget[]; result: StrategyResult }[] = [];
  const infeasible: { budgets: Budget[]; error: BudgetInfeasibleError }[] = [];
  for (const point of budgetPoints(budgets)) {
    try {
      points.push({ budgets: point, result: await strategy.run({ ...ctx, budgets: point }) });
    } catch (e) {
      if (!(e instanceof BudgetInfeasibleError)) throw e;
      infeasible.push({ budgets: point, error: e });
    }
  }
  if (points.length === 0 && infeasible[0]) throw infeasible[0].error;
  const kinds = [...new Map(budgets.map((b) => [b.kind, b])).values()];
  const all = points.flatMap((p) => [p.result.chosen, ...p.result.front])
    .map((c) => candidateOf(ctx.problem, c.choice, []));
  return { points, infeasible, front: paretoFront(all, (c) => objectivesOf(c, kinds)) };
}
