/**
 * The profiler's measuring half: runs the units of `profiler.ts` through the executor
 * (`forward()`, batch 1, on whatever tfjs backend is active — `wasm` for `local-wasm`) and
 * returns raw timings. No disk access; statistics are `profile_build.ts`'s job.
 *
 * Schedule: `warmup` untimed rounds over every unit, then `reps` timed rounds; a round times
 * every unit once (its sub-graph, then its baseline), in an order rotated every round, so
 * slow phases of a shared machine spread over all units instead of hitting a few.
 *
 * @module
 */
import { tf } from "../backend.ts";
import { forward } from "../exec/forward.ts";
import type { LayerTensors, Weights } from "../exec/weights.ts";
import type { Graph } from "../models/ir.ts";
import type { ProfileUnit } from "./profiler.ts";

/** Timed rounds per unit. @default 200 */
export const DEFAULT_REPS = 200;
/** Untimed rounds first. @default 20 */
export const DEFAULT_WARMUP = 20;
/** Timed calls per unit and round (after one untimed call). @default 4 */
export const DEFAULT_BURST = 4;

/** Options of {@link measureUnits} and {@link timeForward}. */
export interface MeasureOptions {
  /** Timed repetitions. @default DEFAULT_REPS */
  readonly reps?: number;
  /** Untimed repetitions first. @default DEFAULT_WARMUP */
  readonly warmup?: number;
  /** Timed calls per round, after one untimed call. @default DEFAULT_BURST */
  readonly burst?: number;
  /** Clock in ms. @default performance.now */
  readonly now?: () => number;
  /** Called after every timed round with (done, total). */
  readonly onRound?: (done: number, total: number) => void;
}

/** Raw timings of one unit, ms per call. */
export interface UnitSamples {
  /** The unit's sub-graph. */
  readonly unit: readonly number[];
  /** Its baseline (input -> flatten), to subtract. */
  readonly baseline: readonly number[];
}

function checkCounts(reps: number, warmup: number, burst: number): void {
  if (!Number.isInteger(burst) || burst < 1) {
    throw new RangeError(`Cannot measure with burst ${burst}: expected an integer >= 1`);
  }
  if (!Number.isInteger(reps) || reps < 1) {
    throw new RangeError(`Cannot measure with reps ${reps}: expected an integer >= 1`);
  }
  if (!Number.isInteger(warmup) || warmup < 0) {
    throw new RangeError(`Cannot measure with warmup ${warmup}: expected an integer >= 0`);
  }
}

/** Random weights (normal, scale 0.1; positive variances) for every layer of `graph`. */
export function randomWeights(graph: Graph, seed = 1): Weights {
  const out: Record<string, LayerTensors> = {};
  let s = seed;
  const v = (shape: number[], positive = false) => {
    const t = tf.randomNormal(shape, 0, 0.1, "float32", s++);
    const r = tf.variable(positive ? tf.add(tf.abs(t), 1) : t, false);
    t.dispose();
    return r;
  };
  const inputs = new Map(graph.nodes.map((n) => [n.name, n.outShape]));
  for (const node of graph.nodes) {
    const x = inputs.get(node.inputs[0] ?? "") ?? [];
    const cin = x[x.length - 1] ?? 1;
    switch (node.op) {
      case "conv2d":
        out[node.name] = { kernel: v([...node.kernel, cin, node.filters]) };
        if (node.useBias) out[node.name]!.bias = v([node.filters]);
        break;
      case "depthwise":
        out[node.name] = { kernel: v([...node.kernel, cin, node.depthMultiplier]) };
        if (node.useBias) out[node.name]!.bias = v([cin * node.depthMultiplier]);
        break;
      case "dense":
        out[node.name] = { kernel: v([x.reduce((a, b) => a * b, 1), node.units]) };
        if (node.useBias) out[node.name]!.bias = v([node.units]);
        break;
      case "batchnorm": {
        const t: LayerTensors = { movingMean: v([cin]), movingVariance: v([cin], true) };
        if (node.scale) t.gamma = v([cin], true);
        if (node.center) t.beta = v([cin]);
        out[node.name] = t;
        break;
      }
    }
  }
  return out;
}

/** A runnable call: forward on fixed weights and input, output disposed. */
interface Call {
  readonly run: () => void;
  readonly dispose: () => void;
}

function callOf(graph: Graph, weights: Weights, x: tf.Tensor4D): Call {
  return {
    run: () => forward(graph, weights, x).dispose(),
    dispose: () => {
      for (const t of Object.values(weights)) for (const w of Object.values(t)) w?.dispose();
      x.dispose();
    },
  };
}

/** Input of a graph: uniform [0, 1), batch 1. */
function inputOf(graph: Graph, seed: number): tf.Tensor4D {
  return tf.randomUniform<tf.Rank>(
    [1, ...graph.nodes[0]!.outShape],
    0,
    1,
    "float32",
    seed,
  ) as tf.Tensor4D;
}

/**
 * Times `calls` by the schedule of the module doc: per round, in an order rotated every
 * round, each call runs once untimed (its weights and input come back into cache) and then
 * `burst` times timed; after `warmup` untimed rounds, `reps` rounds are kept. Returns
 * `reps * burst` samples (ms) per call.
 */
export function timeInterleaved(
  calls: readonly (() => void)[],
  options: MeasureOptions = {},
): number[][] {
  const reps = options.reps ?? DEFAULT_REPS;
  const warmup = options.warmup ?? DEFAULT_WARMUP;
  const burst = options.burst ?? DEFAULT_BURST;
  const now = options.now ?? (() => performance.now());
  checkCounts(reps, warmup, burst);
  const samples = calls.map(() => [] as number[]);
  for (let r = 0; r < warmup + reps; r++) {
    for (let k = 0; k < calls.length; k++) {
      const i = (k + r) % calls.length;
      const call = calls[i]!;
      call();
      for (let b = 0; b < burst; b++) {
        const t0 = now();
        call();
        const dt = now() - t0;
        if (r >= warmup) samples[i]!.push(dt);
      }
    }
    if (r >= warmup) options.onRound?.(r - warmup + 1, reps);
  }
  return samples;
}

/** Timings of a profiling session: the units, and whole networks timed alongside them. */
export interface SessionSamples {
  /** Per unit, in order. */
  readonly units: UnitSamples[];
  /** Per network, whole `forward()` calls (ms). */
  readonly networks: number[][];
}

/**
 * Times the units and whole networks (random weights, batch 1) in one interleaved session,
 * so both see the same machine load; the networks calibrate the per-layer overhead the
 * isolated units miss (`calibrate.ts`).
 */
export function measureSession(
  units: readonly ProfileUnit[],
  networks: readonly Graph[],
  options: MeasureOptions = {},
): SessionSamples {
  const unitCalls = units.flatMap((u, i) => [
    callOf(u.graph, randomWeights(u.graph, 1 + 16 * i), inputOf(u.graph, i)),
    callOf(u.baseline, {}, inputOf(u.baseline, i)),
  ]);
  const netCalls = networks.map((g, i) => callOf(g, randomWeights(g, 7 + i), inputOf(g, i)));
  const calls = [...unitCalls, ...netCalls];
  try {
    const t = timeInterleaved(calls.map((c) => c.run), options);
    return {
      units: units.map((_, i) => ({ unit: t[2 * i]!, baseline: t[2 * i + 1]! })),
      networks: networks.map((_, i) => t[unitCalls.length + i]!),
    };
  } finally {
    for (const c of calls) c.dispose();
  }
}
