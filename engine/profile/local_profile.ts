/**
 * Building the `local-wasm` profile from the profiler's timings: one float32 measured row
 * per unit, the analytic fallback fitted to them, and the provenance of the run.
 *
 * Row statistics: `latency.meanMs` is the **minimum** of the unit's timed calls minus the
 * minimum of its baseline's (the executor's per-call cost and the closing flatten, ~2 µs);
 * `stdMs` is the standard deviation of the unit's samples inside Tukey's fences; `count` the
 * number of timed calls. `provenance.method` says so. Why not the median: on a shared
 * machine (2 cores, load ~10, the profiler getting ~16% of a core) medians drift by 30-40%
 * within minutes and longer calls are preempted more often than short ones, so medians of
 * layers and of whole networks measure the scheduler; the minimum is the uncontended
 * latency and is reproducible to a few percent. On an idle machine both agree closely.
 *
 * Bits: tfjs' wasm backend has no low-bit kernels; a quantized layer runs dequantized in
 * float32. Rows are measured at `[32, 32]` only. Conv2d, depthwise and dense also list the
 * low-bit pairs {@link LOCAL_LOW_BIT_PAIRS}, priced by the analytic model at the float rate
 * (tagged D in the notes); add and pool list float only.
 *
 * @module
 */
import { fitAnalytic } from "./analytic_fit.ts";
import type { ProfileUnit } from "./profiler.ts";
import { sampleStats } from "./sample_stats.ts";
import {
  type BitTuple,
  type BitValue,
  FLOAT_BITS,
  type HardwareProfile,
  type MeasuredRow,
  PROFILE_FORMAT,
  PROFILE_OPS,
  type ProfileOp,
} from "./types.ts";
import type { UnitSamples } from "./measure_wasm.ts";
import { parseProfile } from "./validate.ts";

/** Weight/activation pairs priced analytically (no int kernels on wasm): w {2,4,8} x a {4,8}. */
export const LOCAL_LOW_BIT_PAIRS: readonly BitTuple[] = [
  [8, 8],
  [4, 8],
  [2, 8],
  [8, 4],
  [4, 4],
  [2, 4],
];

/** Smallest latency a row may hold, ms (a unit faster than its baseline is clamped). */
export const MIN_ROW_MS = 1e-4;

/**
 * Memory traffic per cycle of the analytic model. Not fitted (the fit is compute-only):
 * large enough that the memory term stays below the compute term for layers of this size.
 * @default 1024
 */
export const LOCAL_BYTES_PER_CYCLE = 1024;

/** Facts about the run that go into the profile. */
export interface LocalRunInfo {
  /** Profile name. @default "local-wasm" */
  readonly name?: string;
  /** CPU model (from /proc/cpuinfo) and core count. */
  readonly device: string;
  /** Runtime version string, e.g. `4.22.0 (XNNPACK, SIMD, 1 thread), Deno 2.9.6`. */
  readonly runtimeVersion: string;
  /** ISO date. */
  readonly date: string;
  /** Clock the analytic model counts cycles at (the CPU's nominal clock), Hz. */
  readonly clockHz: number;
  /** Where `clockHz` comes from, for the notes. */
  readonly clockSource: string;
  /** Timed rounds, warm-up rounds, timed calls per round. */
  readonly reps: number;
  readonly warmup: number;
  readonly burst: number;
  /** Models and widths profiled. */
  readonly models: readonly string[];
  readonly widths: readonly number[];
  /** The command that produced the profile. */
  readonly command: string;
  /** Machine load during the run (e.g. `loadavg 9.8 before, 10.4 after`). */
  readonly load?: string;
  /** In-network overhead added to every row (`calibrate.ts`) and the networks it was fitted on. */
  readonly calibration?: {
    readonly overheadMs: number;
    readonly perElementMs: number;
    readonly on: readonly string[];
  };
}

/** The float32 row of one unit from its samples (see the module doc). */
export function rowFromSamples(unit: ProfileUnit, samples: UnitSamples): MeasuredRow {
  const s = sampleStats(samples.unit);
  const base = Math.min(...samples.baseline);
  const round = (x: number) => Number(x.toPrecision(4));
  return {
    op: unit.op,
    shape: unit.shape,
    wbits: FLOAT_BITS,
    abits: FLOAT_BITS,
    latency: {
      meanMs: round(Math.max(MIN_ROW_MS, Math.min(...samples.unit) - base)),
      stdMs: round(s.std),
      count: s.count,
    },
  };
}

const calText = (c: { overheadMs: number; perElementMs: number }) =>
  `${(1000 * c.overheadMs).toFixed(2)} us per layer + ${(1e6 * c.perElementMs).toFixed(3)} ns ` +
  "per output element";

function pairsOf(op: ProfileOp): BitTuple[] {
  const float: BitTuple = [FLOAT_BITS, FLOAT_BITS];
  return op === "add" || op === "pool" ? [float] : [float, ...LOCAL_LOW_BIT_PAIRS];
}

/**
 * The validated profile of a local run: the measured rows, the analytic fit, provenance.
 * Throws a RangeError for no rows, a `ProfileError` if the result does not validate.
 */
export function buildLocalProfile(
  rows: readonly MeasuredRow[],
  info: LocalRunInfo,
): HardwareProfile {
  const fit = fitAnalytic(rows, info.clockHz);
  const cal = info.calibration;
  const rate = (op: ProfileOp): BitValue[] =>
    pairsOf(op).map(([w, a]) => ({ w, a, value: Number(fit.rates[op].toPrecision(4)) }));
  const supported = Object.fromEntries(PROFILE_OPS.map((op) => [op, pairsOf(op)]));
  const macsPerCycle = Object.fromEntries(PROFILE_OPS.map((op) => [op, rate(op)]));
  const fitNote = (op: ProfileOp) =>
    `D ${
      fit.fitted.includes(op) ? "least-squares fit to the float32 rows" : "no rows of this op: " +
        "mean cost per op of the fitted ops"
    } (relative error, shared fixed cost; median |error| of the fit ${
      (100 * fit.medianRelError).toFixed(1)
    }%)${
      op === "add" || op === "pool" ? "" : "; low-bit pairs: the float rate (no int kernels " +
        "on wasm: quantized layers run dequantized in float32), not measured"
    }`;
  const notes: Record<string, string> = {
    clockHz: `S ${info.clockSource}; a nominal clock: cycles are the unit of the analytic fit`,
    supported: "S tfjs-backend-wasm 4.22.0 has float32 kernels only; low-bit pairs of " +
      "conv2d/depthwise/dense are analytic (float rate), add/pool run in float32",
    measured: `M local: ${info.command}` + (cal === undefined ? "" : `; every row includes ` +
      `D ${calText(cal)} of in-network overhead, fitted on whole-network timings of ` +
      `${cal.on.join(", ")} (same session; least squares on relative error)`),
    "analytic.fixedCyclesPerLayer": "D least-squares fit to the float32 rows (per-layer " +
      "dispatch, allocation and the batch-norm / activation ops a row includes)",
    "analytic.bytesPerCycle": `D not fitted (compute-only fit); ${LOCAL_BYTES_PER_CYCLE} ` +
      "keeps the memory term below the compute term",
  };
  for (const op of PROFILE_OPS) notes[`analytic.macsPerCycle.${op}`] = fitNote(op);
  const name = info.name ?? "local-wasm";
  const profile = {
    $schema: "./schema.json",
    format: PROFILE_FORMAT,
    name,
    description: `This machine (${info.device}), tfjs wasm backend, batch 1, one thread: ` +
      "float32 layers measured by `deno task profile`; low-bit pairs analytic (no int kernels).",
    kind: "cpu",
    provenance: {
      device: info.device,
      runtime: { name: "tfjs-backend-wasm", version: info.runtimeVersion },
      date: info.date,
      method: `Minimum of ${info.reps * info.burst} timed calls (${info.reps} rounds interleaved ` +
        `over all shapes after ${info.warmup} warm-up rounds; per round one untimed call, then ` +
        `${info.burst} timed), batch 1, minus the minimum of an input->flatten baseline (the ` +
        "minimum, not the median: the machine is shared, medians measure its load); a row " +
        "times its layer through Tailor's executor (forward()) with the batch-norm, " +
        "activation, flatten and dropout nodes that follow it (priced at zero by the cost " +
        `model). Models: ${info.models.join(", ")}; widths ${info.widths.join(", ")}.` +
        (cal === undefined ? "" : ` Every row adds ${calText(cal)}: the in-network ` +
          "overhead fitted on whole networks timed in the same session (notes.measured).") +
        (info.load ? ` Machine load: ${info.load}.` : ""),
      sources: [{ id: "local", citation: `${info.command} (${info.date})` }],
      notes,
    },
    clockHz: info.clockHz,
    memory: {},
    supported,
    measured: rows,
    analytic: {
      macsPerCycle,
      fixedCyclesPerLayer: Math.round(fit.fixedCycles),
      bytesPerCycle: LOCAL_BYTES_PER_CYCLE,
    },
  };
  return parseProfile(profile, name);
}
