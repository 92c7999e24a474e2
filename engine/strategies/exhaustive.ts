/**
 * `exhaustive`: evaluates every configuration of a small space (the ground truth of the
 * tests). Refuses spaces above a size limit with a RangeError naming the size.
 *
 * @module
 */
import { spaceSize } from "../space/assemble.ts";
import { choiceOfGenes, nextGenes } from "../space/genes.ts";
import { candidateOf } from "./evaluate.ts";
import { throwInfeasible } from "./feasibility.ts";
import { bestFeasible, checkOptionKeys, clockOf, intOption, resultOf } from "./_result.ts";
import type { Candidate, Strategy, StrategyContext, StrategyResult } from "./types.ts";

/** Largest space exhaustive search accepts by default. @default 200_000 */
export const EXHAUSTIVE_LIMIT = 200_000;

/**
 * Creates the `exhaustive` strategy. Options: `limit` (largest space size accepted).
 *
 * @example
 * ```ts ignore
 * const truth = await exhaustiveStrategy().run({ problem, budgets, seed: 0 });
 * console.log(truth.chosen.value, truth.front.length);
 * ```
 */
export function exhaustiveStrategy(options?: Readonly<Record<string, unknown>>): Strategy {
  checkOptionKeys("exhaustive", options, ["limit"]);
  const limit = intOption(options, "limit", EXHAUSTIVE_LIMIT);
  return {
    name: "exhaustive",
    run(ctx: StrategyContext): Promise<StrategyResult> {
      return new Promise((resolve) => resolve(search(ctx)));
    },
  };
  function search(ctx: StrategyContext): StrategyResult {
    const { problem, budgets } = ctx;
    const size = spaceSize(problem.space);
    if (size > BigInt(limit)) {
      throw new RangeError(
        `Cannot search exhaustively: the space has ${size} configurations, above the limit ` +
          `of ${limit} (use mckp or evolution, or raise the limit)`,
      );
    }
    const now = clockOf(ctx);
    const t0 = now();
    const genes = new Int32Array(problem.space.genes.length);
    const candidates: Candidate[] = [];
    do {
      if (ctx.signal?.aborted) break;
      candidates.push(candidateOf(problem, choiceOfGenes(problem.space, genes), budgets));
    } while (nextGenes(problem.space, genes));
    const chosen = bestFeasible(candidates);
    if (!chosen) throwInfeasible(problem, budgets);
    const stopped = BigInt(candidates.length) < size;
    return resultOf("exhaustive", ctx, {
      chosen,
      candidates,
      proven: !stopped,
      stats: { evaluations: candidates.length, timeMs: now() - t0, stopped },
    });
  }
}
