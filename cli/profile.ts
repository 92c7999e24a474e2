/**
 * `deno task profile`: builds a hardware profile of THIS machine (tfjs wasm, batch 1, one
 * thread), or imports a hardware team's CSV measurements into a profile.
 *
 * ```
 * deno task profile --model M [--model M2 ...] --out profiles/local-wasm.json
 *                   [--reps N] [--warmup N] [--widths 0.5,0.75,1] [--seed N]
 *                   [--calibration stamped|plain] [--burst N]
 * deno task profile import FILE.csv --base P --out Q
 * ```
 *
 * Measuring: every layer shape of the models at every width pair (see
 * `engine/profile/profiler.ts`), timed inside whole networks pruned to mixed widths that
 * together contain every shape (`width_configs.ts`, `measure_networks.ts`, `in_network.ts`),
 * one float32 row per shape (median, fenced mean, std, count), the per-call overhead
 * calibrated on the same networks (`calibrate.ts`), analytic fallback fitted to the rows
 * (`local_profile.ts`). The profile's name is the output file name without `.json`. Bad
 * input: one line on stderr, exit code 2; nothing is written.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { initBackend } from "../engine/backend.ts";
import { graphFromLayersModel, UnsupportedLayerError } from "../engine/models/from_layers.ts";
import type { Graph } from "../engine/models/ir.ts";
import { resolveModel } from "../engine/models/load.ts";
import { ModelLoadError } from "../engine/models/model_json.ts";
import { buildZooModel, isZooName } from "../engine/models/zoo.ts";
import { MeasurementsCsvError } from "../engine/profile/csv.ts";
import { ProfileError } from "../engine/profile/errors.ts";
import { formatProfile } from "../engine/profile/load.ts";
import { DEFAULT_PROFILE_SEED, runLocalProfile } from "../engine/profile/local_run.ts";
import { DEFAULT_NETWORK_BURST } from "../engine/profile/measure_networks.ts";
import { DEFAULT_REPS, DEFAULT_WARMUP } from "../engine/profile/measure_wasm.ts";
import { DEFAULT_PROFILE_WIDTHS } from "../engine/profile/profiler.ts";
import { PROFILE_NAME_SYNTAX } from "../engine/profile/validate.ts";
import { oneLine, runCli, UsageError } from "./args.ts";
import { localRunFacts } from "./machine_facts.ts";
import { checkOutFile, writeOutFile } from "./out_file.ts";
import { IMPORT_USAGE, ProfileUsageError, runImport } from "./profile_import.ts";

const USAGE = "usage: deno task profile --model M [--model M2 ...] --out FILE [--reps N] " +
  "[--warmup N] [--widths 0.5,0.75,1] [--seed N] [--calibration stamped|plain] " +
  "[--burst N] | " +
  "deno task profile import FILE.csv --base P --out Q";

function intOf(raw: string | undefined, flag: string, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isInteger(n) || n < min) {
    throw new ProfileUsageError(`--${flag} must be an integer >= ${min}, got "${raw}"`);
  }
  return n;
}

function widthsOf(raw: string | undefined): number[] {
  if (raw === undefined) return [...DEFAULT_PROFILE_WIDTHS];
  const ws = raw.split(",").map((s) => Number(s.trim()));
  if (ws.some((w) => !(w > 0 && w <= 1))) {
    throw new ProfileUsageError(`--widths must be fractions in (0, 1], got "${raw}"`);
  }
  return ws;
}

/** A model's graph: a zoo name builds the architecture (weights do not matter for timing). */
async function loadGraph(model: string): Promise<Graph> {
  const layers = isZooName(model) ? buildZooModel(model) : await resolveModel(model);
  const graph = graphFromLayersModel(layers);
  layers.dispose();
  return graph;
}

async function runMeasure(args: readonly string[]): Promise<string> {
  let v;
  try {
    v = parseArgs({
      args: [...args],
      options: {
        model: { type: "string", multiple: true },
        out: { type: "string" },
        reps: { type: "string" },
        warmup: { type: "string" },
        widths: { type: "string" },
        seed: { type: "string" },
        calibration: { type: "string" },
        burst: { type: "string" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    throw new ProfileUsageError(`${(e as Error).message}; ${USAGE}`, { cause: e });
  }
  if (!v.model?.length || !v.out) {
    throw new ProfileUsageError(`--model and --out are required; ${USAGE}`);
  }
  const reps = intOf(v.reps, "reps", DEFAULT_REPS, 1);
  const warmup = intOf(v.warmup, "warmup", DEFAULT_WARMUP, 0);
  const seed = intOf(v.seed, "seed", DEFAULT_PROFILE_SEED, 0);
  const burst = intOf(v.burst, "burst", DEFAULT_NETWORK_BURST, 1);
  const widths = widthsOf(v.widths);
  const calibration = v.calibration ?? "stamped";
  if (calibration !== "stamped" && calibration !== "plain") {
    throw new ProfileUsageError(
      `--calibration must be stamped or plain, got "${calibration}"; ${USAGE}`,
    );
  }
  const name = v.out.split(/[\/\\]/).at(-1)!.replace(/\.json$/, "");
  if (!PROFILE_NAME_SYNTAX.test(name)) {
    // Checked before measuring: the profile would be rejected only after the whole run.
    throw new ProfileUsageError(
      `--out names the profile: its file name without .json must match ` +
        `[a-z0-9][a-z0-9-]*, got "${name}"; ${USAGE}`,
    );
  }
  await checkOutFile(v.out, "out");
  await initBackend();
  const models = [];
  for (const m of v.model) models.push({ name: m, graph: await loadGraph(m) });
  const facts = await localRunFacts(name, `deno task profile ${args.join(" ")}`);
  const profile = runLocalProfile(models, facts, {
    widths,
    reps,
    warmup,
    seed,
    calibration,
    burst,
    load: () => Deno.loadavg()[0]!,
    log: (line) => console.error(line),
  });
  await writeOutFile(v.out, formatProfile(profile));
  return v.out;
}

/** Runs the command; returns the exit code (0 ok, 2 bad input). */
export async function main(args: readonly string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(args[0] === "import" ? IMPORT_USAGE : USAGE);
    return 0;
  }
  try {
    const out = args[0] === "import" ? await runImport(args.slice(1)) : await runMeasure(args);
    console.log(`wrote ${out}`);
    return 0;
  } catch (e) {
    const known = e instanceof ProfileUsageError || e instanceof UsageError ||
      e instanceof MeasurementsCsvError ||
      e instanceof ProfileError || e instanceof RangeError || e instanceof TypeError ||
      e instanceof ModelLoadError || e instanceof UnsupportedLayerError;
    if (!known) throw e;
    console.error(`error: ${oneLine((e as Error).message)}`);
    return 2;
  }
}

if (import.meta.main) {
  // Other errors as every CLI prints them: first line, exit 1 (runCli).
  await runCli(async () => {
    const code = await main(Deno.args);
    if (code !== 0) Deno.exit(code);
  });
}
