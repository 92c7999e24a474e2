/**
 * RED, data-free (Yvinec et al., NeurIPS 2021): KDE hashing of each layer's scalar
 * weights ({@linkcode hashWeights}), which turns near-duplicate neurons into exact
 * duplicates, then the exact redundancy merge ({@linkcode mergeRedundant}) of the hashed
 * network. The compression ratio is whatever redundancy the hashing exposes (its natural
 * ratio); the bandwidth sets the trade-off (wider: fewer modes, more duplicates, larger
 * weight changes).
 *
 * Scope `"all"` merges the fully hashed network (RED as published). Scope `"merged"` (the
 * default) takes the hashed values only for the channels that merge (duplicates and their
 * representatives) and keeps every other channel's original weights: the same merges,
 * exactly, with no hashing error on the channels that stay. The KDE of a layer's weights
 * is usually unimodal in its bulk, so a bandwidth wide enough to create duplicates
 * collapses most surviving weights towards the central mode; keeping them avoids that.
 *
 * @module
 */
import { cloneWeights, disposeWeights, type Weights } from "../exec/weights.ts";
import type { Graph } from "../models/ir.ts";
import { copyGroupChannels } from "./_channel_copy.ts";
import { analyzeChannels } from "./channels.ts";
import { hashWeights, type LayerHash } from "./hash_weights.ts";
import { DEFAULT_KDE_BANDWIDTH } from "./kde_hash.ts";
import { findMerges, mergeRedundant, type MergeResult } from "./red_merge.ts";

/**
 * Merge tolerance after hashing: hashed duplicates agree up to float32 rounding of the
 * unfolded write-back (relative ~1e-7), far below any distance between distinct channels.
 * @default 1e-5
 */
export const DEFAULT_RED_TOLERANCE = 1e-5;

/** Options of {@linkcode redCompress}. */
export interface RedOptions {
  /** KDE bandwidth, a fraction of each layer's weight std. @default 0.01 */
  readonly bandwidth?: number;
  /** Merge tolerance on the hashed signatures. @default {@linkcode DEFAULT_RED_TOLERANCE} */
  readonly tolerance?: number;
  /** Which channels take their hashed values (see the module notes). @default "merged" */
  readonly scope?: "merged" | "all";
  /**
   * Keep the full-size weights that were merged (hashed per `scope`) in the result, e.g. to
   * compare the merged network with them. @default false
   */
  readonly keepHashed?: boolean;
}

/** Result of {@linkcode redCompress}: the merged network and what hashing did. */
export interface RedResult extends MergeResult {
  /** Per hashed layer: modes and bandwidth. */
  readonly hashed: Readonly<Record<string, LayerHash>>;
  /** The full-size weights that were merged, when `keepHashed` (the caller disposes them). */
  readonly hashedWeights?: Weights;
}

/**
 * Hashes, then merges; the inputs are not modified.
 *
 * @example
 * ```ts
 * import { initBackend } from "../backend.ts";
 * import { buildZooModel } from "../models/zoo.ts";
 * import { graphFromLayersModel } from "../models/from_layers.ts";
 * import { disposeWeights, weightsFromLayersModel } from "../exec/weights.ts";
 * import { redCompress } from "./red.ts";
 * await initBackend("cpu");
 * const model = buildZooModel("resnet8");
 * const graph = graphFromLayersModel(model);
 * const weights = weightsFromLayersModel(model, graph);
 * const red = redCompress(graph, weights, { bandwidth: 0.05 });
 * console.assert(red.ratio.macs <= 1);
 * disposeWeights(weights);
 * disposeWeights(red.weights);
 * ```
 */
export function redCompress(graph: Graph, weights: Weights, opts: RedOptions = {}): RedResult {
  const hashed = hashWeights(graph, weights, {
    bandwidth: opts.bandwidth ?? DEFAULT_KDE_BANDWIDTH,
  });
  const tolerance = opts.tolerance ?? DEFAULT_RED_TOLERANCE;
  let source = hashed.weights;
  if ((opts.scope ?? "merged") === "merged") {
    const analysis = analyzeChannels(graph);
    const merges = findMerges(graph, hashed.weights, tolerance, analysis);
    source = cloneWeights(weights);
    for (const group of analysis.groups) {
      const list = merges[group.id] ?? [];
      const channels = new Set(list.flatMap((m) => [m.from, m.into]));
      copyGroupChannels(graph, hashed.weights, source, group, channels, analysis);
    }
    disposeWeights(hashed.weights);
  }
  try {
    const merged = mergeRedundant(graph, source, { tolerance });
    return opts.keepHashed
      ? { ...merged, hashed: hashed.layers, hashedWeights: source }
      : { ...merged, hashed: hashed.layers };
  } finally {
    if (!opts.keepHashed) disposeWeights(source);
  }
}
