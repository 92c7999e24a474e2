/**
 * Case `default-search/time`: wall time of `deno task search` with its defaults (resnet8
 * from the zoo, the Cortex-M7 profile, the default budget, `dnas`), run as a subprocess
 * (`deno run -A cli/search.ts --out DIR`) twice in a row. The trained baseline ships in
 * `zoo/`, so no run trains it. What differs between the runs is only what the first leaves
 * cached: the OS page cache (model, dataset, wasm binary) and Deno's compiled-module cache.
 * The first run is `cold` only in that sense; the page cache is not dropped (that needs root
 * and would slow every other process on the machine).
 *
 * @module
 */
import type { SearchResult } from "../../engine/search/result.ts";
import { type BenchRecord, errorRecord } from "../record.ts";
import { loadAverage, points, recorder, SEARCH_SUITE, type SearchCaseOptions } from "./common.ts";

/** Case names: the first and the second run. */
export const DEFAULT_TIME_CASES = ["default-search/time/cold", "default-search/time/warm"];

/** Options of {@linkcode benchDefaultTime}. */
export interface DefaultTimeOptions extends SearchCaseOptions {
  /** Extra command-line flags (tests use them to shrink the run). @default [] */
  readonly flags?: readonly string[];
  /** Runs, the first labelled cold. @default 2 */
  readonly runs?: number;
  /** Repository root (where `cli/search.ts` is). @default the root of this file's repository */
  readonly root?: string;
}

const ROOT = new URL("../../", import.meta.url).pathname;

async function once(root: string, flags: readonly string[]): Promise<{
  seconds: number;
  result: SearchResult;
}> {
  const out = await Deno.makeTempDir({ prefix: "tailor-bench-search-" });
  try {
    const t0 = performance.now();
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "cli/search.ts", "--out", `${out}/run`, ...flags],
      cwd: root,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const [status, , stderr] = await Promise.all([
      child.status,
      child.stdout.pipeTo(new WritableStream()),
      new Response(child.stderr).text(),
    ]);
    const seconds = (performance.now() - t0) / 1000;
    if (!status.success) {
      const tail = stderr.trim().split(/[\r\n]+/).slice(-3).join(" | ");
      throw new Error(`deno task search exited with ${status.code}: ${tail}`);
    }
    const result = JSON.parse(await Deno.readTextFile(`${out}/run/result.json`)) as SearchResult;
    return { seconds, result };
  } finally {
    await Deno.remove(out, { recursive: true }).catch(() => {});
  }
}

/** Runs the default search `runs` times; a failing run yields an error record. */
export async function benchDefaultTime(options: DefaultTimeOptions): Promise<BenchRecord[]> {
  const records: BenchRecord[] = [];
  const runs = options.runs ?? 2;
  const flags = options.flags ?? [];
  for (let i = 0; i < runs; i++) {
    const name = DEFAULT_TIME_CASES[Math.min(i, 1)]!;
    const cache = i === 0
      ? "first run: OS page cache and Deno module cache as left by earlier work"
      : "after the previous run: model, dataset and compiled modules cached";
    const common = { command: `deno run -A cli/search.ts ${flags.join(" ")}`.trim(), cache };
    options.log(`${name}: ${common.command} (load ${loadAverage()})`);
    try {
      const loadBefore = loadAverage();
      const { seconds, result } = await once(options.root ?? ROOT, flags);
      const out = recorder(name, {
        ...common,
        loadAvgBefore: loadBefore,
        strategy: result.strategy,
        budgets: result.budgets.map((b) => b.text),
        chosenAccuracy: points(result.chosen.accuracy),
        chosenLatencyMs: result.chosen.costs.latencyMs,
        timings: result.timings,
      });
      options.log(`${name}: ${seconds.toFixed(1)} s`);
      out.value("seconds", seconds, "s");
      records.push(...out.records);
    } catch (e) {
      options.log(`${name}: failed: ${(e as Error).message}`);
      records.push(
        errorRecord({ suite: SEARCH_SUITE, case: name, metric: "seconds", unit: "s" }, e, {
          extra: common,
        }),
      );
    }
  }
  return records;
}
