/**
 * Case `resnet8/data-free`: the search with `--data-free` (sensitivities and activation
 * ranges from the weights and batch-norm statistics alone; no fine-tuning) at the same tight
 * budget as `resnet8/mixed-vs-uniform`, next to the data-driven search with the same
 * strategy. The test set is read only to report accuracies.
 *
 * @module
 */
import { initBackend } from "../../engine/backend.ts";
import type { SearchResult } from "../../engine/search/result.ts";
import { closeSessions } from "../../engine/search/session.ts";
import { DEFAULT_FINETUNE_STEPS } from "../../engine/search/spec.ts";
import type { BenchRecord } from "../record.ts";
import { phaseLogger, points, recorder, runSearch } from "./common.ts";
import { type Resnet8CaseOptions, tightSetup } from "./mixed_vs_uniform.ts";

/** Case name. */
export const DATA_FREE_CASE = "resnet8/data-free";

/** Options of {@linkcode benchDataFree}. */
export interface DataFreeOptions extends Resnet8CaseOptions {
  /** Strategy of both searches. @default "mckp" */
  readonly strategy?: string;
  /** Data-driven results already computed at the same settings, by strategy. */
  readonly results?: Map<string, SearchResult>;
}

/** Runs the case (throws when the model cannot be loaded). */
export async function benchDataFree(options: DataFreeOptions): Promise<BenchRecord[]> {
  await initBackend();
  const strategy = options.strategy ?? "mckp";
  const log = (s: string) => options.log(`${DATA_FREE_CASE}: ${s}`);
  try {
    const free = await tightSetup(options, strategy, true);
    log(`${strategy} data-free at ${free.spec.budgets[0]}`);
    const t0 = performance.now();
    const freeResult = await runSearch(free.spec, free.st, {
      compareUniform: 0,
      onPhase: phaseLogger(log, "data-free"),
    });
    const freeSeconds = (performance.now() - t0) / 1000;
    let driven = options.results?.get(strategy);
    let drivenSeconds: number | null = null;
    if (driven === undefined) {
      const d = await tightSetup(options, strategy, false);
      log(`${strategy} data-driven at ${d.spec.budgets[0]}`);
      const t1 = performance.now();
      driven = await runSearch(d.spec, d.st, {
        compareUniform: 0,
        onPhase: phaseLogger(log, "data-driven"),
      });
      drivenSeconds = (performance.now() - t1) / 1000;
    }
    const budget = free.st.budgets[0]!;
    const out = recorder(DATA_FREE_CASE, {
      strategy,
      model: free.spec.model,
      profile: free.spec.profile,
      budget: budget.text,
      fraction: free.fraction,
      testImages: free.spec.testLimit ?? 10000,
      dataFreeFeasible: freeResult.chosen.costs.latencyMs <= budget.value * (1 + 1e-9),
      dataFreeLayers: freeResult.chosen.layers,
      dataFreeLatencyMs: freeResult.chosen.costs.latencyMs,
      dataDrivenLayers: driven.chosen.layers,
      dataFreeFinetuneSteps: 0,
      dataDrivenFinetuneSteps: options.finetuneSteps ?? DEFAULT_FINETUNE_STEPS,
      dataFreeSeconds: freeSeconds,
      dataDrivenSeconds: drivenSeconds,
      floatAccuracy: driven.baseline.accuracy,
    });
    log(
      `data-free ${points(freeResult.chosen.accuracy)}%, ` +
        `data-driven ${points(driven.chosen.accuracy)}%`,
    );
    out.value("data_free_accuracy", points(freeResult.chosen.accuracy), "%");
    out.value("data_driven_accuracy", points(driven.chosen.accuracy), "%");
    return out.records;
  } finally {
    await closeSessions();
  }
}
