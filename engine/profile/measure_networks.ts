/**
 * The profiler's measuring half: runs whole networks through the executor (`forward()`,
 * batch 1, on whatever tfjs backend is active — `wasm` for `local-wasm`, whose kernels run
 * synchronously) and returns raw timings. No disk access; statistics are `in_network.ts`'s
 * and `local_profile.ts`'s job.
 *
 * Per network two kinds of calls: **plain** calls, timed whole (what the cost model
 * predicts), and **stamped** calls, where an output hook records a timestamp after every
 * node, so each node's time is measured inside a real run (cache state, allocation and the
 * tensors the executor keeps alive are those of the network). A stamp costs a hook call and
 * a clock read; {@link stampCost} measures that and it is subtracted from every node.
 *
 * Schedule: `warmup` untimed rounds, then `reps` timed rounds; a round visits every network
 * once, in an order rotated every round: one untimed call, then `burst` pairs of (stamped,
 * plain) calls.
 *
 * @module
 */
import type { tf } from "../backend.ts";
import { forward } from "../exec/forward.ts";
import { disposeWeights } from "../exec/weights.ts";
import type { Graph } from "../models/ir.ts";
import {
  checkMeasureCounts,
  DEFAULT_REPS,
  DEFAULT_WARMUP,
  type MeasureOptions,
  randomInput,
  randomWeights,
} from "./measure_wasm.ts";

/** (stamped, plain) pairs per network and round in {@link measureNetworks}. @default 2 */
export const DEFAULT_NETWORK_BURST = 2;

/** Timings of one network, ms. */
export interface NetworkSamples {
  /** Plain calls, timed whole. */
  readonly totals: number[];
  /**
   * Per node of the graph (in `graph.nodes` order), one sample per stamped call: the time
   * from the previous node's stamp (the call's start for the first node) to its own, minus
   * the stamp's cost.
   */
  readonly nodes: number[][];
  /**
   * Per stamped call: from the last node's stamp to the return of the call and the disposal
   * of its output (the executor freeing the intermediates it kept alive).
   */
  readonly tail: number[];
}

/** Timings of a profiling session. */
export interface SessionSamples {
  /** Per network, in order. */
  readonly networks: NetworkSamples[];
  /** Cost of one stamp (hook call and clock read), ms: subtracted from every node sample. */
  readonly stampCostMs: number;
}

/** Blocks and calls per block of {@link stampCost}. */
const STAMP_BLOCKS = 21, STAMP_CALLS = 2000;

/**
 * The cost of one call of `stamp` (a hook that reads the clock), ms: the median over
 * blocks of back-to-back calls.
 */
export function stampCost(stamp: () => void, now: () => number = () => performance.now()): number {
  const blocks: number[] = [];
  for (let b = 0; b < STAMP_BLOCKS; b++) {
    const t0 = now();
    for (let i = 0; i < STAMP_CALLS; i++) stamp();
    blocks.push((now() - t0) / STAMP_CALLS);
  }
  return blocks.sort((x, y) => x - y)[STAMP_BLOCKS >> 1]!;
}

/**
 * Times `networks` (random weights, batch 1) by the schedule of the module doc: whole plain
 * calls and per-node stamped calls, interleaved in one session so both see the same load.
 */
export function measureNetworks(
  networks: readonly Graph[],
  options: MeasureOptions = {},
): SessionSamples {
  const reps = options.reps ?? DEFAULT_REPS;
  const warmup = options.warmup ?? DEFAULT_WARMUP;
  const burst = options.burst ?? DEFAULT_NETWORK_BURST;
  const now = options.now ?? (() => performance.now());
  checkMeasureCounts(reps, warmup, burst);
  const stamps = new Float64Array(Math.max(1, ...networks.map((g) => g.nodes.length)));
  let k = 0;
  const hooks = {
    output: (_: unknown, y: tf.Tensor) => {
      stamps[k++] = now();
      return y;
    },
  };
  const stampMs = stampCost(() => {
    k = 0;
    hooks.output(undefined, undefined as unknown as tf.Tensor);
  }, now);
  const data = networks.map((g, i) => ({
    g,
    w: randomWeights(g, 7 + 16 * i),
    x: randomInput(g, i),
    out: {
      totals: [] as number[],
      nodes: g.nodes.map(() => [] as number[]),
      tail: [] as number[],
    },
  }));
  try {
    for (let r = 0; r < warmup + reps; r++) {
      const timed = r >= warmup;
      for (let j = 0; j < data.length; j++) {
        const d = data[(j + r) % data.length]!;
        forward(d.g, d.w, d.x).dispose();
        for (let b = 0; b < burst; b++) {
          k = 0;
          const t0 = now();
          forward(d.g, d.w, d.x, { hooks }).dispose();
          const end = now();
          if (timed) {
            d.out.tail.push(end - stamps[d.g.nodes.length - 1]!);
            for (let n = 0; n < d.g.nodes.length; n++) {
              d.out.nodes[n]!.push(stamps[n]! - (n === 0 ? t0 : stamps[n - 1]!) - stampMs);
            }
          }
          const t1 = now();
          forward(d.g, d.w, d.x).dispose();
          const dt = now() - t1;
          if (timed) d.out.totals.push(dt);
        }
      }
      if (timed) options.onRound?.(r - warmup + 1, reps);
    }
    return { networks: data.map((d) => d.out), stampCostMs: stampMs };
  } finally {
    for (const d of data) {
      disposeWeights(d.w);
      d.x.dispose();
    }
  }
}
