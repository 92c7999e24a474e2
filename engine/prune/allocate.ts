/**
 * How a MACs target is split across dependency groups: one common keep-fraction for every
 * group (bisection), or a global ranking of all channels by their score normalised within
 * their group (so scores of differently scaled layers compare), removing the lowest first
 * until the target is met, never below a minimum keep-fraction per group.
 *
 * @module
 */
import type { Graph } from "../models/ir.ts";
import type { DependencyGroup } from "./channels.ts";
import { widthMasks } from "./masks.ts";
import { graphMacs, prunedGraph } from "./surgery.ts";

/**
 * How channels are allocated across groups: `uniform` (one keep-fraction), `global` (one
 * ranking of scores normalised per group), `global-macs` (the same ranking divided by the
 * MACs one channel of the group costs, normalised by the mean over groups: a channel that
 * costs many MACs for its importance goes first), `sensitivity` (greedy steps that raise
 * the measured loss least per MAC saved; needs data, see `allocate_sensitivity.ts`).
 */
export type Allocation = "uniform" | "global" | "global-macs" | "sensitivity";

/** Default minimum fraction of channels a group keeps under global allocation. @default 0.25 */
export const DEFAULT_MIN_KEEP = 0.25;

/** Widths (kept channels per group) from one keep-fraction. */
export function widthsAt(
  groups: readonly DependencyGroup[],
  fraction: number,
): Record<string, number> {
  return Object.fromEntries(
    groups.map((g) => [g.id, Math.max(1, Math.min(g.channels, Math.round(g.channels * fraction)))]),
  );
}

type Masks = Record<string, Float32Array>;

/**
 * Largest common keep-fraction whose MACs are within `target` (30 bisection steps), its
 * rounding then topped up by largest remainders while the MACs stay within `target`. Groups
 * in `whole` keep every channel and the fraction applies to the others; throws when even
 * one channel per other group does not fit.
 */
export function uniformWidths(
  graph: Graph,
  groups: readonly DependencyGroup[],
  scores: Readonly<Record<string, Float32Array>>,
  target: number,
  whole: ReadonlySet<string> = new Set(),
): Record<string, number> {
  for (const id of whole) {
    if (!groups.some((g) => g.id === id)) {
      throw new RangeError(`Cannot keep group "${id}" whole: no prunable group has that id`);
    }
  }
  const at = (fraction: number): Record<string, number> => {
    const w = widthsAt(groups, fraction);
    for (const g of groups) if (whole.has(g.id)) w[g.id] = g.channels;
    return w;
  };
  const macsAt = (fraction: number) =>
    graphMacs(prunedGraph(graph, widthMasks(groups, scores, at(fraction))));
  if (whole.size > 0 && macsAt(0) > target) {
    throw new RangeError(
      `Cannot prune to ${target} MACs while keeping ${[...whole].join(", ")} whole: ` +
        `one channel in every other group leaves ${macsAt(0)}`,
    );
  }
  let lo = 0, hi = 1;
  for (let i = 0; i < 30; i++) {
    const mid = (lo + hi) / 2;
    if (macsAt(mid) <= target) lo = mid;
    else hi = mid;
  }
  return fillRemainders(graph, groups, scores, target, at(lo), lo, whole);
}

/**
 * Largest-remainder rounding under the budget: rounding every group's `channels × fraction`
 * to the nearest integer can leave MACs unspent (mobilenet-tiny at half: 49.2%). Groups are
 * visited by how far rounding left them below their exact share (most first), and each gets
 * one more channel if the MACs stay within `target`. No group gets more than one channel
 * above its rounded share, so the allocation stays uniform.
 */
function fillRemainders(
  graph: Graph,
  groups: readonly DependencyGroup[],
  scores: Readonly<Record<string, Float32Array>>,
  target: number,
  widths: Record<string, number>,
  fraction: number,
  whole: ReadonlySet<string>,
): Record<string, number> {
  const shortfall = (g: DependencyGroup) => g.channels * fraction - widths[g.id]!;
  const open = groups
    .filter((g) => !whole.has(g.id) && widths[g.id]! < g.channels)
    .sort((a, b) => shortfall(b) - shortfall(a));
  for (const g of open) {
    const trial = { ...widths, [g.id]: widths[g.id]! + 1 };
    if (graphMacs(prunedGraph(graph, widthMasks(groups, scores, trial))) <= target) {
      widths = trial;
    }
  }
  return widths;
}

/**
 * Global ranking: each group's scores are divided by their mean (and, with `perMacs`, by
 * the MACs one of its channels costs relative to the mean over groups), then channels are
 * removed lowest first (skipping groups at `minKeep`) until the MACs are within `target`.
 * Returns the masks (they follow the ranking, not a per-group top-k).
 */
export function globalMasks(
  graph: Graph,
  groups: readonly DependencyGroup[],
  scores: Readonly<Record<string, Float32Array>>,
  target: number,
  minKeep: number = DEFAULT_MIN_KEEP,
  perMacs = false,
): Masks {
  if (!(minKeep > 0 && minKeep <= 1)) {
    throw new RangeError(`Cannot keep a fraction ${minKeep} of each group: expected (0, 1]`);
  }
  const masks: Masks = Object.fromEntries(
    groups.map((g) => [g.id, new Float32Array(g.channels).fill(1)]),
  );
  const kept = new Map(groups.map((g) => [g.id, g.channels]));
  const cost = perMacs ? channelMacs(graph, groups) : new Map<string, number>();
  const meanCost = perMacs ? [...cost.values()].reduce((a, b) => a + b, 0) / cost.size || 1 : 1;
  const ranked: { id: string; c: number; s: number }[] = [];
  for (const g of groups) {
    const s = scores[g.id]!;
    const mean = s.reduce((a, b) => a + Math.abs(b), 0) / s.length || 1;
    const per = perMacs ? Math.max(cost.get(g.id)!, 1) / meanCost : 1;
    s.forEach((v, c) => ranked.push({ id: g.id, c, s: v / mean / per }));
  }
  ranked.sort((a, b) => a.s - b.s || a.c - b.c);
  const floor = new Map(groups.map((g) => [g.id, Math.max(1, Math.ceil(g.channels * minKeep))]));
  for (const { id, c } of ranked) {
    if (graphMacs(prunedGraph(graph, masks)) <= target) break;
    if (kept.get(id)! <= floor.get(id)!) continue;
    masks[id]![c] = 0;
    kept.set(id, kept.get(id)! - 1);
  }
  const macs = graphMacs(prunedGraph(graph, masks));
  if (macs > target) {
    throw new RangeError(
      `Cannot prune to ${target} MACs while keeping ${minKeep} of every group: ` +
        `the floor leaves ${macs} (${(macs / graphMacs(graph)).toFixed(3)} of the network); ` +
        "lower minKeep",
    );
  }
  return masks;
}

/** MACs saved by removing one channel of each group (all others kept), by group id. */
export function channelMacs(
  graph: Graph,
  groups: readonly DependencyGroup[],
): Map<string, number> {
  const full = Object.fromEntries(
    groups.map((g) => [g.id, new Float32Array(g.channels).fill(1)]),
  );
  const before = graphMacs(graph);
  return new Map(groups.map((g) => {
    if (g.channels < 2) return [g.id, 0];
    const one = full[g.id]!.slice();
    one[0] = 0;
    return [g.id, before - graphMacs(prunedGraph(graph, { ...full, [g.id]: one }))];
  }));
}
