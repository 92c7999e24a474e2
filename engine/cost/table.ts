/**
 * Option cost tables for search loops: for every compute layer and every option
 * `{wbits, abits, width}` of it, the layer's cost for every width its input can have (its
 * input channels follow the option chosen for its width source). Built once; queried by
 * `tableCost()` (a discrete choice, no tfjs) and `expectedCost()` (tfjs, differentiable).
 *
 * @module
 */
import type { Graph } from "../models/ir.ts";
import type { HardwareProfile } from "../profile/types.ts";
import { type LayerChoice, prunedChannels } from "./config.ts";
import { compiledOf, layerCostAt, weightlessCostAt } from "./_compiled.ts";
import type { LayerCostCore } from "./layer.ts";
import type { Plan } from "./_plan.ts";

/** Additive cost kinds a table holds (peak SRAM is a max, not a sum: see `memory.ts`). */
export type CostKind = "latency" | "energy" | "flash" | "bops";

/** Every additive cost kind. */
export const COST_KINDS: readonly CostKind[] = ["latency", "energy", "flash", "bops"];

/** Per-layer options: layer name -> choices (layers left out get the profile default). */
export interface OptionSet {
  /** Layer name -> its options. */
  readonly layers: Readonly<Record<string, readonly LayerChoice[]>>;
}

/** A term of a weightless op: its cost per width of its source (or a constant). */
export interface OpTerm {
  /** Layer index of the width source, -1 when its channels are fixed. */
  readonly source: number;
  /** Per kind: cost per source width (length 1 when `source === -1`). */
  readonly values: Readonly<Record<CostKind, Float64Array>>;
}

/** The precomputed tables. Units: ms, mJ, bytes, bit-ops. */
export interface CostTable {
  /** Compute layer names, graph order (the order of every per-layer array). */
  readonly layers: readonly string[];
  /** Options per layer. */
  readonly options: readonly (readonly LayerChoice[])[];
  /** Per layer: index of the layer whose width sets its input channels; -1 = fixed. */
  readonly source: Int32Array;
  /** Per layer: option -> index of its output channel count among the layer's widths. */
  readonly widthIndex: readonly Int32Array[];
  /** Per layer: number of distinct output channel counts over its options. */
  readonly widthCount: readonly number[];
  /**
   * Per kind, per layer: costs `[option][source width]`, row-major, shape
   * `options.length x widthCount[source]` (x 1 when the source is -1).
   */
  readonly costs: Readonly<Record<CostKind, readonly Float64Array[]>>;
  /** Weightless ops (add, pool): extra terms that depend on their source's width only. */
  readonly ops: readonly OpTerm[];
  /** False when the profile has no energy model (the energy tables are then zero). */
  readonly hasEnergy: boolean;
}

function pick(x: LayerCostCore, kind: CostKind): number {
  switch (kind) {
    case "latency":
      return x.latencyMs;
    case "energy":
      return x.energyMj ?? 0;
    case "flash":
      return x.flashBytes;
    case "bops":
      return x.bops;
  }
}

/**
 * Builds the option cost tables. Throws `UnsupportedBitsError` for an option the profile
 * does not support, RangeError for an unknown layer or a width < 1 on a pinned layer.
 *
 * @example
 * ```ts ignore
 * const table = buildCostTable(graph, profile, crossOptions(graph, profile, {
 *   wbits: [4, 8], abits: [8], widths: [0.5, 1],
 * }));
 * ```
 */
export function buildCostTable(
  graph: Graph,
  profile: HardwareProfile,
  optionSet: OptionSet,
): CostTable {
  const k = compiledOf(graph, profile);
  const plan = k.plan;
  const nc = plan.compute.length;
  for (const name in optionSet.layers) {
    const n = plan.byName.get(name);
    if (n === undefined || plan.computeOf[n]! < 0) {
      throw new RangeError(`Options name layer "${name}", not a compute layer of "${graph.name}"`);
    }
  }
  const layers = plan.compute.map((n) => plan.nodes[n]!.name);
  const options = layers.map((name, c) => {
    const list = optionSet.layers[name] ?? [k.defaults[c]!];
    if (list.length === 0) throw new RangeError(`Layer "${name}" has an empty option list`);
    return list;
  });
  // Own output channels per option (depthwise: follows its input; filled per source width).
  const original = plan.compute.map((n) => plan.nodes[n]!.outShape.at(-1)!);
  const coutOf = options.map((opts, c) =>
    opts.map((o) => {
      if (!plan.prunable[c] && o.width !== 1 && plan.nodes[plan.compute[c]!]!.op !== "depthwise") {
        throw new RangeError(`Layer "${layers[c]}" cannot be pruned: option width ${o.width} < 1`);
      }
      return plan.prunable[c] ? prunedChannels(original[c]!, o.width) : original[c]!;
    })
  );
  const widths = coutOf.map((cs) => [...new Set(cs)]);
  const widthIndex = coutOf.map((cs, c) => Int32Array.from(cs, (v) => widths[c]!.indexOf(v)));
  const source = new Int32Array(nc);
  const factor = new Float64Array(nc);
  plan.compute.forEach((n, c) => {
    const inNode = plan.inputs[n]![0]!;
    const s = plan.widthSource[inNode]!;
    source[c] = s;
    factor[c] = s < 0 ? 0 : fullIn(plan, n) / original[s]!;
  });
  const costs = { latency: [], energy: [], flash: [], bops: [] } as Record<
    CostKind,
    Float64Array[]
  >;
  for (let c = 0; c < nc; c++) {
    const s = source[c]!;
    const cins = s < 0 ? [fullIn(plan, plan.compute[c]!)] : widths[s]!.map((w) => w * factor[c]!);
    const isDw = plan.nodes[plan.compute[c]!]!.op === "depthwise";
    const mult = isDw ? original[c]! / fullIn(plan, plan.compute[c]!) : 1;
    const nOpt = options[c]!.length;
    for (const kind of COST_KINDS) costs[kind].push(new Float64Array(nOpt * cins.length));
    options[c]!.forEach((o, i) => {
      cins.forEach((cin, j) => {
        const cout = isDw ? cin * mult : coutOf[c]![i]!;
        const x = layerCostAt(k, c, cin, cout, o.wbits, o.abits);
        for (const kind of COST_KINDS) costs[kind][c]![i * cins.length + j] = pick(x, kind);
      });
    });
  }
  const ops: OpTerm[] = k.weightless.map((w) => {
    const s = plan.widthSource[w.node]!;
    const full = plan.nodes[w.node]!.outShape.at(-1)!;
    const chs = s < 0 ? [full] : widths[s]!.map((v) => (v * full) / original[s]!);
    const values = {} as Record<CostKind, Float64Array>;
    for (const kind of COST_KINDS) {
      values[kind] = Float64Array.from(chs, (ch) => pick(weightlessCostAt(k, w, ch), kind));
    }
    return { source: s, values };
  });
  return {
    layers,
    options,
    source,
    widthIndex,
    widthCount: widths.map((w) => w.length),
    costs,
    ops,
    hasEnergy: profile.energy !== undefined,
  };
}

/** Unpruned input channels (features for dense) of compute node `n`. */
function fullIn(plan: Plan, n: number): number {
  const inNode = plan.nodes[plan.inputs[n]![0]!]!;
  return plan.nodes[n]!.op === "dense"
    ? inNode.outShape.reduce((a, b) => a * b, 1)
    : inNode.outShape.at(-1)!;
}

/**
 * Exact additive cost of one discrete choice (`choice[c]` = option index of layer c), from
 * the table. Equals `networkCost()`'s total for the same configuration.
 */
export function tableCost(table: CostTable, choice: ArrayLike<number>, kind: CostKind): number {
  const n = table.layers.length;
  if (choice.length !== n) {
    throw new RangeError(`Expected ${n} option indices (one per layer), got ${choice.length}`);
  }
  const widthOf = (s: number) => (s < 0 ? 0 : table.widthIndex[s]![choice[s]!]!);
  let total = 0;
  for (let c = 0; c < n; c++) {
    const s = table.source[c]!;
    const cols = s < 0 ? 1 : table.widthCount[s]!;
    const i = choice[c]!;
    if (!(i >= 0 && i < table.options[c]!.length)) {
      throw new RangeError(`Option index ${i} out of range for layer "${table.layers[c]}"`);
    }
    total += table.costs[kind][c]![i * cols + widthOf(s)]!;
  }
  for (const t of table.ops) total += t.values[kind][widthOf(t.source)]!;
  return total;
}
