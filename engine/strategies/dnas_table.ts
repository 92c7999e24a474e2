/**
 * `dnas` without a network (table mode): when the context carries no graph, weights or
 * data, the relaxation minimizes the problem's additive `values` (e.g. sensitivities)
 * instead of a task loss — `Σ_l p_l · v_l` under the same Gumbel gates, budget multipliers
 * and exact projection. Used by the conformance suite and as a fast fallback.
 *
 * @module
 */
import { tf } from "../backend.ts";
import { createArchitecture } from "../relax/architecture.ts";
import { createDualAscent } from "../relax/dual.ts";
import { additiveBudgets } from "../relax/lagrangian.ts";
import { temperatureAt } from "../relax/schedule.ts";
import { sramBans } from "../relax/sram_filter.ts";
import { createRng } from "../rng.ts";
import type { DnasOptions } from "./dnas_options.ts";
import { type ArchProbs, readProbs } from "./dnas_project.ts";
import { archStep } from "./dnas_step.ts";
import type { DnasReporter } from "./dnas_report.ts";
import type { StrategyContext } from "./types.ts";

/** Normalized values: per layer shifted to 0 at its best option, scaled by the total range. */
function normalized(values: readonly Float64Array[]): Float32Array[] {
  let span = 0;
  for (const v of values) span += Math.max(...v) - Math.min(...v);
  const s = span > 0 ? span : 1;
  return values.map((v) => {
    const m = Math.min(...v);
    return Float32Array.from(v, (x) => (x - m) / s);
  });
}

/** Runs the table-mode relaxation and returns the final probabilities. */
export function relaxTable(
  ctx: StrategyContext,
  opts: DnasOptions,
  report: DnasReporter,
): { probs: ArchProbs; stopped: boolean } {
  const { problem } = ctx;
  const budgets = additiveBudgets(ctx.budgets);
  const sram = ctx.budgets.filter((b) => b.kind === "sram").map((b) => b.value);
  const arch = createArchitecture(
    problem.space,
    sramBans(problem.space, problem.memory, sram.length ? Math.min(...sram) : undefined),
  );
  const dual = createDualAscent(budgets.length, opts.dual);
  const optimizer = tf.train.adam(opts.archLr);
  const values = normalized(problem.values).map((v) => tf.tensor1d(v));
  const rng = createRng(ctx.seed);
  let stopped = false;
  try {
    for (let step = 0; step < opts.tableSteps; step++) {
      if (ctx.signal?.aborted) {
        stopped = true;
        break;
      }
      const tau = temperatureAt(opts.temperature, step, opts.tableSteps);
      const r = archStep(
        { arch, table: problem.table, budgets, dual, optimizer },
        (g) => tf.addN(arch.optionProbs(g).map((p, l) => tf.sum(tf.mul(p, values[l]!)))),
        { tau, rng, paths: opts.paths },
      );
      report.step("search", step, opts.tableSteps, {
        loss: r.loss,
        tau,
        arch,
        dual,
        budgets,
        ratios: r.ratios,
      });
    }
    return { probs: readProbs(arch), stopped };
  } finally {
    optimizer.dispose();
    for (const v of values) v.dispose();
    arch.dispose();
  }
}
