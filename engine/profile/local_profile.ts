/**
 * Building the `local-wasm` profile from the profiler's timings: one float32 measured row
 * per unit, the analytic fallback fitted to them, and the provenance of the run.
 *
 * Row statistics. A unit's samples (one per stamped whole-network call, `in_network.ts`)
 * come from every position of every profiling network the shape occurs in; the profiler
 * first drops the whole stamped calls outside Tukey's outer fences (`Q3 + 3 IQR`,
 * {@link ROW_FENCE}) of their network's stamped totals (`fenceStampedCalls()`: preemptions
 * and garbage collection discarded by call, so that the layers' means add up to the kept
 * calls' mean). `meanMs`, what the cost model adds up: per occurrence the mean of its
 * samples, combined over the occurrences with weights `1 / latency^2` of their networks — least
 * squares on the networks' relative error: one shape can cost more in one context than in
 * another (a dense layer after a global pool, ~20 us, vs after a dense one, ~10 us), and a
 * microsecond weighs more in a small network. `medianMs`, `stdMs` and `count` over all its
 * kept samples. Means, because they add up, while the sum of the layers' medians falls short
 * of a network's typical latency on a loaded machine (by 7-15% at load 10 on 2 cores). Not
 * the minimum: the closed-loop benchmark compares with the fenced mean of whole-network
 * calls.
 *
 * Bits: tfjs' wasm backend has no low-bit kernels; a quantized layer runs dequantized in
 * float32. Rows are measured at `[32, 32]` only. Conv2d, depthwise and dense also list the
 * low-bit pairs {@link LOCAL_LOW_BIT_PAIRS}, priced by the analytic model at the float rate
 * (tagged D in the notes); add and pool list float only.
 *
 * @module
 */
import { calText, methodText } from "./_local_text.ts";
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

/** Fence factor of the row statistics: Tukey's outer fences. @default 3 */
export const ROW_FENCE = 3;

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
  /** Timed rounds, warm-up rounds, (stamped, plain) call pairs per network and round. */
  readonly reps: number;
  readonly warmup: number;
  readonly burst: number;
  /** Models and widths profiled. */
  readonly models: readonly string[];
  readonly widths: readonly number[];
  /** Names of the networks timed (`<model>@<width per prunable group>`). */
  readonly networks?: readonly string[];
  /** Cost of one timestamp subtracted from every node, ms. */
  readonly stampCostMs?: number;
  /** The command that produced the profile. */
  readonly command: string;
  /** Machine load during the run (e.g. `loadavg 9.8 before, 10.4 after`). */
  readonly load?: string;
  /** In-network overhead added to every row (`calibrate.ts`) and the networks it was fitted on. */
  readonly calibration?: {
    readonly overheadMs: number;
    readonly perElementMs: number;
    readonly on: readonly string[];
    /** Root mean square relative error of the fit over `on`. */
    readonly rmsRelError?: number;
    /**
     * What was fitted: `plain`, the mean of a network's plain calls (inside the rows'
     * fences) minus the sum of its rows; `stamped`, the time of its stamped calls outside the layers. @default "stamped"
     */
    readonly target?: CalibrationTarget;
  };
  /** The profile's errors on the plain calls of the profiling networks (`predictionErrors`). */
  readonly check?: { readonly networks: number; readonly errors: readonly number[] };
}

/** What the per-call overhead is fitted to (see `LocalRunInfo.calibration.target`). */
export type CalibrationTarget = "plain" | "stamped";

/** A unit's samples at one position of one network, and the weight of that network. */
export interface WeightedSamples {
  /** Samples, ms. */
  readonly samples: readonly number[];
  /** Weight of the occurrence in `meanMs` (`1 / latency^2` of its network). @default 1 */
  readonly weight?: number;
}

/**
 * The float32 row of one unit from its samples at each occurrence, ms (see the module doc:
 * outliers are dropped by whole call before): `meanMs` the weighted mean of the occurrences'
 * means, `medianMs`, `stdMs` and `count` over all samples. Throws a RangeError for no samples, a non-finite one, or a
 * weight that is not positive.
 */
export function rowFromSamples(
  unit: ProfileUnit,
  occurrences: readonly WeightedSamples[],
): MeasuredRow {
  const all = occurrences.flatMap((o) => o.samples);
  const s = sampleStats(all, { fence: Infinity });
  let sum = 0, weights = 0;
  for (const o of occurrences) {
    const w = o.weight ?? 1;
    if (!(w > 0 && Number.isFinite(w))) {
      throw new RangeError(`Cannot weigh an occurrence by ${w}: expected a positive number`);
    }
    if (o.samples.length === 0) continue;
    sum += w * o.samples.reduce((a, x) => a + x, 0) / o.samples.length;
    weights += w;
  }
  const round = (x: number) => Number(Math.max(MIN_ROW_MS, x).toPrecision(4));
  return {
    op: unit.op,
    shape: unit.shape,
    wbits: FLOAT_BITS,
    abits: FLOAT_BITS,
    epilogue: unit.epilogue,
    latency: {
      meanMs: round(sum / weights),
      medianMs: round(s.median),
      stdMs: Number(s.std.toPrecision(4)),
      count: s.count,
    },
  };
}

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
      `D ${calText(cal)} of per-call overhead, fitted on ` +
      (cal.target === "plain"
        ? "the fenced mean plain call minus the sum of the rows of "
        : "the overhead measured in the stamped calls of ") +
      `${cal.on.join(", ")} (same session; least squares on error ` +
      "relative to each network's latency" +
      (cal.rmsRelError === undefined ? "" : `, rms ${(100 * cal.rmsRelError).toFixed(1)}%`) +
      ")"),
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
      method: methodText(info),
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
