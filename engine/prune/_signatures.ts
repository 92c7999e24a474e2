/**
 * Per-channel signatures of a dependency group, for the redundancy merge: everything that
 * determines the channel's value, with batch norms folded. Two channels with equal
 * signatures (and inputs common to both, which every group has) carry equal values.
 *
 * @module
 */
import type { Weights } from "../exec/weights.ts";
import { type Graph, nodeByName } from "../models/ir.ts";
import type { ChannelAnalysis, DependencyGroup } from "./channels.ts";
import { bnAffine, outputColumns } from "./criteria/_read.ts";

/** Signatures of a group's channels. */
export interface GroupSignatures {
  /** `vectors[c]`: concatenated folded weights and biases that define channel c. */
  readonly vectors: Float64Array[];
  /**
   * True when channel values scale with their signature (only linear / ReLU / max-pool
   * along the group, no depthwise or unfolded batch norm): then a signature equal up to a
   * positive factor λ means a value equal up to λ.
   */
  readonly homogeneous: boolean;
}

/** Builds the signatures of `group` (weights read synchronously). */
export function groupSignatures(
  graph: Graph,
  weights: Weights,
  group: DependencyGroup,
  analysis: ChannelAnalysis,
): GroupSignatures {
  const parts: number[][] = Array.from({ length: group.channels }, () => []);
  const folded = new Set<string>();
  let homogeneous = true;
  const addColumns = (name: string) => {
    const { columns, folded: bn } = outputColumns(graph, weights, name, { fold: true });
    if (bn) folded.add(bn);
    const index = analysis.nodes.get(name)!.index;
    columns.forEach((col, p) => parts[index[p]!]!.push(...col));
  };
  for (const p of group.producers) {
    const node = nodeByName(graph, p);
    if ("activation" in node && node.activation !== "linear" && node.activation !== "relu") {
      homogeneous = false;
    }
    addColumns(p);
  }
  for (const name of group.carried) {
    const node = nodeByName(graph, name);
    if (node.op === "depthwise") {
      homogeneous = false;
      addColumns(name);
    } else if (node.op === "activation") {
      if (node.activation !== "linear" && node.activation !== "relu") homogeneous = false;
    } // pooling, GAP, add, flatten, dropout: linear or positively homogeneous
  }
  for (const name of group.carried) {
    const node = nodeByName(graph, name);
    if (node.op !== "batchnorm" || folded.has(name)) continue;
    homogeneous = false;
    const { a, c } = bnAffine(weights, node);
    const index = analysis.nodes.get(name)!.index;
    index.forEach((g, p) => parts[g]!.push(a[p]!, c[p]!));
  }
  return { vectors: parts.map((p) => Float64Array.from(p)), homogeneous };
}

/** Euclidean norm. */
export function norm(v: Float64Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  return Math.sqrt(s);
}

/**
 * Distance between two signatures after normalisation, and the factor λ with
 * `v ≈ λ·u`. Homogeneous groups: `‖u/‖u‖ − v/‖v‖‖`, λ = ‖v‖/‖u‖. Otherwise (λ = 1):
 * `‖u − v‖ / max(‖u‖, ‖v‖)`.
 */
export function signatureDistance(
  u: Float64Array,
  v: Float64Array,
  homogeneous: boolean,
): { distance: number; lambda: number } {
  const nu = norm(u), nv = norm(v);
  if (nu === 0 || nv === 0) {
    return { distance: nu === nv ? 0 : 1, lambda: homogeneous && nu > 0 ? nv / nu : 1 };
  }
  let s = 0;
  for (let i = 0; i < u.length; i++) {
    const d = homogeneous ? u[i]! / nu - v[i]! / nv : u[i]! - v[i]!;
    s += d * d;
  }
  const distance = homogeneous ? Math.sqrt(s) : Math.sqrt(s) / Math.max(nu, nv);
  return { distance, lambda: homogeneous ? nv / nu : 1 };
}
