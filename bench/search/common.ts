/**
 * What the `search` suite's cases share: their options, one-sample records, the machine's
 * load, and a whole search run through the coordinator on an in-process bus (exactly as
 * `deno task search` runs it).
 *
 * @module
 */
import { coordinateSearch } from "../../actors/coordinator.ts";
import { InProcessBus } from "../../actors/bus/in_process.ts";
import { decode } from "../../actors/codec.ts";
import { busJobQueue } from "../../actors/job_queue.ts";
import { createSubjects } from "../../actors/protocol.ts";
import { searchHandlers } from "../../actors/search_handlers.ts";
import { startWorker } from "../../actors/worker.ts";
import type { SearchResult } from "../../engine/search/result.ts";
import type { SearchSpec } from "../../engine/search/spec.ts";
import type { SearchStatic } from "../../engine/search/static.ts";
import { type BenchRecord, makeRecord } from "../record.ts";
import type { SampleSummary } from "../stats.ts";

/** Suite name of every record. */
export const SEARCH_SUITE = "search";

/** Options of every case of the `search` suite. */
export interface SearchCaseOptions {
  /** Progress lines. */
  readonly log: (line: string) => void;
  /** Model to use instead of the zoo model the case names (a directory with `model.json`). */
  readonly model?: string;
  /** Fashion-MNIST directory (`undefined`: the Debian package's). */
  readonly dataDir?: string;
  /** Seed of every random choice. @default 0 */
  readonly seed?: number;
}

/** Builds the records of one case: `value(metric, x, unit, extra?)`. */
export function recorder(caseName: string, common: Record<string, unknown> = {}) {
  const records: BenchRecord[] = [];
  return {
    records,
    /** Adds a one-sample record (or a summary of several samples). */
    value(
      metric: string,
      x: number | SampleSummary,
      unit: string,
      extra: Record<string, unknown> = {},
    ): void {
      const summary = typeof x === "number" ? { median: x, min: x, p90: x, n: 1 } : x;
      records.push(
        makeRecord(
          { suite: SEARCH_SUITE, case: caseName, metric, unit },
          summary,
          { extra: { ...common, ...extra, loadAvg1: loadAverage() } },
        ),
      );
    },
  };
}

/** The 1-minute load average, or `null` where `/proc/loadavg` is not readable. */
export function loadAverage(): number | null {
  try {
    const first = Deno.readTextFileSync("/proc/loadavg").split(" ")[0];
    const x = Number(first);
    return Number.isFinite(x) ? x : null;
  } catch {
    return null;
  }
}

/** Accuracy in [0, 1] as percentage points, rounded to 0.01. */
export function points(accuracy: number): number {
  return Math.round(accuracy * 10000) / 100;
}

/** Options of {@linkcode runSearch}. */
export interface RunSearchOptions {
  /** Uniform configurations the coordinator measures for comparison. @default 1 */
  readonly compareUniform?: number;
  /** Told every progress event (phase, done, total). */
  readonly onPhase?: (phase: string, done: number, total: number) => void;
}

/**
 * Runs a whole search through `coordinateSearch` with one worker on an in-process bus.
 *
 * @example
 * ```ts ignore
 * const spec = makeSearchSpec({ model: "resnet8", strategy: "mckp" });
 * const result = await runSearch(spec, await loadSearchStatic(spec));
 * console.log(result.chosen.accuracy);
 * ```
 */
export async function runSearch(
  spec: SearchSpec,
  st: SearchStatic,
  options: RunSearchOptions = {},
): Promise<SearchResult> {
  const bus = new InProcessBus();
  const subjects = createSubjects();
  const run = `bench-${spec.strategy}-${spec.dataFree ? "free" : "data"}`;
  bus.subscribe(subjects.events(run), (m) => {
    const e = decode(m.data);
    if (e.type === "progress") options.onPhase?.(e.phase, e.done, e.total);
  });
  const worker = startWorker(bus, {
    id: "bench-w0",
    subjects,
    handlers: searchHandlers(bus, subjects),
    heartbeatMs: 0,
  });
  try {
    return await coordinateSearch({
      bus,
      queue: busJobQueue(bus, subjects),
      subjects,
      run,
      spec,
      static: st,
      ...(options.compareUniform === undefined ? {} : { compareUniform: options.compareUniform }),
    });
  } finally {
    await worker.drain();
    await bus.close();
  }
}

/** Logs a phase when it changes, and at most every `everyMs` within a phase. */
export function phaseLogger(
  log: (line: string) => void,
  prefix: string,
  everyMs = 30_000,
): (phase: string, done: number, total: number) => void {
  let last = "";
  let at = 0;
  return (phase, done, total) => {
    const t = Date.now();
    if (phase === last && t - at < everyMs) return;
    last = phase;
    at = t;
    log(`${prefix}: ${phase} ${done}/${total}`);
  };
}
