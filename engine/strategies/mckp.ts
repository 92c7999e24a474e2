/**
 * `mckp`: the exact multiple-choice knapsack strategy. Minimizes the sum of per-layer option
 * values under every budget — additive ones (latency, energy, flash) with each layer's
 * input width coupled to its producer, and peak SRAM as an exact max constraint — by branch
 * and bound with admissible bounds (a suffix knapsack DP per additive budget, live-memory
 * lower bounds per execution step) and exact evaluation at the leaves. `proven` is true
 * unless the node limit or the abort signal cut the search.
 *
 * @module
 */
import { branchAndBound } from "./_bnb.ts";
import { candidateOf } from "./evaluate.ts";
import { throwInfeasible } from "./feasibility.ts";
import { checkOptionKeys, clockOf, intOption, resultOf } from "./_result.ts";
import type { Strategy, StrategyContext, StrategyResult } from "./types.ts";

/** Default node limit of the branch and bound. @default 20_000_000 */
export const MCKP_NODE_LIMIT = 20_000_000;

/** Options of {@link mckpStrategy}. */
export interface MckpOptions {
  /** Node limit; when hit the best found is returned with `proven: false`. */
  readonly nodeLimit?: number;
}

/**
 * Creates the `mckp` strategy. Options: `nodeLimit` (positive integer).
 *
 * @example
 * ```ts ignore
 * const result = await mckpStrategy().run({ problem, budgets: parseBudgets("latency=4ms"), seed: 0 });
 * console.log(result.proven, result.chosen.value, result.chosen.costs.latency);
 * ```
 */
export function mckpStrategy(options?: Readonly<Record<string, unknown>>): Strategy {
  checkOptionKeys("mckp", options, ["nodeLimit"]);
  const nodeLimit = intOption(options, "nodeLimit", MCKP_NODE_LIMIT);
  return {
    name: "mckp",
    run(ctx: StrategyContext): Promise<StrategyResult> {
      return new Promise((resolve) => resolve(search(ctx)));
    },
  };
  function search(ctx: StrategyContext): StrategyResult {
    const now = clockOf(ctx);
    const t0 = now();
    const r = branchAndBound(ctx.problem, ctx.budgets, {
      nodeLimit,
      onTick: (nodes, best) => {
        ctx.onProgress?.({
          strategy: "mckp",
          phase: "search",
          step: nodes,
          ...(Number.isFinite(best) ? { best } : {}),
        });
        return ctx.signal?.aborted ?? false;
      },
    });
    if (!r.choice) {
      if (r.proven) throwInfeasible(ctx.problem, ctx.budgets);
      throw new RangeError(
        `mckp found no feasible configuration within ${nodeLimit} nodes; raise nodeLimit`,
      );
    }
    const chosen = candidateOf(ctx.problem, r.choice, ctx.budgets);
    return resultOf("mckp", ctx, {
      chosen,
      candidates: [chosen],
      proven: r.proven,
      stats: {
        evaluations: r.leaves,
        timeMs: now() - t0,
        nodes: r.nodes,
        stopped: !r.proven,
      },
    });
  }
}
