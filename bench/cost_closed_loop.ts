/**
 * Closed-loop check of the cost model on this machine: for every zoo model at widths 0.5,
 * 0.75 and 1 (every prunable group at that width), the physically pruned network (random
 * init, `pruneToRatio` with l1 + `surgery`) is timed whole through `forward()` (batch 1,
 * tfjs wasm: the execution path the profiler measures layers with), and its latency is
 * predicted by `networkCost(graph, local-wasm, config)` at float32. One record per case:
 * `metric: "latency_prediction_error"`, `value = predicted / measured - 1` (0.08 = 8% over).
 *
 * Which `local-wasm` ({@link ClosedLoopSource}): by default (`session`) the profiler measures
 * it in this run, its 33 mixed-width networks and the 9 checked ones interleaved in the same
 * rounds, so that the rows and the checked calls see the same machine speed: this VM's speed
 * moves by 25-45% between minutes, and not alike for every operation (session 5: convolutions
 * 1.3-1.7x their rows in a slow phase, the dense layer 1.1x), so a profile measured at another
 * time misses by that much whatever the cost model does. The profile never times the checked
 * networks: its rows and its calibration come from the mixed-width ones
 * (`engine/profile/width_configs.ts`), the checked ones have every prunable group at one
 * width. The stored `profiles/local-wasm.json` predicts the same calls beside
 * (`errorWithStoredProfile`, diagnostic). `stored` checks a profile file instead, in rounds
 * of the checked networks alone (`timeInterleaved`, `burst` calls per case per round).
 *
 * Measured latency: the mean of the plain calls inside Tukey's outer fences (Q3 + 3 IQR: the
 * calls a loaded machine preempts dropped). Predicted: the sum of the layers' rows (each a
 * mean over the profiler's stamped calls inside the same fences, fenced by whole call so that
 * the layers' means add up) plus the calibrated per-call overhead: a mean too. The median,
 * the minimum and the error against the median (`errorVsMedian`) are recorded, and the machine
 * load. One more record, `latency_prediction_shared_shift` (case `all`), is the median over
 * cases of predicted / measured minus 1: the part of the errors shared by every case (with a
 * stored profile, the machine's speed drift since it was measured); each error record also
 * carries `errorBesideSharedShift`, its error with that shift divided out, as a diagnostic of
 * the per-shape model. The target is on the raw error.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { initBackend, tf } from "../engine/backend.ts";
import type { Configuration, LayerChoice } from "../engine/cost/config.ts";
import { networkCost } from "../engine/cost/network.ts";
import { forward } from "../engine/exec/forward.ts";
import { disposeWeights, type Weights, weightsFromLayersModel } from "../engine/exec/weights.ts";
import { type Graph, isComputeNode } from "../engine/models/ir.ts";
import { graphFromLayersModel } from "../engine/models/from_layers.ts";
import { buildZooModel, isZooName, ZOO_NAMES, type ZooName } from "../engine/models/zoo.ts";
import { dependencyGroups } from "../engine/prune/channels.ts";
import { pruneToRatio } from "../engine/prune/prune_to_ratio.ts";
import { surgery } from "../engine/prune/surgery.ts";
import { prunedChannels } from "../engine/cost/config.ts";
import { loadProfile } from "../engine/profile/load.ts";
import { runLocalProfileAlongside } from "../engine/profile/local_run.ts";
import { localRunFacts } from "../cli/machine_facts.ts";
import { type MeasureOptions, timeInterleaved } from "../engine/profile/measure_wasm.ts";
import type { HardwareProfile } from "../engine/profile/types.ts";
import type { BenchRecord } from "./record.ts";
import { summarize } from "./stats.ts";
import { ROW_FENCE } from "../engine/profile/local_profile.ts";
import { sampleStats } from "../engine/profile/sample_stats.ts";

/** Widths of the closed loop. */
export const CLOSED_LOOP_WIDTHS: readonly number[] = [0.5, 0.75, 1];

/**
 * Where the predicting profile comes from: `session`, measured in this run by the profiler
 * (`runLocalProfileAlongside`: its mixed-width networks) in the same interleaved rounds as
 * the checked networks, so both sides see the same machine speed; `stored`, a profile file
 * measured earlier (`profile`), checked in rounds of the checked networks alone.
 */
export type ClosedLoopSource = "session" | "stored";

/** Timed rounds of a `session` closed loop (profiling and checked networks together). */
export const SESSION_REPS = 600;

/** Options of {@link benchCostClosedLoop}. */
export interface CostClosedLoopOptions {
  /** Zoo models. @default ZOO_NAMES */
  readonly cases?: readonly string[];
  /** @default "session" */
  readonly source?: ClosedLoopSource;
  /**
   * Profile name or path, or a profile: the predicting profile of a `stored` loop; in a
   * `session` loop, a second prediction recorded beside (`errorWithStoredProfile`), when it
   * loads. @default "local-wasm"
   */
  readonly profile?: string | HardwareProfile;
  /**
   * Timed rounds. `stored`: each `burst` calls per case, many, so that the run spans a
   * minute or two (this VM's speed drifts by 20-30% within a minute, and a 10-second window
   * measures one phase of it); `session`: the profiler's rounds over its networks and the
   * checked ones (about 0.15 s each). @default 3000 (stored), SESSION_REPS (session)
   */
  readonly reps?: number;
  /** Untimed calls (stored) or rounds (session) first. @default 30 */
  readonly warmup?: number;
  /** Widths. @default CLOSED_LOOP_WIDTHS */
  readonly widths?: readonly number[];
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

/** One case: a physically pruned zoo network and its configuration on the original graph. */
export interface ClosedLoopCase {
  /** `<model>@<width>`. */
  readonly name: string;
  /** The original graph (the cost model prices `config` on it). */
  readonly original: Graph;
  /** Float32 configuration with the pruned widths. */
  readonly config: Configuration;
  /** The pruned network and its weights (dispose them). */
  readonly graph: Graph;
  readonly weights: Weights;
}

/** The configuration of `pruned` on the original `graph`: float32, its widths. */
function configOf(graph: Graph, pruned: Graph): Configuration {
  const layers: Record<string, LayerChoice> = {};
  for (const node of graph.nodes) {
    if (!isComputeNode(node)) continue;
    const small = pruned.nodes.find((n) => n.name === node.name)!;
    const width = node.op === "depthwise" ? 1 : small.outShape.at(-1)! / node.outShape.at(-1)!;
    layers[node.name] = { wbits: 32, abits: 32, width };
  }
  return { layers };
}

/** Builds the pruned network of `name` at `width` (random init, l1 + surgery). */
export function closedLoopCase(name: ZooName, width: number): ClosedLoopCase {
  const model = buildZooModel(name);
  const graph = graphFromLayersModel(model);
  const weights = weightsFromLayersModel(model, graph);
  model.dispose();
  const widths = Object.fromEntries(
    dependencyGroups(graph).filter((g) => g.prunable)
      .map((g) => [g.id, prunedChannels(g.channels, width)]),
  );
  const { masks } = pruneToRatio(graph, weights, { criterion: "l1", widths });
  const small = surgery(graph, weights, masks);
  disposeWeights(weights);
  return {
    name: `${name}@${width}`,
    original: graph,
    config: configOf(graph, small.graph),
    graph: small.graph,
    weights: small.weights,
  };
}

/** Predicted latency of a case, checking the cost model's channels against the network. */
export function predictCase(c: ClosedLoopCase, profile: HardwareProfile): number {
  const cost = networkCost(c.original, profile, c.config);
  for (const l of cost.layers) {
    const node = c.graph.nodes.find((n) => n.name === l.name)!;
    if (node.outShape.at(-1) !== l.cout) {
      throw new RangeError(
        `Case ${c.name}: the cost model has ${l.cout} channels for "${l.name}", ` +
          `the pruned network ${node.outShape.at(-1)}`,
      );
    }
  }
  return cost.totals.latencyMs;
}

/**
 * Times whole-network `forward()` calls of every case, batch 1, with the profiler's
 * schedule (`timeInterleaved`: interleaved rounds, one untimed call then `burst` timed ones);
 * returns the samples (ms) per case.
 */
export function timeCases(cases: readonly ClosedLoopCase[], options: MeasureOptions): number[][] {
  const inputs = cases.map((c, i) =>
    tf.randomUniform<tf.Rank>([1, ...c.graph.nodes[0]!.outShape], 0, 1, "float32", i) as tf.Tensor4D
  );
  try {
    const calls = cases.map((c, i) => () => forward(c.graph, c.weights, inputs[i]!).dispose());
    return timeInterleaved(calls, options);
  } finally {
    inputs.forEach((x) => x.dispose());
  }
}

/**
 * The stored profile (`profile`, default `local-wasm`): a load failure throws when it is
 * `required`, else logs nothing and gives `undefined` (a session loop predicts without it).
 */
async function storedProfile(
  profile: string | HardwareProfile | undefined,
  required: boolean,
): Promise<HardwareProfile | undefined> {
  if (typeof profile === "object") return profile;
  try {
    return await loadProfile(profile ?? "local-wasm");
  } catch (e) {
    if (required) throw e;
    return undefined;
  }
}

/**
 * A `session` loop's measurements: the profiler's networks for `models` and the cases'
 * networks timed in the same rounds; the profile from the former, plain-call samples (ms)
 * of the latter.
 */
async function sessionRun(
  cases: readonly ClosedLoopCase[],
  models: readonly ZooName[],
  reps: number,
  options: { warmup: number; log: ((line: string) => void) | undefined },
): Promise<{ profile: HardwareProfile; samples: number[][] }> {
  const originals = models.map((name) => ({
    name,
    graph: cases.find((c) => c.name.startsWith(`${name}@`))!.original,
  }));
  const facts = await localRunFacts(
    "local-wasm",
    "deno task bench --suite cost (closed loop: profile measured alongside the checked networks)",
  );
  const run = runLocalProfileAlongside(originals, facts, cases.map((c) => c.graph), {
    reps,
    warmup: options.warmup,
    load: () => Deno.loadavg()[0]!,
    ...(options.log ? { log: options.log } : {}),
  });
  return { profile: run.profile, samples: run.alongside.map((s) => [...s.totals]) };
}

/**
 * Runs the closed loop and returns one record per model and width.
 *
 * @example
 * ```ts ignore
 * const records = await benchCostClosedLoop({ cases: ["cnn-s"], reps: 100 });
 * console.log(records.map((r) => `${r.case} ${r.value}`));
 * ```
 */
export async function benchCostClosedLoop(
  options: CostClosedLoopOptions = {},
): Promise<BenchRecord[]> {
  await initBackend();
  const names = options.cases ?? ZOO_NAMES;
  for (const n of names) {
    if (!isZooName(n)) throw new RangeError(`Cannot run the cost closed loop on "${n}"`);
  }
  const source = options.source ?? "session";
  const stored = await storedProfile(options.profile, source === "stored");
  const warmup = options.warmup ?? 30;
  const cases: ClosedLoopCase[] = [];
  for (const n of names as ZooName[]) {
    for (const w of options.widths ?? CLOSED_LOOP_WIDTHS) cases.push(closedLoopCase(n, w));
  }
  let samples: number[][];
  let profile: HardwareProfile;
  const loadBefore = Deno.loadavg()[0]!;
  try {
    if (source === "stored") {
      profile = stored!;
      samples = timeCases(cases, { reps: options.reps ?? 3000, warmup });
    } else {
      const run = await sessionRun(cases, names as ZooName[], options.reps ?? SESSION_REPS, {
        warmup,
        log: options.log,
      });
      profile = run.profile;
      samples = run.samples;
    }
  } finally {
    cases.forEach((c) => disposeWeights(c.weights));
  }
  const predicted = cases.map((c) => predictCase(c, profile));
  const predictedStored = stored && source === "session"
    ? cases.map((c) => predictCase(c, stored))
    : undefined;
  const load = `1-min load average ${loadBefore.toFixed(1)} before, ` +
    `${Deno.loadavg()[0]!.toFixed(1)} after, ${navigator.hardwareConcurrency} cores`;
  options.log?.(`cost closed loop: ${load}`);
  // The statistic the profile's rows hold (the mean inside Tukey's outer fences): the cost
  // model adds up means, so it predicts the mean of a whole call, not its median.
  const measured = samples.map((x) => sampleStats(x, { fence: ROW_FENCE }).mean);
  const common = summarize(cases.map((_, i) => predicted[i]! / measured[i]!)).median;
  options.log?.(
    `cost closed loop: median predicted/measured ${common.toFixed(3)} (a shift shared by every ` +
      `case: the machine's speed now vs when the profile was measured)`,
  );
  const records: BenchRecord[] = cases.map((c, i) => {
    const s = summarize(samples[i]!);
    const predictedMs = predicted[i]!;
    const error = predictedMs / measured[i]! - 1;
    options.log?.(
      `${c.name.padEnd(20)} predicted ${predictedMs.toFixed(3)} ms, measured (fenced mean) ` +
        `${measured[i]!.toFixed(3)} ms (median ${s.median.toFixed(3)}, min ${s.min.toFixed(3)}): ` +
        `${(100 * error).toFixed(1)}%` +
        (predictedStored
          ? ` (stored profile: ${(100 * (predictedStored[i]! / measured[i]! - 1)).toFixed(1)}%)`
          : ""),
    );
    return {
      suite: "cost",
      case: c.name,
      metric: "latency_prediction_error",
      value: error,
      unit: "fraction",
      peer: null,
      peerValue: null,
      ratio: null,
      predictedMs,
      measuredMs: measured[i]!,
      statistic: "mean inside Tukey's outer fences (Q3 + 3 IQR), as the profile's rows",
      measuredMedianMs: s.median,
      measuredMinMs: s.min,
      measuredP90Ms: s.p90,
      // The error against the median (this record's statistic until 2026-11-29).
      errorVsMedian: predictedMs / s.median - 1,
      // Diagnostic only: the error left once the shift shared by all cases is divided out.
      errorBesideSharedShift: (1 + error) / common - 1,
      n: s.n,
      profile: profile.name,
      profileSource: source,
      // A session loop's second prediction, by the stored profile (measured another time).
      ...(predictedStored
        ? { errorWithStoredProfile: predictedStored[i]! / measured[i]! - 1 }
        : {}),
      load,
    };
  });
  records.push({
    suite: "cost",
    case: "all",
    metric: "latency_prediction_shared_shift",
    value: common - 1,
    unit: "fraction",
    peer: null,
    peerValue: null,
    ratio: null,
    statistic: "median over cases of predicted / measured, minus 1",
    n: cases.length,
    profile: profile.name,
    profileSource: source,
    load,
  });
  return records;
}

if (import.meta.main) {
  // deno run -A bench/cost_closed_loop.ts [--source session|stored] [--profile NAME|FILE]
  const { values } = parseArgs({
    args: Deno.args,
    options: { source: { type: "string" }, profile: { type: "string" } },
  });
  const source = values.source ?? "session";
  if (source !== "session" && source !== "stored") {
    console.error(`cost closed loop: --source must be session or stored, got "${source}"`);
    Deno.exit(2);
  }
  const records = await benchCostClosedLoop({
    source,
    ...(values.profile ? { profile: values.profile } : {}),
    log: (l) => console.log(l),
  });
  const errors = records.filter((r) => r.metric === "latency_prediction_error");
  const worst = Math.max(...errors.map((r) => Math.abs(r.value ?? Infinity)));
  console.log(`worst |error| ${(100 * worst).toFixed(1)}%`);
}
