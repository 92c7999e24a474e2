/**
 * Channel masks per dependency group, and their expansion to per-layer masks for the
 * executor (so a masked network can be trained, evaluated or fed to surgery).
 *
 * @module
 */
import type { ExecHooks } from "../exec/hooks.ts";
import type { Graph } from "../models/ir.ts";
import { createRng } from "../rng.ts";
import { analyzeChannels, type ChannelAnalysis, type DependencyGroup } from "./channels.ts";

/** Masks by group id: 1 keeps a channel, 0 prunes it. A missing group keeps everything. */
export type GroupMasks = Readonly<Record<string, Float32Array>>;

/**
 * Checks masks against the groups: known ids, right lengths, at least one channel kept,
 * and no channel pruned in a group that is not prunable. Throws a RangeError naming it.
 */
export function checkMasks(groups: readonly DependencyGroup[], masks: GroupMasks): void {
  for (const [id, mask] of Object.entries(masks)) {
    const g = groups.find((x) => x.id === id);
    if (g === undefined) throw new RangeError(`Cannot use mask of unknown group "${id}"`);
    if (mask.length !== g.channels) {
      throw new RangeError(
        `Cannot use mask of group "${id}": ${mask.length} entries for ${g.channels} channels`,
      );
    }
    const kept = mask.reduce((n, v) => n + (v !== 0 ? 1 : 0), 0);
    if (kept === 0) throw new RangeError(`Cannot prune every channel of group "${id}"`);
    if (!g.prunable && kept !== g.channels) {
      throw new RangeError(`Cannot prune group "${id}": it is not prunable (${g.reason})`);
    }
  }
}

/** Per-layer masks (by node name) expanding group masks; only masked layers appear. */
export function nodeMasks(
  graph: Graph,
  masks: GroupMasks,
  analysis: ChannelAnalysis = analyzeChannels(graph),
): Record<string, Float32Array> {
  checkMasks(analysis.groups, masks);
  const out: Record<string, Float32Array> = {};
  for (const node of graph.nodes) {
    const ch = analysis.nodes.get(node.name)!;
    const mask = masks[ch.group];
    if (mask === undefined || mask.every((v) => v !== 0)) continue;
    out[node.name] = Float32Array.from(ch.index, (g) => mask[g]!);
  }
  return out;
}

/**
 * Executor hooks that apply group masks at every layer carrying the group's channels, so
 * the masked network computes what the surgically pruned one does.
 *
 * @example
 * ```ts
 * import { maskHooks } from "./masks.ts";
 * import type { Graph } from "../models/ir.ts";
 * const graph: Graph = {
 *   name: "g",
 *   output: "out",
 *   nodes: [
 *     { name: "in", op: "input", inputs: [], outShape: [4] },
 *     { name: "fc", op: "dense", inputs: ["in"], outShape: [3], units: 3, useBias: true,
 *       activation: "relu" },
 *     { name: "out", op: "dense", inputs: ["fc"], outShape: [2], units: 2, useBias: true,
 *       activation: "linear" },
 *   ],
 * };
 * const hooks = maskHooks(graph, { fc: new Float32Array([1, 0, 1]) });
 * console.assert(hooks.masks!.fc !== undefined);
 * ```
 */
export function maskHooks(graph: Graph, masks: GroupMasks): ExecHooks {
  return { masks: nodeMasks(graph, masks) };
}

/** Indices of the kept channels of a mask. */
export function keptChannels(mask: Float32Array): number[] {
  const out: number[] = [];
  mask.forEach((v, i) => v !== 0 && out.push(i));
  return out;
}

/** A mask keeping the `keep` channels of highest score (ties: lower index first). */
export function topKMask(scores: Float32Array, keep: number): Float32Array {
  if (!Number.isInteger(keep) || keep < 1 || keep > scores.length) {
    throw new RangeError(`Cannot keep ${keep} of ${scores.length} channels`);
  }
  const order = Array.from(scores.keys()).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const mask = new Float32Array(scores.length);
  for (const i of order.slice(0, keep)) mask[i] = 1;
  return mask;
}

/** Per group, a mask keeping its `widths[id]` highest-scored channels (`topKMask`). */
export function widthMasks(
  groups: readonly DependencyGroup[],
  scores: Readonly<Record<string, Float32Array>>,
  widths: Readonly<Record<string, number>>,
): Record<string, Float32Array> {
  return Object.fromEntries(groups.map((g) => [g.id, topKMask(scores[g.id]!, widths[g.id]!)]));
}

/** Random masks (seeded) for every prunable group, keeping about `keep` of each (≥ 1). */
export function randomMasks(
  groups: readonly DependencyGroup[],
  opts: { seed: number; keep?: number },
): Record<string, Float32Array> {
  const rng = createRng(opts.seed);
  const out: Record<string, Float32Array> = {};
  for (const g of groups.filter((x) => x.prunable)) {
    const scores = Float32Array.from({ length: g.channels }, () => rng.next());
    out[g.id] = topKMask(scores, Math.max(1, Math.round(g.channels * (opts.keep ?? 0.5))));
  }
  return out;
}
