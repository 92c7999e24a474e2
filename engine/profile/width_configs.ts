/**
 * The networks the profiler times: a model pruned to **mixed** width configurations (each
 * prunable group at its own width from the profiled list), chosen so that together they
 * contain every layer shape `profileUnits()` lists. Every row is then timed inside whole
 * networks, and the same networks calibrate the per-call overhead (`calibrate.ts`).
 *
 * Uniform configurations (every group at one width) are what the closed-loop benchmark
 * checks (`bench/cost_closed_loop.ts`), so they are avoided: they are used only to cover a
 * shape no mixed configuration has (a model with fewer than three prunable groups), and are
 * flagged `uniform` so calibration can leave them out. Choice: greedy, each step keeping the
 * best of {@link CANDIDATES_PER_STEP} seeded random configurations (most uncovered shapes),
 * then random mixed configurations until the model has `minNetworks`.
 *
 * @module
 */
import { prunedChannels } from "../cost/config.ts";
import type { Graph } from "../models/ir.ts";
import { dependencyGroups } from "../prune/channels.ts";
import { prunedGraph } from "../prune/surgery.ts";
import { createRng, type Rng } from "../rng.ts";
import { type ProfileUnit, profileUnits, unitOccurrences } from "./profiler.ts";

/** One network to time. */
export interface ProfilingNetwork {
  /** `<model>@<w1>/<w2>/...`: the width of every prunable group, in group order. */
  readonly name: string;
  /** The pruned graph (shapes only; named like the network). */
  readonly graph: Graph;
  /** Width of every prunable group, in `dependencyGroups()` order. */
  readonly groupWidths: readonly number[];
  /** Every group at the same width: a network the closed loop checks. */
  readonly uniform: boolean;
}

/** Options of {@link profilingNetworks}. */
export interface ProfilingNetworkOptions {
  /** Seed of the random configurations. @default 1 */
  readonly seed?: number;
  /** Networks per model at least (extra random mixed ones calibrate the overhead). @default 6 */
  readonly minNetworks?: number;
  /** Greedy steps at most. @default 200 */
  readonly maxSteps?: number;
}

/** Random configurations compared per greedy step. @default 32 */
export const CANDIDATES_PER_STEP = 32;

/** Result of {@link profilingNetworks}. */
export interface NetworkPlan {
  /** The networks, in choice order. */
  readonly networks: readonly ProfilingNetwork[];
  /** Shapes of `profileUnits(graph, widths)` no network contains (no row will be measured). */
  readonly uncovered: readonly ProfileUnit[];
}

/**
 * `graph` with prunable group `i` (in `dependencyGroups()` order) at `widths[i]` (first
 * channels kept; shapes only). Throws a RangeError for a wrong count or a width outside (0, 1].
 */
export function graphAtWidths(graph: Graph, widths: readonly number[]): Graph {
  const groups = dependencyGroups(graph).filter((g) => g.prunable);
  if (widths.length !== groups.length) {
    throw new RangeError(
      `Cannot prune graph "${graph.name}" with ${widths.length} widths: it has ` +
        `${groups.length} prunable groups`,
    );
  }
  const masks: Record<string, Float32Array> = {};
  groups.forEach((g, i) => {
    const w = widths[i]!;
    if (!(w > 0 && w <= 1)) {
      throw new RangeError(`Cannot prune group "${g.id}" to width ${w}: expected (0, 1]`);
    }
    const keep = prunedChannels(g.channels, w);
    masks[g.id] = Float32Array.from({ length: g.channels }, (_, c) => (c < keep ? 1 : 0));
  });
  return prunedGraph(graph, masks);
}

const isUniform = (ws: readonly number[]) => ws.every((w) => w === ws[0]);
const sameList = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

function randomMixed(rng: Rng, widths: readonly number[], groups: number): number[] {
  for (;;) {
    const ws = Array.from({ length: groups }, () => widths[rng.int(widths.length)]!);
    if (groups < 2 || widths.length < 2 || !isUniform(ws)) return ws;
  }
}

/**
 * The networks that time every shape of `graph` over `widths` (see the module doc).
 * Throws a RangeError for an empty width list.
 *
 * @example
 * ```ts
 * import { profilingNetworks } from "./width_configs.ts";
 * import { residualGraph } from "../../tests/fixtures/graphs.ts";
 * const plan = profilingNetworks(residualGraph, [0.5, 1], { minNetworks: 2 });
 * console.log(plan.networks.map((n) => n.name), plan.uncovered.length);
 * ```
 */
export function profilingNetworks(
  graph: Graph,
  widths: readonly number[],
  options: ProfilingNetworkOptions = {},
): NetworkPlan {
  const targets = profileUnits(graph, widths);
  const groups = dependencyGroups(graph).filter((g) => g.prunable).length;
  const rng = createRng(options.seed ?? 1);
  const covered = new Array<boolean>(targets.length).fill(false);
  const networks: ProfilingNetwork[] = [];
  const evaluate = (ws: number[]) => {
    const g = { ...graphAtWidths(graph, ws), name: `${graph.name}@${ws.join("/")}` };
    const units = new Set(unitOccurrences(g, targets).map((o) => o.unit));
    return { ws, g, units, gain: [...units].filter((u) => !covered[u]).length };
  };
  const accept = (c: ReturnType<typeof evaluate>) => {
    c.units.forEach((u) => (covered[u] = true));
    networks.push({ name: c.g.name, graph: c.g, groupWidths: c.ws, uniform: isUniform(c.ws) });
  };
  const chosen = (ws: readonly number[]) => networks.some((n) => sameList(n.groupWidths, ws));
  for (let step = 0; step < (options.maxSteps ?? 200) && covered.includes(false); step++) {
    let best: ReturnType<typeof evaluate> | undefined;
    for (let k = 0; k < CANDIDATES_PER_STEP; k++) {
      const ws = randomMixed(rng, widths, groups);
      if (chosen(ws)) continue;
      const c = evaluate(ws);
      if (c.gain > 0 && (best === undefined || c.gain > best.gain)) best = c;
    }
    if (best !== undefined) accept(best);
  }
  for (const w of widths) {
    const c = evaluate(new Array<number>(groups).fill(w));
    if (c.gain > 0 && !chosen(c.ws)) accept(c);
  }
  const space = groups < 2 ? 0 : widths.length ** groups - widths.length; // mixed ones
  const wanted = Math.min(options.minNetworks ?? 6, space);
  for (let tries = 0; networks.filter((n) => !n.uniform).length < wanted && tries < 1000; tries++) {
    const ws = randomMixed(rng, widths, groups);
    if (!chosen(ws)) accept(evaluate(ws));
  }
  return { networks, uncovered: targets.filter((_, i) => !covered[i]) };
}
