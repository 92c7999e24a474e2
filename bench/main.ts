/**
 * `deno task bench`: runs benchmark suites, prints a table to stdout and optionally writes
 * the records as JSON.
 *
 * ```
 * deno task bench --suite train --json out.json [--models cnn-s,resnet8] [--reps 10]
 *                 [--warmup 3] [--budget-ms 60000] [--no-peer]
 * deno task bench --suite all
 * deno task bench --list
 * ```
 *
 * Every record carries `allocator`: `tuned` when this process runs with the glibc settings of
 * `bench/allocator.ts` (as `deno task bench` starts it), else `default`, with a warning: peers
 * always run tuned, so an untuned run of ours is at a disadvantage.
 *
 * Exit codes: 0 all cases measured, 1 a case or suite failed (records still written),
 * 2 bad usage (unknown suite or option).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { allocatorSetting, TUNED_MALLOC_ENV } from "./allocator.ts";
import type { BenchRecord } from "./record.ts";
import { UsageError } from "../cli/args.ts";
import { checkOutFile, writeOutFile } from "../cli/out_file.ts";
import type { Suite, SuiteOptions } from "./suite.ts";
import { selectSuites, SUITES, UnknownSuiteError } from "./suites.ts";
import { formatTable } from "./table.ts";
import { enterCallerDir } from "../cli/caller_dir.ts";

const USAGE = "usage: deno task bench (--suite NAME|all [--json FILE] [--models a,b] " +
  "[--reps N] [--warmup N] [--budget-ms MS] [--no-peer] | --list)";

function intOption(name: string, raw: string | undefined, min: number): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) {
    throw new UsageError(`Option --${name} must be an integer >= ${min}: got "${raw}"`);
  }
  return v;
}

/**
 * Checks `--models` against the selected suites: with one suite, every name must be one of
 * its cases; with several (`all`), one of some suite's. Throws a RangeError otherwise.
 */
async function checkCases(suites: readonly Suite[], cases: readonly string[]): Promise<void> {
  const selecting = suites.filter((s) => s.checkCases !== undefined);
  if (selecting.length === 0) {
    throw new RangeError(
      `suite ${suites.map((s) => s.name).join(", ")} has no cases for --models to select`,
    );
  }
  for (const c of cases) {
    const errors: string[] = [];
    for (const s of selecting) {
      try {
        await s.checkCases!([c]);
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
        errors.push(e.message);
      }
    }
    if (errors.length === selecting.length) throw new RangeError(errors.join("; "));
  }
}

/** Writes text to stderr. */
function err(line: string): void {
  console.error(line);
}

/**
 * Runs the CLI on `args` and returns the process exit code (0 ok, 1 a case failed,
 * 2 bad usage). Prints the table to stdout and progress to stderr.
 *
 * @example
 * ```ts
 * import { runBenchCli } from "./bench/main.ts";
 * const code = await runBenchCli(["--suite", "selftest"]);
 * console.assert(code === 0);
 * ```
 */
export async function runBenchCli(args: readonly string[]): Promise<number> {
  let suiteName: string;
  let jsonPath: string | undefined;
  let options: SuiteOptions;
  try {
    const { values } = parseArgs({
      args: [...args],
      options: {
        suite: { type: "string" },
        json: { type: "string" },
        list: { type: "boolean" },
        models: { type: "string" },
        reps: { type: "string" },
        warmup: { type: "string" },
        "budget-ms": { type: "string" },
        "no-peer": { type: "boolean" },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.list) {
      for (const s of SUITES) {
        console.log(
          `${s.name.padEnd(10)} ${s.description}${s.inAll === false ? " (not in all)" : ""}`,
        );
      }
      return 0;
    }
    if (values.suite === undefined) throw new UsageError("Missing --suite.");
    suiteName = values.suite;
    jsonPath = values.json;
    const cases = values.models?.split(",").map((s) => s.trim()).filter((s) => s !== "");
    options = {
      ...(cases ? { cases } : {}),
      ...(values.reps !== undefined ? { reps: intOption("reps", values.reps, 1) } : {}),
      ...(values.warmup !== undefined ? { warmup: intOption("warmup", values.warmup, 0) } : {}),
      ...(values["budget-ms"] !== undefined
        ? { budgetMs: intOption("budget-ms", values["budget-ms"], 1) }
        : {}),
      noPeer: values["no-peer"] ?? false,
      log: err,
    };
  } catch (e) {
    err(`bench: ${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
    return 2;
  }
  let suites;
  try {
    suites = selectSuites(suiteName);
    if (options.cases) await checkCases(suites, options.cases);
    // Checked before the suites run, so that no measurement is lost to a bad path.
    if (jsonPath !== undefined) await checkOutFile(jsonPath, "json");
  } catch (e) {
    if (e instanceof UnknownSuiteError || e instanceof RangeError || e instanceof UsageError) {
      err(`bench: ${e.message}`);
      return 2;
    }
    throw e;
  }
  const allocator = allocatorSetting();
  if (allocator === "default") {
    err(
      `bench: this process runs with glibc's default malloc settings and the peers with ${
        Object.entries(TUNED_MALLOC_ENV).map(([k, v]) => `${k}=${v}`).join(" ")
      }: run it through deno task bench for a like-for-like comparison`,
    );
  }
  const records: BenchRecord[] = [];
  let failed = false;
  for (const suite of suites) {
    try {
      records.push(...(await suite.run(options)).map((r) => ({ ...r, allocator })));
    } catch (e) {
      failed = true;
      err(`bench: suite ${suite.name} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  failed ||= records.some((r) => r.value === null);
  console.log(formatTable(records));
  if (jsonPath !== undefined) {
    await writeOutFile(jsonPath, JSON.stringify(records, null, 2) + "\n");
    err(`bench: wrote ${records.length} records to ${jsonPath}`);
  }
  return failed ? 1 : 0;
}

if (import.meta.main) {
  enterCallerDir();
  Deno.exit(await runBenchCli(Deno.args));
}
