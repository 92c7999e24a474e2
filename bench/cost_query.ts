/**
 * Micro-benchmark of cost queries (they run inside search loops; target: a whole resnet8
 * configuration under 1 ms). Per zoo model, on the Cortex-M7 profile, over 256 random
 * valid configurations (one width per width group, bits among the supported pairs):
 * - `network_cost_query_ms`: `networkCost()` per configuration, steady state (compiled,
 *   per-layer memo warm), as a search loop sees it;
 * - `network_cost_query_cold_ms`: the first query on a fresh graph object (compiles it);
 * - `table_cost_query_ms`: `tableCost()` of one kind from a prebuilt table;
 * - `cost_table_build_ms`: `buildCostTable()` over the full option set, from cold;
 * - `expected_cost_ms`: one `expectedCost()` forward pass (tfjs, wasm).
 *
 * @module
 */
import { initBackend, tf } from "../engine/backend.ts";
import type { Configuration, LayerChoice } from "../engine/cost/config.ts";
import { expectedCost } from "../engine/cost/expected.ts";
import { networkCost } from "../engine/cost/network.ts";
import { crossOptions } from "../engine/cost/options.ts";
import { buildCostTable, tableCost } from "../engine/cost/table.ts";
import { widthGroups } from "../engine/cost/widths.ts";
import type { Graph } from "../engine/models/ir.ts";
import { graphFromLayersModel } from "../engine/models/from_layers.ts";
import { buildZooModel, type ZooName } from "../engine/models/zoo.ts";
import { loadProfile } from "../engine/profile/load.ts";
import type { HardwareProfile } from "../engine/profile/types.ts";
import { createRng, type Rng } from "../engine/rng.ts";
import { summarize } from "./stats.ts";
import { measure } from "./timing.ts";

/** One record of this benchmark (the shape of `BenchRecord` with no peer). */
export interface CostQueryRecord {
  readonly suite: "cost";
  readonly case: string;
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
  readonly peer: null;
  readonly peerValue: null;
  readonly ratio: null;
  readonly min: number;
  readonly p90: number;
  readonly n: number;
  readonly profile: string;
}

/** Options of {@link benchCostQuery}. */
export interface BenchCostQueryOptions {
  /** Zoo models. @default {["resnet8", "mobilenet-tiny"]} */
  readonly cases?: readonly ZooName[];
  /** Profile name. @default {"cortex-m7-stm32h743"} */
  readonly profile?: string;
  /** Timed repetitions per metric. @default {15} */
  readonly reps?: number;
}

const N_CONFIGS = 256;
const SPEC = { wbits: [4, 8], abits: [8, 16] };

function randomConfigs(graph: Graph, profile: HardwareProfile, rng: Rng): Configuration[] {
  const options = crossOptions(graph, profile, SPEC).layers;
  const groups = widthGroups(graph);
  const pick = <T>(xs: readonly T[]): T => xs[rng.int(xs.length)]!;
  return Array.from({ length: N_CONFIGS }, () => {
    const layers: Record<string, LayerChoice> = {};
    const width = new Map<string, number>();
    for (const g of groups) {
      const w = pick(options[g.layers[0]!]!).width;
      for (const name of g.layers) width.set(name, w);
    }
    for (const [name, list] of Object.entries(options)) {
      const w = width.get(name);
      layers[name] = pick(w === undefined ? list : list.filter((o) => o.width === w));
    }
    return { layers };
  });
}

/**
 * Runs the cost-query micro-benchmark and returns one record per model and metric
 * (values in ms, medians of the timed repetitions).
 *
 * @example
 * ```ts ignore
 * const records = await benchCostQuery({ cases: ["resnet8"] });
 * ```
 */
export async function benchCostQuery(
  options: BenchCostQueryOptions = {},
): Promise<CostQueryRecord[]> {
  await initBackend();
  const profile = await loadProfile(options.profile ?? "cortex-m7-stm32h743");
  const reps = options.reps ?? 15;
  const out: CostQueryRecord[] = [];
  const record = (c: string, metric: string, samples: number[]) => {
    const s = summarize(samples);
    out.push({
      suite: "cost",
      case: c,
      metric,
      value: s.median,
      unit: "ms",
      peer: null,
      peerValue: null,
      ratio: null,
      min: s.min,
      p90: s.p90,
      n: s.n,
      profile: profile.name,
    });
  };
  for (const name of options.cases ?? ["resnet8", "mobilenet-tiny"] as const) {
    const model = buildZooModel(name);
    const graph = graphFromLayersModel(model);
    model.dispose();
    const configs = randomConfigs(graph, profile, createRng(7));
    const warm = await measure(() => {
      for (const c of configs) networkCost(graph, profile, c);
    }, { warmup: 2, reps });
    record(name, "network_cost_query_ms", warm.map((t) => t / configs.length));
    const cold = await measure(() => {
      networkCost({ ...graph }, profile, configs[0]!);
    }, { warmup: 2, reps });
    record(name, "network_cost_query_cold_ms", cold);
    const optionSet = crossOptions(graph, profile, SPEC);
    const build = await measure(() => {
      buildCostTable({ ...graph }, profile, optionSet);
    }, { warmup: 1, reps });
    record(name, "cost_table_build_ms", build);
    const table = buildCostTable(graph, profile, optionSet);
    const rng = createRng(11);
    const choices = Array.from(
      { length: N_CONFIGS },
      () => Int32Array.from(table.options, (o) => rng.int(o.length)),
    );
    const tq = await measure(() => {
      for (const ch of choices) tableCost(table, ch, "latency");
    }, { warmup: 2, reps });
    record(name, "table_cost_query_ms", tq.map((t) => t / choices.length));
    const probs = table.options.map((o) => tf.fill([o.length], 1 / o.length));
    const ex = await measure(() => {
      tf.tidy(() => expectedCost(table, probs, "latency").dataSync());
    }, { warmup: 2, reps });
    probs.forEach((p) => p.dispose());
    record(name, "expected_cost_ms", ex);
  }
  return out;
}

if (import.meta.main) {
  for (const r of await benchCostQuery()) {
    console.log(
      `${r.case.padEnd(15)} ${r.metric.padEnd(28)} ${r.value.toFixed(4)} ms (min ${
        r.min.toFixed(4)
      }, n ${r.n})`,
    );
  }
}
