/**
 * The `search` suite's cases, selected by name, each turned into error records when it
 * cannot run (missing zoo model, missing data, a failing strategy) rather than a throw.
 *
 * @module
 */
import type { SearchResult } from "../../engine/search/result.ts";
import { type BenchRecord, errorRecord } from "../record.ts";
import { SEARCH_SUITE, type SearchCaseOptions } from "./common.ts";
import { benchDataFree, DATA_FREE_CASE } from "./data_free.ts";
import { benchDefaultTime } from "./default_time.ts";
import { benchDnasVsBest, DNAS_VS_BEST_CASE } from "./dnas_vs_best.ts";
import { benchMckpExact, MCKP_EXACT_CASE } from "./mckp_exact.ts";
import {
  benchMixedVsUniform,
  MIXED_VS_UNIFORM_CASE,
  type Resnet8CaseOptions,
} from "./mixed_vs_uniform.ts";

/** Every case, in run order (the data-free case reuses the mixed-vs-uniform mckp run). */
export const SEARCH_CASES = [
  MCKP_EXACT_CASE,
  DNAS_VS_BEST_CASE,
  MIXED_VS_UNIFORM_CASE,
  DATA_FREE_CASE,
  "default-search/time",
] as const;

/** A case name. */
export type SearchCaseName = typeof SEARCH_CASES[number];

/** Options of {@linkcode benchSearch}. */
export interface BenchSearchOptions extends Omit<SearchCaseOptions, "model"> {
  /**
   * Cases to run: full names, or a prefix before `/` (`resnet8` selects both resnet8 cases).
   * All when absent or empty. A name that selects nothing yields an error record.
   */
  readonly cases?: readonly string[];
  /** Timed repetitions where they apply (`cnn-s/mckp-exact` strategy timings). */
  readonly reps?: number;
  /** Models to use instead of the zoo's, by zoo name (`{"cnn-s": "/tmp/m"}`). */
  readonly models?: Readonly<Record<string, string>>;
  /** Flags added to the timed `deno task search` runs. */
  readonly defaultSearchFlags?: readonly string[];
  /** Settings of the resnet8 cases (fewer fine-tuning steps or test images on a busy machine). */
  readonly resnet8?: Pick<Resnet8CaseOptions, "finetuneSteps" | "testLimit" | "fraction">;
}

function selects(name: string, wanted: string): boolean {
  return name === wanted || name.startsWith(`${wanted}/`);
}

/**
 * Throws a RangeError for a name that selects no case (a full case name, or its model
 * before `/`).
 */
export function checkSearchCases(cases: readonly string[]): void {
  const unknown = cases.find((w) => !SEARCH_CASES.some((c) => selects(c, w)));
  if (unknown !== undefined) {
    throw new RangeError(
      `Unknown search case "${unknown}": known cases are ${SEARCH_CASES.join(", ")}`,
    );
  }
}

/**
 * Runs the selected cases.
 *
 * @example
 * ```ts ignore
 * const records = await benchSearch({ cases: ["cnn-s/mckp-exact"], log: console.error });
 * ```
 */
export async function benchSearch(options: BenchSearchOptions): Promise<BenchRecord[]> {
  const wanted = options.cases && options.cases.length > 0 ? options.cases : undefined;
  const chosen = SEARCH_CASES.filter((c) => !wanted || wanted.some((w) => selects(c, w)));
  const records: BenchRecord[] = [];
  for (const w of wanted ?? []) {
    if (!SEARCH_CASES.some((c) => selects(c, w))) {
      records.push(
        errorRecord(
          { suite: SEARCH_SUITE, case: w, metric: "-", unit: "-" },
          new RangeError(`Unknown search case "${w}": known cases are ${SEARCH_CASES.join(", ")}`),
        ),
      );
    }
  }
  const results = new Map<string, SearchResult>();
  const base = {
    log: options.log,
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  };
  const modelOf = (zoo: string) =>
    options.models?.[zoo] === undefined ? {} : { model: options.models[zoo]! };
  const runners: Record<SearchCaseName, () => Promise<BenchRecord[]>> = {
    "cnn-s/mckp-exact": () =>
      benchMckpExact({
        ...base,
        ...modelOf("cnn-s"),
        ...(options.reps === undefined ? {} : { reps: options.reps }),
      }),
    "cnn-s/dnas-vs-best": () => benchDnasVsBest({ ...base, ...modelOf("cnn-s") }),
    "resnet8/mixed-vs-uniform": () =>
      benchMixedVsUniform({ ...base, ...options.resnet8, ...modelOf("resnet8"), results }),
    "resnet8/data-free": () =>
      benchDataFree({ ...base, ...options.resnet8, ...modelOf("resnet8"), results }),
    "default-search/time": () =>
      benchDefaultTime({
        ...base,
        ...(options.defaultSearchFlags ? { flags: options.defaultSearchFlags } : {}),
      }),
  };
  for (const name of chosen) {
    const t0 = performance.now();
    options.log(`search: ${name}`);
    try {
      records.push(...await runners[name]());
    } catch (e) {
      options.log(`search: ${name} failed: ${(e as Error).message}`);
      records.push(
        errorRecord({ suite: SEARCH_SUITE, case: name, metric: "-", unit: "-" }, e),
      );
    }
    options.log(`search: ${name} done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  return records;
}
