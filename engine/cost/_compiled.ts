/**
 * Private: a (graph, profile) pair compiled once — geometry, defaults and memo tables — so
 * that repeated cost queries (search loops) only do array work.
 *
 * @module
 */
import type { Graph } from "../models/ir.ts";
import { profileOpOf } from "../profile/lookup.ts";
import type { HardwareProfile, ProfileOp } from "../profile/types.ts";
import type { LayerChoice } from "./config.ts";
import { defaultChoice } from "./defaults.ts";
import {
  computeLayerCost,
  geometryOf,
  type LayerCostCore,
  type LayerGeometry,
  weightlessCost,
} from "./layer.ts";
import { type Plan, planOf } from "./_plan.ts";
import { layerEpilogues } from "./epilogue.ts";

/** A weightless node that costs time (add, pool, global pool). */
export interface WeightlessNode {
  readonly node: number;
  readonly geo: LayerGeometry;
  readonly memo: Map<number, LayerCostCore>;
}

/** The compiled pair. */
export interface Compiled {
  readonly plan: Plan;
  readonly profile: HardwareProfile;
  /** Per compute layer. */
  readonly geo: readonly LayerGeometry[];
  readonly defaults: readonly LayerChoice[];
  readonly memo: readonly Map<number, LayerCostCore>[];
  readonly weightless: readonly WeightlessNode[];
}

const cache = new WeakMap<Graph, WeakMap<HardwareProfile, Compiled>>();

/** Compiles (or returns the cached) pair. */
export function compiledOf(graph: Graph, profile: HardwareProfile): Compiled {
  let byProfile = cache.get(graph);
  if (!byProfile) cache.set(graph, byProfile = new WeakMap());
  const hit = byProfile.get(profile);
  if (hit) return hit;
  const plan = planOf(graph);
  const inShapeOf = (n: number) => plan.nodes[plan.inputs[n]![0]!]!.outShape;
  const epilogues = layerEpilogues(graph);
  const geo = plan.compute.map((n, c) => {
    const node = plan.nodes[n]!;
    const g = geometryOf(node, profileOpOf(node.op)!, inShapeOf(n), plan.hasBias[c]!);
    return { ...g, epilogue: epilogues.get(node.name) ?? [] };
  });
  const weightless: WeightlessNode[] = [];
  plan.nodes.forEach((node, n) => {
    const op: ProfileOp | undefined = node.op === "gap" ? "pool" : profileOpOf(node.op);
    if (op !== "add" && op !== "pool") return;
    const geo = {
      ...geometryOf(node, op, inShapeOf(n), false),
      epilogue: epilogues.get(node.name),
    };
    weightless.push({ node: n, geo, memo: new Map() });
  });
  const compiled: Compiled = {
    plan,
    profile,
    geo,
    defaults: geo.map((g) => defaultChoice(profile, g.op)),
    memo: geo.map(() => new Map()),
    weightless,
  };
  byProfile.set(profile, compiled);
  return compiled;
}

const MEMO_LIMIT = 1 << 21;

/** Memoized cost of compute layer `c`. */
export function layerCostAt(
  k: Compiled,
  c: number,
  cin: number,
  cout: number,
  wbits: number,
  abits: number,
): LayerCostCore {
  const memoable = cin < MEMO_LIMIT && cout < MEMO_LIMIT;
  const key = (((wbits - 1) * 32 + (abits - 1)) * MEMO_LIMIT + cout) * MEMO_LIMIT + cin;
  const memo = k.memo[c]!;
  if (memoable) {
    const hit = memo.get(key);
    if (hit) return hit;
  }
  const cost = computeLayerCost(k.profile, k.geo[c]!, cin, cout, wbits, abits);
  if (memoable) memo.set(key, cost);
  return cost;
}

/** Memoized cost of a weightless node over `ch` channels. */
export function weightlessCostAt(k: Compiled, w: WeightlessNode, ch: number): LayerCostCore {
  const hit = w.memo.get(ch);
  if (hit) return hit;
  const cost = weightlessCost(k.profile, w.geo, ch);
  w.memo.set(ch, cost);
  return cost;
}
