/**
 * Case `cnn-s/dnas-vs-best`: how far the accuracy of `dnas`'s choice is from the best
 * feasible configuration, found by measuring every feasible configuration. To make that
 * enumeration affordable the space is bits only (widths fixed at 1: 3^4 = 81 configurations
 * on cnn-s / Cortex-M7) and every configuration, dnas's included, is measured the same way:
 * post-training quantization with the same calibration images, no fine-tuning, on the whole
 * test set. `dnas` runs with three seeds (one record each, and the worst gap), so a
 * lucky seed cannot pass the target alone.
 *
 * @module
 */
import { initBackend } from "../../engine/backend.ts";
import { compressCandidate } from "../../engine/search/compress.ts";
import { DNAS_SEARCH_OPTIONS } from "../../engine/search/jobs.ts";
import { closeSessions, sessionOf } from "../../engine/search/session.ts";
import { makeSearchSpec } from "../../engine/search/spec.ts";
import { problemOf, type SearchStatic } from "../../engine/search/static.ts";
import { choicesOfSpace } from "../../engine/sensitivity/choices.ts";
import { dataDrivenSensitivity } from "../../engine/sensitivity/data_driven.ts";
import { optionValues } from "../../engine/sensitivity/table.ts";
import { buildSearchSpace, choiceOfGenes, nextGenes } from "../../engine/space.ts";
import type { DnasResources } from "../../engine/strategies/dnas.ts";
import { candidateOf } from "../../engine/strategies/evaluate.ts";
import { createStrategy } from "../../engine/strategies/registry.ts";
import type { Candidate } from "../../engine/strategies/types.ts";
import { type BenchRecord, errorRecord } from "../record.ts";
import { budgetOf, type CaseBudgetKind, costRange } from "./budgets.ts";
import { points, recorder, SEARCH_SUITE, type SearchCaseOptions } from "./common.ts";

/** Case name. */
export const DNAS_VS_BEST_CASE = "cnn-s/dnas-vs-best";

/** Options of {@linkcode benchDnasVsBest}. */
export interface DnasVsBestOptions extends SearchCaseOptions {
  /**
   * Test images every configuration is measured on. The configurations differ by tenths of
   * a point, so the whole test set: on 2,000 images the "best" is mostly the luckiest.
   * @default 10000
   */
  readonly testLimit?: number;
  /** Calibration images (activation ranges and sensitivities). @default 512 */
  readonly calibration?: number;
  /**
   * What the budget limits. On the Cortex-M7 profile every bit pair of a layer has the same
   * latency (only widths change it), so on the bits-only space a latency budget never binds
   * and the default limits flash instead. @default "flash"
   */
  readonly kind?: CaseBudgetKind;
  /** Budget position between the smallest and the uniform int8 cost. @default 0.5 */
  readonly fraction?: number;
  /** `dnas` options. @default DNAS_SEARCH_OPTIONS (what `deno task search` uses) */
  readonly dnas?: Readonly<Record<string, unknown>>;
  /** Seeds `dnas` runs with (one record each). @default [seed, seed + 1, seed + 2] */
  readonly seeds?: readonly number[];
}

/** Runs the case (throws when the model or data cannot be loaded). */
export async function benchDnasVsBest(options: DnasVsBestOptions): Promise<BenchRecord[]> {
  await initBackend();
  const log = (s: string) => options.log(`${DNAS_VS_BEST_CASE}: ${s}`);
  const seed0 = options.seed ?? 0;
  const seeds = options.seeds ?? [seed0, seed0 + 1, seed0 + 2];
  const spec = makeSearchSpec({
    model: options.model ?? "cnn-s",
    profile: "cortex-m7-stm32h743",
    strategy: "dnas",
    calibration: options.calibration ?? 512,
    testLimit: options.testLimit ?? 10000,
    finetuneSteps: 0,
    seed: options.seed ?? 0,
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
  });
  try {
    const session = await sessionOf(spec);
    const { graph, profile } = session.static;
    const space = buildSearchSpace(graph, profile, { widths: [1] });
    const st: SearchStatic = { ...session.static, space };
    const table = dataDrivenSensitivity(graph, session.weights, session.calibration!, {
      choices: choicesOfSpace(space),
    });
    const problem = problemOf(st, optionValues(table, space));
    const kind = options.kind ?? "flash";
    const range = costRange(problem, kind);
    const fraction = options.fraction ?? 0.5;
    const budgets = budgetOf(kind, range.min + fraction * (range.int8 - range.min));
    const all: Candidate[] = [];
    const genes = new Int32Array(space.genes.length);
    do all.push(candidateOf(problem, choiceOfGenes(space, genes), budgets)); while (
      nextGenes(space, genes)
    );
    const feasible = all.filter((c) => c.feasible);
    const accuracy = new Map<string, number>();
    const measure = async (c: Candidate): Promise<number> => {
      const key = c.choice.join();
      let a = accuracy.get(key);
      if (a === undefined) {
        const r = await compressCandidate(session, c.configuration.layers, {
          finetuneSteps: 0,
          seed: spec.seed,
        });
        a = r.accuracy ?? NaN;
        accuracy.set(key, a);
      }
      return a;
    };
    log(`${budgets[0]!.text}: measuring ${feasible.length} of ${all.length} configurations`);
    const t0 = performance.now();
    for (const [i, c] of feasible.entries()) {
      await measure(c);
      if ((i + 1) % 10 === 0) log(`measured ${i + 1}/${feasible.length}`);
    }
    const enumerateSeconds = (performance.now() - t0) / 1000;
    const best = feasible.reduce((a, b) => (accuracy.get(b.choice.join())! >
        accuracy.get(a.choice.join())!
      ? b
      : a)
    );
    const bestAcc = accuracy.get(best.choice.join())!;
    const extra = {
      model: spec.model,
      profile: spec.profile,
      budget: budgets[0]!.text,
      fraction,
      budgetRange: range,
      testImages: session.test?.n ?? 0,
      calibrationImages: spec.calibration,
      evaluation: "PTQ, no fine-tuning",
      bestLayers: best.configuration.layers,
      enumerateSeconds,
    };
    const out = recorder(DNAS_VS_BEST_CASE, extra);
    const sorted = () => [...accuracy.values()].sort((a, b) => b - a);
    const gaps: number[] = [];
    for (const seed of seeds) {
      log(`dnas on the bits-only space, seed ${seed}`);
      try {
        const t1 = performance.now();
        const resources: DnasResources = {
          graph,
          profile,
          weights: session.weights,
          settings: session.settings,
          train: session.train!,
        };
        const r = await createStrategy("dnas", options.dnas ?? DNAS_SEARCH_OPTIONS)
          .run({ problem, budgets, seed, resources });
        const dnasSeconds = (performance.now() - t1) / 1000;
        const dnasAcc = await measure(r.chosen);
        const dnas = {
          seed,
          dnasLayers: r.chosen.configuration.layers,
          dnasFeasible: r.chosen.feasible,
          dnasRank: sorted().filter((a) => a > dnasAcc).length + 1,
          dnasSeconds,
        };
        log(`seed ${seed}: best ${points(bestAcc)}%, dnas ${points(dnasAcc)}%`);
        const gap = Math.round((points(bestAcc) - points(dnasAcc)) * 100) / 100;
        gaps.push(gap);
        out.value("accuracy_gap_points", gap, "points", dnas);
        out.value("dnas_accuracy", points(dnasAcc), "%", dnas);
      } catch (e) {
        log(`dnas seed ${seed} failed: ${(e as Error).message}`);
        for (const [metric, unit] of [["accuracy_gap_points", "points"], ["dnas_accuracy", "%"]]) {
          out.records.push(
            errorRecord(
              { suite: SEARCH_SUITE, case: DNAS_VS_BEST_CASE, metric: metric!, unit: unit! },
              e,
              { extra: { ...extra, seed } },
            ),
          );
        }
      }
    }
    if (gaps.length === seeds.length) {
      // The target holds only if it holds for every seed.
      out.value("accuracy_gap_points_max", Math.max(...gaps), "points", { seeds, gaps });
    }
    out.value("best_accuracy", points(bestAcc), "%");
    // How discriminative the case is: a gap is only meaningful against this spread.
    const worstAcc = Math.min(...feasible.map((c) => accuracy.get(c.choice.join())!));
    out.value("worst_feasible_accuracy", points(worstAcc), "%");
    out.value("feasible_configs", feasible.length, "configs", { spaceConfigs: all.length });
    return out.records;
  } finally {
    await closeSessions();
  }
}
