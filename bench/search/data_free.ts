/**
 * Case `resnet8/data-free`: the search with `--data-free` (sensitivities and activation
 * ranges from the weights and batch-norm statistics alone; no fine-tuning, no data read
 * except the test set, which is only read to report accuracies) next to the data-driven
 * search with the same strategy, at a flash budget where bits are what matters: 0.7 x the
 * uniform int8 flash (about 55 KB, the default search's 56 KiB), above uniform 4-bit
 * weights at full width (0.52 x), so no layer has to be pruned — pruning with no data and
 * no fine-tuning recovers only in part (the cut's batch-norm compensation,
 * engine/prune/compensate.ts), while choosing bits from weight statistics can.
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

/** Budget as a fraction of the uniform int8 flash. @default 0.7 */
export const DATA_FREE_FRACTION = 0.7;

/** Options of {@linkcode benchDataFree}. */
export interface DataFreeOptions extends Omit<Resnet8CaseOptions, "fraction" | "kind"> {
  /** Flash budget as a fraction of the uniform int8 flash. @default DATA_FREE_FRACTION */
  readonly flashFraction?: number;
  /** Strategy of both searches. @default "mckp" */
  readonly strategy?: string;
  /** Data-driven results already computed, by strategy (used when the budget is the same). */
  readonly results?: Map<string, SearchResult>;
}

/** Runs the case (throws when the model cannot be loaded). */
export async function benchDataFree(options: DataFreeOptions): Promise<BenchRecord[]> {
  await initBackend();
  const strategy = options.strategy ?? "mckp";
  const log = (s: string) => options.log(`${DATA_FREE_CASE}: ${s}`);
  try {
    const setup = {
      ...options,
      kind: "flash" as const,
      fraction: options.flashFraction ?? DATA_FREE_FRACTION,
    };
    const free = await tightSetup(setup, strategy, true);
    log(`${strategy} data-free at ${free.spec.budgets[0]}`);
    const t0 = performance.now();
    const freeResult = await runSearch(free.spec, free.st, {
      compareUniform: 0,
      onPhase: phaseLogger(log, "data-free"),
    });
    const freeSeconds = (performance.now() - t0) / 1000;
    const earlier = options.results?.get(strategy);
    let driven = earlier?.budgets[0]?.text === free.st.budgets[0]!.text ? earlier : undefined;
    let drivenSeconds: number | null = null;
    if (driven === undefined) {
      const d = await tightSetup(setup, strategy, false);
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
      dataFreeFeasible: freeResult.chosen.costs.flashBytes <= budget.value,
      dataFreeLayers: freeResult.chosen.layers,
      dataFreeCosts: freeResult.chosen.costs,
      dataDrivenLayers: driven.chosen.layers,
      dataDrivenCosts: driven.chosen.costs,
      dataFreeInt8Accuracy: freeResult.baseline.uniformAccuracy ?? null,
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
