/**
 * Data-free redundancy merge (RED-style output merging). In each prunable group, channels
 * whose folded signatures are within `tolerance` of a kept representative are merged into
 * it: the duplicate's outgoing weights (its input slice in every consumer), times λ, are
 * added to the representative's, then the duplicate is pruned by surgery. Exact when the
 * signatures are identical, or proportional (λ > 0) along a positively homogeneous path.
 *
 * @module
 */
import { tf } from "../backend.ts";
import { cloneWeights, disposeWeights, weightOf, type Weights } from "../exec/weights.ts";
import { type Graph, nodeByName } from "../models/ir.ts";
import { groupSignatures, signatureDistance } from "./_signatures.ts";
import { analyzeChannels, type ChannelAnalysis } from "./channels.ts";
import type { GroupMasks } from "./masks.ts";
import { graphMacs, surgery } from "./surgery.ts";

/** Default merge tolerance (normalised signature distance). */
export const DEFAULT_MERGE_TOLERANCE = 1e-6;

/** One merge: channel `from` folded into channel `into` with factor `lambda`. */
export interface ChannelMerge {
  readonly from: number;
  readonly into: number;
  readonly lambda: number;
}

/** Result of {@linkcode mergeRedundant}. */
export interface MergeResult {
  readonly graph: Graph;
  readonly weights: Weights;
  /** Kept channels per group (1 = representative). */
  readonly masks: GroupMasks;
  /** Merges per group id. */
  readonly merges: Readonly<Record<string, readonly ChannelMerge[]>>;
  /** The natural ratios at this tolerance: kept/total channels and MACs after/before. */
  readonly ratio: { readonly channels: number; readonly macs: number };
}

/** Greedy clustering: each channel joins the first earlier representative within tolerance. */
export function findMerges(
  graph: Graph,
  weights: Weights,
  tolerance: number,
  analysis: ChannelAnalysis = analyzeChannels(graph),
): Record<string, ChannelMerge[]> {
  if (!(tolerance >= 0)) throw new RangeError(`Cannot merge with tolerance ${tolerance}`);
  const out: Record<string, ChannelMerge[]> = {};
  for (const group of analysis.groups.filter((g) => g.prunable)) {
    const { vectors, homogeneous } = groupSignatures(graph, weights, group, analysis);
    const reps: number[] = [];
    const merges: ChannelMerge[] = [];
    vectors.forEach((v, c) => {
      for (const r of reps) {
        const { distance, lambda } = signatureDistance(vectors[r]!, v, homogeneous);
        if (distance <= tolerance && lambda > 0) {
          return void merges.push({ from: c, into: r, lambda });
        }
      }
      reps.push(c);
    });
    out[group.id] = merges;
  }
  return out;
}

/** The two closest channels of a group, and their normalised signature distance. */
export interface ClosestPair {
  readonly a: number;
  readonly b: number;
  readonly distance: number;
}

/**
 * Per prunable group of two or more channels, the pair of channels whose signatures are
 * closest (the distance {@linkcode findMerges} compares with its tolerance): how far the
 * network is from any merge. At a tolerance below a group's distance, nothing in it merges.
 *
 * @example
 * ```ts
 * import { initBackend } from "../backend.ts";
 * import { buildZooModel } from "../models/zoo.ts";
 * import { graphFromLayersModel } from "../models/from_layers.ts";
 * import { disposeWeights, weightsFromLayersModel } from "../exec/weights.ts";
 * import { closestPairs } from "./red_merge.ts";
 * await initBackend("cpu");
 * const model = buildZooModel("cnn-s");
 * const graph = graphFromLayersModel(model);
 * const weights = weightsFromLayersModel(model, graph);
 * const pairs = closestPairs(graph, weights);
 * console.assert(Object.values(pairs).every((p) => p.distance > 0));
 * disposeWeights(weights);
 * ```
 */
export function closestPairs(
  graph: Graph,
  weights: Weights,
  analysis: ChannelAnalysis = analyzeChannels(graph),
): Record<string, ClosestPair> {
  const out: Record<string, ClosestPair> = {};
  for (const group of analysis.groups.filter((g) => g.prunable && g.channels > 1)) {
    const { vectors, homogeneous } = groupSignatures(graph, weights, group, analysis);
    let best: ClosestPair = { a: 0, b: 1, distance: Infinity };
    for (let b = 1; b < vectors.length; b++) {
      for (let a = 0; a < b; a++) {
        const { distance } = signatureDistance(vectors[a]!, vectors[b]!, homogeneous);
        if (distance < best.distance) best = { a, b, distance };
      }
    }
    out[group.id] = best;
  }
  return out;
}

/** Adds `λ·W[from]` into `W[into]` along the consumer kernel's input axis, per position. */
function mergeInputs(
  data: Float32Array,
  shape: readonly number[],
  axis: number,
  index: Int32Array,
  merges: readonly ChannelMerge[],
): void {
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const n = shape[axis]!;
  const positions = new Map<number, number[]>();
  index.forEach((g, i) => positions.set(g, [...(positions.get(g) ?? []), i]));
  for (const { from, into, lambda } of merges) {
    const src = positions.get(from)!, dst = positions.get(into)!;
    for (let o = 0; o < outer; o++) {
      src.forEach((i, k) => {
        const j = dst[k]!;
        for (let t = 0; t < inner; t++) {
          data[(o * n + j) * inner + t]! += lambda * data[(o * n + i) * inner + t]!;
        }
      });
    }
  }
}

/**
 * Merges near-duplicate channels at `tolerance` and returns the smaller network with its
 * natural compression ratio. The inputs are not modified.
 *
 * @example
 * ```ts
 * import { initBackend } from "../backend.ts";
 * import { buildZooModel } from "../models/zoo.ts";
 * import { graphFromLayersModel } from "../models/from_layers.ts";
 * import { disposeWeights, weightsFromLayersModel } from "../exec/weights.ts";
 * import { mergeRedundant } from "./red_merge.ts";
 * await initBackend("cpu");
 * const model = buildZooModel("cnn-s");
 * const graph = graphFromLayersModel(model);
 * const weights = weightsFromLayersModel(model, graph);
 * const merged = mergeRedundant(graph, weights, { tolerance: 1e-6 });
 * console.assert(merged.ratio.macs <= 1);
 * disposeWeights(weights);
 * disposeWeights(merged.weights);
 * ```
 */
export function mergeRedundant(
  graph: Graph,
  weights: Weights,
  opts: { tolerance?: number } = {},
): MergeResult {
  const analysis = analyzeChannels(graph);
  const merges = findMerges(graph, weights, opts.tolerance ?? DEFAULT_MERGE_TOLERANCE, analysis);
  const adjusted = cloneWeights(weights);
  const masks: Record<string, Float32Array> = {};
  let kept = 0, total = 0;
  for (const group of analysis.groups.filter((g) => g.prunable)) {
    const list = merges[group.id] ?? [];
    const mask = new Float32Array(group.channels).fill(1);
    for (const m of list) mask[m.from] = 0;
    masks[group.id] = mask;
    kept += group.channels - list.length;
    total += group.channels;
    if (list.length === 0) continue;
    for (const consumer of group.consumers) {
      const node = nodeByName(graph, consumer);
      const kernel = weightOf(adjusted, consumer, "kernel");
      const data = Float32Array.from(kernel.dataSync());
      const axis = node.op === "dense" ? 0 : 2;
      mergeInputs(data, kernel.shape, axis, analysis.nodes.get(node.inputs[0]!)!.index, list);
      tf.tidy(() => kernel.assign(tf.tensor(data, kernel.shape)));
    }
  }
  const small = surgery(graph, adjusted, masks);
  disposeWeights(adjusted);
  return {
    ...small,
    masks,
    merges,
    ratio: {
      channels: total === 0 ? 1 : kept / total,
      macs: graphMacs(small.graph) / graphMacs(graph),
    },
  };
}
