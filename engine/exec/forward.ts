/**
 * The framework-neutral forward pass over (Graph, Weights), with hooks for quantization,
 * masking and the search, and explicit batch-norm updates in training mode.
 *
 * @module
 */
import { tf } from "../backend.ts";
import type { Graph, GraphNode } from "../models/ir.ts";
import * as ops from "./_ops.ts";
import type { ChannelMask, ExecHooks } from "./hooks.ts";
import { DEFAULT_BN_MOMENTUM, type ExecSettings } from "./settings.ts";
import type { WeightName, Weights } from "./weights.ts";
import type { Rng } from "../rng.ts";

/** Batch statistics of one batch-norm layer, recorded by a training-mode forward pass. */
export interface BnUpdate {
  readonly layer: string;
  /** Batch mean per channel (kept: dispose it, or let {@linkcode applyBnUpdates} do it). */
  readonly mean: tf.Tensor1D;
  /** Biased batch variance per channel (kept, like `mean`). */
  readonly variance: tf.Tensor1D;
}

/** Options of {@linkcode forward}. */
export interface ForwardOptions {
  /** Batch statistics in batch norms, dropout active. @default false */
  readonly training?: boolean;
  /** Hooks run at every layer. */
  readonly hooks?: ExecHooks;
  /** In training mode, every batch norm's batch statistics are appended here. */
  readonly bnUpdates?: BnUpdate[];
  /** Dropout rates and seeds (needed in training mode when the graph has dropout). */
  readonly settings?: ExecSettings;
  /**
   * Draws a fresh dropout seed per layer and call (a fixed seed would repeat one mask at
   * every step). Without it: the layer's seed from `settings`, else tfjs' global random.
   */
  readonly rng?: Rng;
}

function maskTensor(layer: string, m: ChannelMask, channels: number): tf.Tensor {
  const n = m instanceof Float32Array ? m.length : m.shape.at(-1);
  if (n !== channels) {
    throw new RangeError(
      `Cannot mask layer "${layer}": mask has ${n} channels, the output has ${channels}`,
    );
  }
  return m instanceof Float32Array ? tf.tensor1d(m) : m;
}

function dropout(node: GraphNode, x: tf.Tensor, opts: ForwardOptions): tf.Tensor {
  const s = opts.settings?.dropout[node.name];
  if (s === undefined) {
    throw new RangeError(
      `Cannot run dropout layer "${node.name}" in training mode: no rate in settings.dropout`,
    );
  }
  const seed = opts.rng ? opts.rng.int(2 ** 31) : s.seed;
  return s.rate > 0 ? tf.dropout(x, s.rate, undefined, seed) : x;
}

function runNode(
  node: GraphNode,
  xs: tf.Tensor[],
  weights: Weights,
  opts: ForwardOptions,
): tf.Tensor {
  const training = opts.training ?? false;
  const hook = opts.hooks?.weight;
  const tensors = weights[node.name];
  const read = (name: WeightName): tf.Tensor | undefined => {
    const w = tensors?.[name];
    return w === undefined || hook === undefined ? w : hook(node, name, w);
  };
  const x = xs[0]!;
  if (node.op === "batchnorm" && training) {
    const { y, stats } = ops.batchNorm(node, x, read, true);
    if (stats && opts.bnUpdates) {
      opts.bnUpdates.push({
        layer: node.name,
        mean: tf.keep(stats.mean) as tf.Tensor1D,
        variance: tf.keep(stats.variance) as tf.Tensor1D,
      });
    }
    return y;
  }
  if (node.op === "dropout" && training) return dropout(node, x, opts);
  return inferNode(node, xs, read);
}

/**
 * One node in inference mode (batch norm with moving statistics, dropout as identity),
 * reading its weights through `read`. Shared by {@linkcode forward} and the sensitivity
 * scans that re-run only a suffix of the graph.
 */
export function inferNode(
  node: GraphNode,
  xs: readonly tf.Tensor[],
  read: (name: WeightName) => tf.Tensor | undefined,
): tf.Tensor {
  const x = xs[0]!;
  switch (node.op) {
    case "input":
      return x;
    case "conv2d":
      return ops.conv2d(node, x as tf.Tensor4D, read);
    case "depthwise":
      return ops.depthwise(node, x as tf.Tensor4D, read);
    case "dense":
      return ops.dense(node, x as tf.Tensor2D, read);
    case "batchnorm":
      return ops.batchNorm(node, x, read, false).y;
    case "activation":
      return ops.activate(x, node.activation);
    case "maxpool":
    case "avgpool":
      return ops.pool(node, x as tf.Tensor4D);
    case "add":
      return ops.add([...xs]);
    case "flatten":
      return ops.flatten(x);
    case "gap":
      return ops.gap(x);
    case "dropout":
      return x;
  }
}

function checkInput(graph: Graph, x: tf.Tensor): void {
  const want = graph.nodes[0]!.outShape;
  const got = x.shape.slice(1);
  if (got.length !== want.length || got.some((d, i) => d !== want[i])) {
    throw new RangeError(
      `Cannot run graph "${graph.name}" on input of shape [${x.shape}]: ` +
        `expected [N, ${want.join(", ")}]`,
    );
  }
}

/**
 * Runs the graph on a batch and returns its output (logits, `[N, classes]`). Computes
 * exactly what the source LayersModel computes (`predict`, or `apply` with
 * `training: true`). Per node: op (with fused activation), then `hooks.masks[name]`, then
 * `hooks.output`. Intermediate tensors are disposed; differentiable w.r.t. the weights.
 *
 * @example
 * ```ts
 * import { initBackend, tf } from "../backend.ts";
 * import { buildZooModel } from "../models/zoo.ts";
 * import { graphFromLayersModel } from "../models/from_layers.ts";
 * import { disposeWeights, weightsFromLayersModel } from "./weights.ts";
 * import { forward } from "./forward.ts";
 * await initBackend("cpu");
 * const model = buildZooModel("cnn-s");
 * const graph = graphFromLayersModel(model);
 * const weights = weightsFromLayersModel(model, graph);
 * const logits = forward(graph, weights, tf.zeros([2, 28, 28, 1]));
 * console.assert(logits.shape[1] === 10);
 * logits.dispose();
 * disposeWeights(weights);
 * ```
 */
export function forward(
  graph: Graph,
  weights: Weights,
  x: tf.Tensor4D,
  opts: ForwardOptions = {},
): tf.Tensor2D {
  checkInput(graph, x);
  return tf.tidy(() => {
    const values = new Map<string, tf.Tensor>();
    for (const node of graph.nodes) {
      const xs = node.op === "input" ? [x] : node.inputs.map((name) => {
        const v = values.get(name);
        if (v === undefined) {
          throw new RangeError(`Cannot run layer "${node.name}": input "${name}" not computed`);
        }
        return v;
      });
      let y = runNode(node, xs, weights, opts);
      const mask = opts.hooks?.masks?.[node.name];
      if (mask !== undefined) y = tf.mul(y, maskTensor(node.name, mask, y.shape.at(-1)!));
      if (opts.hooks?.output) y = opts.hooks.output(node, y);
      values.set(node.name, y);
    }
    const out = values.get(graph.output);
    if (out === undefined || out.rank !== 2) {
      throw new RangeError(
        `Cannot return output "${graph.output}" of graph "${graph.name}": expected rank 2`,
      );
    }
    return out as tf.Tensor2D;
  });
}

/**
 * Applies recorded batch statistics to the moving statistics, as the Keras layer does:
 * `moving ← moving − (moving − batch)·(1 − momentum)`. Disposes the update tensors.
 * `momentum` is one number or a per-layer record (e.g. `settings.bnMomentum`).
 */
export function applyBnUpdates(
  weights: Weights,
  updates: readonly BnUpdate[],
  momentum: number | Readonly<Record<string, number>> = DEFAULT_BN_MOMENTUM,
): void {
  for (const u of updates) {
    const m = typeof momentum === "number" ? momentum : momentum[u.layer] ?? DEFAULT_BN_MOMENTUM;
    const t = weights[u.layer];
    for (const [name, value] of [["movingMean", u.mean], ["movingVariance", u.variance]] as const) {
      const v = t?.[name];
      if (v === undefined) {
        throw new RangeError(`Cannot update "${name}" of layer "${u.layer}": not in Weights`);
      }
      tf.tidy(() => v.assign(tf.sub(v, tf.mul(tf.sub(v, value), 1 - m))));
      value.dispose();
    }
  }
}
