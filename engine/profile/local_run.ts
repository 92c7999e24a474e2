/**
 * One profiling run of this machine, end to end (what `deno task profile` does between
 * loading the models and writing the file): choose the networks (`width_configs.ts`), time
 * them (`measure_networks.ts`), pool per-layer samples into rows (`in_network.ts`,
 * `local_profile.ts`), calibrate the per-call overhead on the mixed-width networks
 * (`calibrate.ts`), check the result against the networks' plain calls, and build the
 * validated profile. No disk access; the machine facts (device, clock, load) come in
 * {@link LocalRunFacts}.
 *
 * @module
 */
import type { Graph } from "../models/ir.ts";
import { addOverhead, calibrateOverhead, floatLatencyMs, predictionErrors } from "./calibrate.ts";
import { overheadSamples, unitSamples } from "./in_network.ts";
import {
  buildLocalProfile,
  type CalibrationTarget,
  type LocalRunInfo,
  ROW_FENCE,
  rowFromSamples,
} from "./local_profile.ts";
import { DEFAULT_NETWORK_BURST, measureNetworks } from "./measure_networks.ts";
import { DEFAULT_REPS, DEFAULT_WARMUP } from "./measure_wasm.ts";
import { DEFAULT_PROFILE_WIDTHS, type ProfileUnit, profileUnits } from "./profiler.ts";
import { sampleStats } from "./sample_stats.ts";
import type { HardwareProfile, MeasuredRow } from "./types.ts";
import { type ProfilingNetwork, profilingNetworks } from "./width_configs.ts";

/** Seed of the profiling networks' random width configurations. @default 1 */
export const DEFAULT_PROFILE_SEED = 1;

/** What the caller knows about the machine and the command (see {@link LocalRunInfo}). */
export type LocalRunFacts = Omit<
  LocalRunInfo,
  | "reps"
  | "warmup"
  | "burst"
  | "models"
  | "widths"
  | "networks"
  | "stampCostMs"
  | "calibration"
  | "check"
  | "load"
>;

/** Options of {@link runLocalProfile}. */
export interface LocalRunOptions {
  /** Widths of every prunable group. @default DEFAULT_PROFILE_WIDTHS */
  readonly widths?: readonly number[];
  /** Timed rounds. @default DEFAULT_REPS */
  readonly reps?: number;
  /** Untimed rounds first. @default DEFAULT_WARMUP */
  readonly warmup?: number;
  /**
   * (stamped, plain) call pairs per network and round, after one untimed call: more pairs
   * time each network warmer, as a model called in a loop runs. @default DEFAULT_NETWORK_BURST
   */
  readonly burst?: number;
  /** Seed of the width configurations. @default DEFAULT_PROFILE_SEED */
  readonly seed?: number;
  /**
   * What the per-call overhead is fitted to: `stamped`, the time each calibration network's
   * stamped calls spend outside the layers; `plain`, its median plain call minus the sum of
   * its rows. `plain` fits the profiling networks' own plain calls best (in-session check
   * within 6%), but those run 20-35% slower than the same networks timed alone in the
   * closed-loop benchmark (33 networks cycle through the caches, 9 in the closed loop), so
   * it over-predicts there; `stamped` matched the closed loop within 10% (2026-11-29).
   * @default "stamped"
   */
  readonly calibration?: CalibrationTarget;
  /** The 1-minute load average now (`() => Deno.loadavg()[0]`), for the provenance. */
  readonly load?: () => number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

const fmtLoad = (x: number | undefined) => x === undefined ? "?" : x.toFixed(1);

/** A model to profile: its name (used in network and layer names) and its graph. */
export interface LocalModel {
  readonly name: string;
  readonly graph: Graph;
}

/** The validated profile of this machine for `models` (see the module doc). */
export function runLocalProfile(
  models: readonly LocalModel[],
  facts: LocalRunFacts,
  options: LocalRunOptions = {},
): HardwareProfile {
  const widths = options.widths ?? DEFAULT_PROFILE_WIDTHS;
  const reps = options.reps ?? DEFAULT_REPS;
  const warmup = options.warmup ?? DEFAULT_WARMUP;
  const burst = options.burst ?? DEFAULT_NETWORK_BURST;
  const log = options.log ?? (() => {});
  const units: ProfileUnit[] = [];
  const networks: ProfilingNetwork[] = [];
  for (const m of models) {
    const graph = { ...m.graph, name: m.name };
    profileUnits(graph, widths, units);
    const plan = profilingNetworks(graph, widths, { seed: options.seed ?? DEFAULT_PROFILE_SEED });
    networks.push(...plan.networks);
    for (const u of plan.uncovered) log(`  no profiling network contains ${u.op} ${u.layers}`);
  }
  const loadBefore = options.load?.();
  log(`profiling ${units.length} shapes inside ${networks.length} networks x ${reps} rounds`);
  const step = Math.max(1, Math.round(reps / 10));
  const graphs = networks.map((n) => n.graph);
  const session = measureNetworks(graphs, {
    reps,
    warmup,
    burst,
    onRound: (done, total) => {
      if (done % step === 0) log(`  round ${done}/${total} (load ${fmtLoad(options.load?.())})`);
    },
  });
  const plain = session.networks.map((s) => sampleStats(s.totals).median);
  const occurrences = unitSamples(units, graphs, session.networks);
  const rows: MeasuredRow[] = units.flatMap((u, i) => {
    const occ = occurrences[i]!.map((o) => ({ ...o, weight: 1 / plain[o.network]! ** 2 }));
    return occ.length > 0 ? [rowFromSamples(u, occ)] : [];
  });
  const loadAfter = options.load?.();
  const info: LocalRunInfo = {
    ...facts,
    reps,
    warmup,
    burst,
    models: models.map((m) => m.name),
    widths,
    networks: networks.map((n) => n.name),
    stampCostMs: session.stampCostMs,
    ...(loadBefore === undefined ? {} : {
      load: `1-min load average ${fmtLoad(loadBefore)} before, ${fmtLoad(loadAfter)} after`,
    }),
  };
  // Calibrate on the mixed-width networks only: the closed loop checks the uniform ones.
  const mixed = networks.map((n, i) => ({ n, i })).filter(({ n }) => !n.uniform);
  const calSet = mixed.length >= 2 ? mixed : networks.map((n, i) => ({ n, i }));
  const target = options.calibration ?? "stamped";
  const uncalibrated = buildLocalProfile(rows, info);
  const cal = calibrateOverhead(
    uncalibrated,
    calSet.map(({ n }) => n.graph),
    calSet.map(({ n, i }) =>
      target === "plain"
        ? plain[i]! - floatLatencyMs(uncalibrated, n.graph)
        : sampleStats(overheadSamples(units, n.graph, session.networks[i]!), {
          fence: ROW_FENCE,
        }).mean
    ),
  );
  const calibrated = addOverhead(rows, cal);
  const errors = predictionErrors(buildLocalProfile(calibrated, info), graphs, plain);
  networks.forEach((n, i) => {
    log(
      `  ${n.name.padEnd(36)} plain median ${plain[i]!.toFixed(3)} ms, predicted ` +
        `${errors[i]! >= 0 ? "+" : ""}${(100 * errors[i]!).toFixed(1)}%`,
    );
  });
  log(
    `per-call overhead (${target}): ${(1000 * cal.overheadMs).toFixed(2)} us per layer + ` +
      `${(1e6 * cal.perElementMs).toFixed(3)} ns per output element ` +
      `(rms error of the fit ${(100 * cal.rmsRelError).toFixed(1)}%)`,
  );
  return buildLocalProfile(calibrated, {
    ...info,
    calibration: { ...cal, on: cal.points.map((p) => p.network), target },
    check: { networks: networks.length, errors },
  });
}
