/**
 * Case `cnn-s/mckp-exact`: on cnn-s with the Cortex-M7 profile (every layer 9-12 choices,
 * a few thousand configurations), `mckp` must return exactly the optimum `exhaustive` finds
 * for the same objective (the data-driven sensitivities the search uses) at latency budgets
 * between the smallest achievable and the uniform int8 latency.
 *
 * @module
 */
import { initBackend } from "../../engine/backend.ts";
import { runSensitivityJob } from "../../engine/search/jobs.ts";
import { closeSessions } from "../../engine/search/session.ts";
import { makeSearchSpec } from "../../engine/search/spec.ts";
import { loadSearchStatic, problemOf } from "../../engine/search/static.ts";
import { spaceSize } from "../../engine/space.ts";
import { proxyValues } from "../../engine/space/proxy_values.ts";
import { createStrategy } from "../../engine/strategies/registry.ts";
import type { StrategyResult } from "../../engine/strategies/types.ts";
import type { BenchRecord } from "../record.ts";
import { summarize } from "../stats.ts";
import { costRange, latencyBudget } from "./budgets.ts";
import { recorder, type SearchCaseOptions } from "./common.ts";

/** Case name. */
export const MCKP_EXACT_CASE = "cnn-s/mckp-exact";

/** Where the budgets sit between the smallest and the uniform int8 latency. @default [0.25, 0.5, 0.75] */
export const MCKP_EXACT_FRACTIONS: readonly number[] = [0.25, 0.5, 0.75];

/** Options of {@linkcode benchMckpExact}. */
export interface MckpExactOptions extends SearchCaseOptions {
  /** Calibration images of the sensitivities. @default 512 */
  readonly calibration?: number;
  /** Timed runs of each strategy per budget. @default 1 */
  readonly reps?: number;
  /**
   * The objective: the search's data-driven sensitivities, or the data-free noise proxy
   * (`proxyValues`: no data read, for fast tests). @default "data-driven"
   */
  readonly values?: "data-driven" | "proxy";
}

async function timed(
  name: string,
  run: () => Promise<StrategyResult>,
  reps: number,
): Promise<{ result: StrategyResult; ms: number[] }> {
  const ms: number[] = [];
  let result: StrategyResult | undefined;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    result = await run();
    ms.push(performance.now() - t0);
  }
  if (!result) throw new RangeError(`${name}: reps must be at least 1`);
  return { result, ms };
}

/**
 * Runs the case; throws when the model or data cannot be loaded (the suite turns that into
 * an error record).
 */
export async function benchMckpExact(options: MckpExactOptions): Promise<BenchRecord[]> {
  await initBackend();
  const reps = Math.max(1, options.reps ?? 1);
  const spec = makeSearchSpec({
    model: options.model ?? "cnn-s",
    profile: "cortex-m7-stm32h743",
    strategy: "mckp",
    calibration: options.calibration ?? 512,
    testLimit: 1000,
    seed: options.seed ?? 0,
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
  });
  const st = await loadSearchStatic(spec);
  const source = options.values ?? "data-driven";
  options.log(`${MCKP_EXACT_CASE}: ${source} values of ${spaceSize(st.space)} configs`);
  let values: ArrayLike<number>[];
  if (source === "proxy") values = proxyValues(st.graph, st.space);
  else {
    try {
      values = (await runSensitivityJob({ search: spec })).values;
    } finally {
      await closeSessions();
    }
  }
  const problem = problemOf(st, values);
  const range = costRange(problem);
  const choices = st.space.options.map((o) => o.length);
  const out = recorder(MCKP_EXACT_CASE, {
    model: spec.model,
    profile: spec.profile,
    spaceSize: Number(spaceSize(st.space)),
    choicesPerLayer: choices,
    minLatencyMs: range.min,
    int8LatencyMs: range.int8,
    values: source,
  });
  for (const f of MCKP_EXACT_FRACTIONS) {
    const budgets = latencyBudget(range.min + f * (range.int8 - range.min));
    const ctx = { problem, budgets, seed: spec.seed };
    const mckp = await timed("mckp", () => createStrategy("mckp").run(ctx), reps);
    const ex = await timed("exhaustive", () => createStrategy("exhaustive").run(ctx), reps);
    const gap = mckp.result.chosen.value - ex.result.chosen.value;
    const extra = {
      budget: budgets[0]!.text,
      fraction: f,
      proven: mckp.result.proven,
      sameChoice: mckp.result.chosen.choice.join() === ex.result.chosen.choice.join(),
      mckpValue: mckp.result.chosen.value,
      exhaustiveValue: ex.result.chosen.value,
      mckpFeasible: mckp.result.chosen.feasible,
    };
    options.log(`${MCKP_EXACT_CASE}: ${budgets[0]!.text} gap ${gap} (proven ${extra.proven})`);
    out.value("optimality_gap", gap, "value", extra);
    out.value("mckp_ms", summarize(mckp.ms), "ms", extra);
    out.value("exhaustive_ms", summarize(ex.ms), "ms", extra);
  }
  return out.records;
}
