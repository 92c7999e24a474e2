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
import { fenceStampedCalls, overheadSamples, unitSamples } from "./in_network.ts";
import {
  buildLocalProfile,
  type CalibrationTarget,
  type LocalRunInfo,
  ROW_FENCE,
  rowFromSamples,
} from "./local_profile.ts";
import { DEFAULT_NETWORK_BURST, measureNetworks, type NetworkSamples } from "./measure_networks.ts";
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
   * stamped calls spend outside the layers; `plain`, the mean of its plain calls inside the
   * rows' fences minus the sum of its rows. With calls fenced whole (2026-11-29) both predict
   * the checked networks of the same session within 5%; before, per-layer fences left the
   * rows 10-16% short and only `plain` made up for it.
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
  return runLocalProfileAlongside(models, facts, [], options).profile;
}

/** Result of {@link runLocalProfileAlongside}. */
export interface AlongsideRun {
  /** The profile, from the profiling networks only. */
  readonly profile: HardwareProfile;
  /** Timings of the `alongside` networks, in order. */
  readonly alongside: readonly NetworkSamples[];
}

/**
 * {@link runLocalProfile}, with more networks timed in the same session (same rounds, same
 * schedule) that take no part in the profile: its rows and calibration come from the
 * profiling networks alone. What a closed loop checks the profile against, measured under
 * the same machine speed as the rows (this VM's speed moves by 20-45% between minutes).
 *
 * @example
 * ```ts
 * import { runLocalProfileAlongside } from "./local_run.ts";
 * import { depthwiseGraph } from "../../tests/fixtures/graphs.ts";
 * const facts = {
 *   device: "test", runtimeVersion: "test", date: "2026-11-29", clockHz: 1e9,
 *   clockSource: "nominal", command: "example",
 * };
 * const run = runLocalProfileAlongside([{ name: "dw", graph: depthwiseGraph }], facts,
 *   [depthwiseGraph], { reps: 2, warmup: 1 });
 * console.log(run.profile.measured.length, run.alongside[0]!.totals.length);
 * ```
 */
export function runLocalProfileAlongside(
  models: readonly LocalModel[],
  facts: LocalRunFacts,
  alongside: readonly Graph[],
  options: LocalRunOptions = {},
): AlongsideRun {
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
  log(
    `profiling ${units.length} shapes inside ${networks.length} networks` +
      (alongside.length > 0 ? ` (and ${alongside.length} more alongside)` : "") +
      ` x ${reps} rounds`,
  );
  const step = Math.max(1, Math.round(reps / 10));
  const graphs = networks.map((n) => n.graph);
  const timed = measureNetworks([...graphs, ...alongside], {
    reps,
    warmup,
    burst,
    onRound: (done, total) => {
      if (done % step === 0) log(`  round ${done}/${total} (load ${fmtLoad(options.load?.())})`);
    },
  });
  // Outliers dropped by whole stamped call, so that the rows' means add up (in_network.ts).
  const session = {
    ...timed,
    networks: timed.networks.slice(0, graphs.length).map((s) => fenceStampedCalls(s, ROW_FENCE)),
  };
  const plain = session.networks.map((s) => sampleStats(s.totals, { fence: ROW_FENCE }).mean);
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
          fence: Infinity, // the calls are fenced already
        }).mean
    ),
  );
  const calibrated = addOverhead(rows, cal);
  const errors = predictionErrors(buildLocalProfile(calibrated, info), graphs, plain);
  networks.forEach((n, i) => {
    log(
      `  ${n.name.padEnd(36)} plain ${plain[i]!.toFixed(3)} ms, predicted ` +
        `${errors[i]! >= 0 ? "+" : ""}${(100 * errors[i]!).toFixed(1)}%`,
    );
  });
  log(
    `per-call overhead (${target}): ${(1000 * cal.overheadMs).toFixed(2)} us per layer + ` +
      `${(1e6 * cal.perElementMs).toFixed(3)} ns per output element ` +
      `(rms error of the fit ${(100 * cal.rmsRelError).toFixed(1)}%)`,
  );
  const profile = buildLocalProfile(calibrated, {
    ...info,
    calibration: { ...cal, on: cal.points.map((p) => p.network), target },
    check: { networks: networks.length, errors },
  });
  return { profile, alongside: timed.networks.slice(graphs.length) };
}
