/**
 * Timing `forward()` calls on whatever tfjs backend is active (`wasm` for `local-wasm`,
 * whose kernels run synchronously, so a call's wall time is its compute): random weights
 * and inputs for a graph, and the interleaved schedule the profiler (`measure_networks.ts`)
 * and the closed-loop benchmark share. No disk access.
 *
 * Schedule: `warmup` untimed rounds, then `reps` timed rounds; a round visits every call in
 * an order rotated every round (slow phases of a shared machine spread over all calls
 * instead of hitting a few): one untimed call (weights and input back into cache), then
 * `burst` timed calls.
 *
 * @module
 */
import { tf } from "../backend.ts";
import type { LayerTensors, Weights } from "../exec/weights.ts";
import type { Graph } from "../models/ir.ts";

/** Timed rounds per unit. @default 200 */
export const DEFAULT_REPS = 200;
/** Untimed rounds first. @default 20 */
export const DEFAULT_WARMUP = 20;
/** Timed calls per call list entry and round (after one untimed call). @default 4 */
export const DEFAULT_BURST = 4;

/** Options of {@link timeInterleaved} and `measureNetworks()`. */
export interface MeasureOptions {
  /** Timed repetitions. @default DEFAULT_REPS */
  readonly reps?: number;
  /** Untimed repetitions first. @default DEFAULT_WARMUP */
  readonly warmup?: number;
  /**
   * Timed calls per round, after one untimed call (pairs of calls in `measureNetworks`).
   * @default DEFAULT_BURST (DEFAULT_NETWORK_BURST)
   */
  readonly burst?: number;
  /** Clock in ms. @default performance.now */
  readonly now?: () => number;
  /** Called after every timed round with (done, total). */
  readonly onRound?: (done: number, total: number) => void;
}

/** Throws a RangeError unless reps and burst are integers >= 1 and warmup >= 0. */
export function checkMeasureCounts(reps: number, warmup: number, burst: number): void {
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
  // tidy frees the draws and the abs / add intermediates; variables outlive it.
  const v = (shape: number[], positive = false) =>
    tf.tidy(() => {
      const t = tf.randomNormal(shape, 0, 0.1, "float32", s++);
      return tf.variable(positive ? tf.add(tf.abs(t), 1) : t, false);
    });
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

/** Input of a graph: uniform [0, 1), batch 1. */
export function randomInput(graph: Graph, seed: number): tf.Tensor4D {
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
  checkMeasureCounts(reps, warmup, burst);
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
