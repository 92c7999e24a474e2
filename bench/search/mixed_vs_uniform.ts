/**
 * Case `resnet8/mixed-vs-uniform`: on resnet8 with the Cortex-M7 profile at a tight flash
 * budget, the whole search runs through the coordinator for each strategy, and the chosen
 * mixed configuration is compared with the best uniform configuration (one bit pair and one
 * width everywhere) that fits the same budget. Every candidate gets the same fine-tuning
 * steps and seed; every feasible uniform configuration is measured (by the first strategy's
 * run; later runs reuse those accuracies, since the measurement is the same job).
 *
 * Why flash: on this profile 4-bit weights run at the int8 rate, so a latency budget can
 * only be met by pruning and bits do not matter. The default budget, 0.45 x the uniform
 * int8 flash (about 35 KB), is below uniform 4-bit weights at full width (0.52 x): a uniform
 * configuration must cut every layer to 0.75 width (or 8-bit weights to 0.5), while a mixed
 * one keeps 4-bit weights at full width where it matters, 8 bits on the small sensitive
 * layers and prunes only where it costs least.
 *
 * @module
 */
import { initBackend } from "../../engine/backend.ts";
import type { SearchResult } from "../../engine/search/result.ts";
import { closeSessions } from "../../engine/search/session.ts";
import {
  DEFAULT_FINETUNE_STEPS,
  makeSearchSpec,
  type SearchSpec,
} from "../../engine/search/spec.ts";
import { loadSearchStatic, type SearchStatic } from "../../engine/search/static.ts";
import { type BenchRecord, errorRecord } from "../record.ts";
import { type CaseBudgetKind, feasibleUniforms, tightBudget } from "./budgets.ts";
import {
  phaseLogger,
  points,
  recorder,
  runSearch,
  SEARCH_SUITE,
  type SearchCaseOptions,
} from "./common.ts";

/** Case name. */
export const MIXED_VS_UNIFORM_CASE = "resnet8/mixed-vs-uniform";

/** Budget as a fraction of the uniform int8 cost of {@linkcode TIGHT_KIND}. @default 0.45 */
export const TIGHT_FRACTION = 0.45;
/** What the tight budget limits. @default "flash" */
export const TIGHT_KIND: CaseBudgetKind = "flash";

/** Options of the resnet8 cases. */
export interface Resnet8CaseOptions extends SearchCaseOptions {
  /** Budget as a fraction of the uniform int8 cost. @default TIGHT_FRACTION */
  readonly fraction?: number;
  /** What the budget limits. @default TIGHT_KIND */
  readonly kind?: CaseBudgetKind;
  /** Fine-tuning steps of every measured candidate. @default DEFAULT_FINETUNE_STEPS */
  readonly finetuneSteps?: number;
  /** Test images (`undefined`: all 10,000). */
  readonly testLimit?: number;
  /** Calibration images. @default 512 */
  readonly calibration?: number;
}

/** Options of {@linkcode benchMixedVsUniform}. */
export interface MixedVsUniformOptions extends Resnet8CaseOptions {
  /** Strategies to run, in order. @default ["mckp", "dnas"] */
  readonly strategies?: readonly string[];
  /** Receives each strategy's search result (the data-free case reuses mckp's). */
  readonly results?: Map<string, SearchResult>;
}

/** The spec and static parts of a resnet8 case at its tight budget. */
export async function tightSetup(
  options: Resnet8CaseOptions,
  strategy: string,
  dataFree = false,
): Promise<
  { spec: SearchSpec; st: SearchStatic; fraction: number; int8: number; kind: CaseBudgetKind }
> {
  const partial = {
    model: options.model ?? "resnet8",
    profile: "cortex-m7-stm32h743",
    strategy,
    dataFree,
    seed: options.seed ?? 0,
    calibration: options.calibration ?? 512,
    finetuneSteps: options.finetuneSteps ?? DEFAULT_FINETUNE_STEPS,
    ...(options.testLimit === undefined ? {} : { testLimit: options.testLimit }),
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
  };
  const st0 = await loadSearchStatic(makeSearchSpec(partial));
  const kind = options.kind ?? TIGHT_KIND;
  const t = tightBudget(st0, options.fraction ?? TIGHT_FRACTION, kind);
  const spec = makeSearchSpec({ ...partial, budgets: [t.budgets[0]!.text] });
  return { spec, st: await loadSearchStatic(spec), fraction: t.fraction, int8: t.int8, kind };
}

type Uniform = NonNullable<SearchResult["chosen"]["uniform"]>;

/** One strategy's search and records; `uniform` is the best uniform measured so far. */
async function strategyRecords(
  options: MixedVsUniformOptions,
  strategy: string,
  uniform: Uniform | null,
): Promise<{ records: BenchRecord[]; uniform: Uniform | null }> {
  const log = (s: string) => options.log(`${MIXED_VS_UNIFORM_CASE}: ${s}`);
  const { spec, st, fraction, int8, kind } = await tightSetup(options, strategy);
  const unit = kind === "flash" ? "B" : "ms";
  const uniforms = feasibleUniforms(st, st.budgets);
  log(
    `${strategy} at ${spec.budgets[0]} (${fraction} x int8 ${int8.toFixed(2)} ${unit}), ` +
      `${uniforms.length} uniform configurations fit`,
  );
  const t0 = performance.now();
  const result = await runSearch(spec, st, {
    compareUniform: uniform ? 0 : uniforms.length,
    onPhase: phaseLogger(log, strategy),
  });
  const seconds = (performance.now() - t0) / 1000;
  options.results?.set(strategy, result);
  const best = uniform ?? result.chosen.uniform ?? null;
  const out = recorder(MIXED_VS_UNIFORM_CASE, {
    strategy,
    model: spec.model,
    profile: spec.profile,
    budget: spec.budgets[0],
    fraction,
    kind,
    int8Cost: int8,
    int8Unit: unit,
    finetuneSteps: spec.finetuneSteps,
    testImages: spec.testLimit ?? 10000,
    uniformsFitting: uniforms.length,
    chosenLayers: result.chosen.layers,
    chosenCosts: result.chosen.costs,
    uniformLayers: best?.layers ?? null,
    uniformCosts: best?.costs ?? null,
    uniformsMeasured:
      result.chosen.uniforms?.map((u) => ({ layers: u.layers, accuracy: u.accuracy })) ?? null,
    floatAccuracy: result.baseline.accuracy,
    int8Accuracy: result.baseline.uniformAccuracy ?? null,
    searchSeconds: seconds,
    timings: result.timings,
  });
  const mixed = points(result.chosen.accuracy);
  out.value("mixed_accuracy", mixed, "%");
  out.value(kind === "flash" ? "budget_bytes" : "budget_ms", st.budgets[0]!.value, unit);
  if (best) {
    const u = points(best.accuracy);
    log(`${strategy}: mixed ${mixed}% vs best uniform ${u}%`);
    out.value("mixed_minus_uniform_points", Math.round((mixed - u) * 100) / 100, "points");
    out.value("uniform_accuracy", u, "%");
  } else {
    log(`${strategy}: mixed ${mixed}%, no uniform configuration fits`);
  }
  return { records: out.records, uniform: best };
}

/** Runs the case; a strategy that fails yields an error record. */
export async function benchMixedVsUniform(
  options: MixedVsUniformOptions,
): Promise<BenchRecord[]> {
  await initBackend();
  const records: BenchRecord[] = [];
  let uniform: Uniform | null = null;
  try {
    for (const strategy of options.strategies ?? ["mckp", "dnas"]) {
      try {
        const r = await strategyRecords(options, strategy, uniform);
        records.push(...r.records);
        uniform = r.uniform;
      } catch (e) {
        options.log(`${MIXED_VS_UNIFORM_CASE}: ${strategy} failed: ${(e as Error).message}`);
        const key = {
          suite: SEARCH_SUITE,
          case: MIXED_VS_UNIFORM_CASE,
          metric: "mixed_minus_uniform_points",
          unit: "points",
        };
        records.push(errorRecord(key, e, { extra: { strategy } }));
      }
    }
  } finally {
    await closeSessions();
  }
  return records;
}
