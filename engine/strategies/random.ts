/**
 * `random`: uniform seeded sampling of the space; returns the best feasible sample. One
 * feasible anchor (the first configuration an exact search finds) joins the samples, so the
 * strategy returns a feasible configuration whenever one exists; with no feasible
 * configuration it throws `BudgetInfeasibleError`.
 *
 * @module
 */
import { createRng } from "../rng.ts";
import { choiceOfGenes, randomGenes } from "../space/genes.ts";
import { candidateOf } from "./evaluate.ts";
import { feasibleAnchor } from "./feasibility.ts";
import { bestFeasible, checkOptionKeys, clockOf, intOption, resultOf } from "./_result.ts";
import type { Candidate, Strategy, StrategyContext, StrategyResult } from "./types.ts";

/** Default number of samples. @default 2000 */
export const RANDOM_SAMPLES = 2000;

/**
 * Creates the `random` strategy. Options: `samples` (positive integer).
 *
 * @example
 * ```ts ignore
 * const r = await randomStrategy({ samples: 500 }).run({ problem, budgets, seed: 7 });
 * ```
 */
export function randomStrategy(options?: Readonly<Record<string, unknown>>): Strategy {
  checkOptionKeys("random", options, ["samples"]);
  const samples = intOption(options, "samples", RANDOM_SAMPLES);
  return {
    name: "random",
    run(ctx: StrategyContext): Promise<StrategyResult> {
      return new Promise((resolve) => resolve(search(ctx)));
    },
  };
  function search(ctx: StrategyContext): StrategyResult {
    const now = clockOf(ctx);
    const t0 = now();
    const { problem, budgets } = ctx;
    const anchor = candidateOf(problem, feasibleAnchor(problem, budgets), budgets);
    const rng = createRng(ctx.seed);
    const candidates: Candidate[] = [anchor];
    let stopped = false;
    for (let i = 0; i < samples; i++) {
      if (ctx.signal?.aborted) {
        stopped = true;
        break;
      }
      const choice = choiceOfGenes(problem.space, randomGenes(problem.space, rng));
      candidates.push(candidateOf(problem, choice, budgets));
      if ((i + 1) % 256 === 0) {
        ctx.onProgress?.({ strategy: "random", phase: "sample", step: i + 1, total: samples });
      }
    }
    return resultOf("random", ctx, {
      chosen: bestFeasible(candidates)!,
      candidates,
      proven: false,
      stats: { evaluations: candidates.length, timeMs: now() - t0, stopped },
    });
  }
}
