/**
 * Inference-mode forward passes that reuse float activations: one float pass keeps every
 * node's output, then a variant (one layer's kernel replaced, one tensor fake-quantized, or
 * one group's channels masked) recomputes only the nodes from its first changed node on.
 * Computes exactly what `forward()` computes (same ops, mask then output transform).
 *
 * @module
 */
import { tf } from "../backend.ts";
import { inferNode } from "../exec/forward.ts";
import type { WeightName, Weights } from "../exec/weights.ts";
import type { Graph, GraphNode } from "../models/ir.ts";
import { fakeQuant } from "../quant/fake_quant.ts";
import type { QParams } from "../quant/qparams.ts";

/** Every node's float output on one batch, by node name (owned: dispose with `disposeCache`). */
export type ActivationCache = Readonly<Record<string, tf.Tensor>>;

/** One changed network, relative to the float one. */
export interface Variant {
  /** Index (in `graph.nodes`) of the first node whose output changes. */
  readonly start: number;
  /** Replaced weights of one layer. */
  readonly layer?: string;
  readonly replace?: Partial<Record<WeightName, tf.Tensor>>;
  /** A node whose output is fake-quantized, with its params. */
  readonly quantize?: { readonly node: string; readonly params: QParams };
  /** Channel masks by node name (tensors, owned by the caller). */
  readonly masks?: Readonly<Record<string, tf.Tensor>>;
}

function runNode(node: GraphNode, xs: tf.Tensor[], weights: Weights, v?: Variant): tf.Tensor {
  const mine = v?.layer === node.name ? v.replace : undefined;
  const read = (name: WeightName): tf.Tensor | undefined =>
    mine?.[name] ?? weights[node.name]?.[name];
  return inferNode(node, xs, read);
}

function run(
  graph: Graph,
  weights: Weights,
  x: tf.Tensor4D,
  cache: ActivationCache | undefined,
  v: Variant | undefined,
): Map<string, tf.Tensor> {
  const values = new Map<string, tf.Tensor>();
  graph.nodes.forEach((node, i) => {
    if (cache !== undefined && v !== undefined && i < v.start) {
      values.set(node.name, cache[node.name]!);
      return;
    }
    const xs = node.op === "input" ? [x] : node.inputs.map((name) => values.get(name)!);
    let y = runNode(node, xs, weights, v);
    const mask = v?.masks?.[node.name];
    if (mask !== undefined) y = tf.mul(y, mask);
    if (v?.quantize?.node === node.name) y = fakeQuant(y, v.quantize.params);
    values.set(node.name, y);
  });
  return values;
}

/** Float pass keeping every node's output (the caller disposes them with `disposeCache`). */
export function floatCache(graph: Graph, weights: Weights, x: tf.Tensor4D): ActivationCache {
  return tf.tidy(() => Object.fromEntries(run(graph, weights, x, undefined, undefined)));
}

/** Disposes the tensors of a cache (the input tensor, which the caller owns, is kept). */
export function disposeCache(graph: Graph, cache: ActivationCache): void {
  const input = graph.nodes[0]!.name;
  for (const [name, t] of Object.entries(cache)) if (name !== input) t.dispose();
}

/** Logits of a variant, recomputing from `variant.start` on (the caller owns the result). */
export function variantLogits(
  graph: Graph,
  weights: Weights,
  cache: ActivationCache,
  variant: Variant,
): tf.Tensor2D {
  const x = cache[graph.nodes[0]!.name] as tf.Tensor4D;
  return tf.tidy(() => run(graph, weights, x, cache, variant).get(graph.output) as tf.Tensor2D);
}
