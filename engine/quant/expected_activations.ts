/**
 * Data-free per-channel moments (mean, variance) of the tensors of a graph, from batch-norm
 * parameters, as in Nagel et al. 2019 (data-free quantization, bias correction): a batch
 * norm's output is taken as `N(beta, gamma²)` per channel, and followed through
 *
 * - ReLU / ReLU6: moments of the clipped normal;
 * - add: sums of means and of variances (inputs taken as independent);
 * - global / average pooling, dropout: the input's moments (the variance is an upper bound);
 * - flatten: the channel moments per element.
 *
 * Anything else (the input, a conv / dense not followed by a batch norm, a max pool, a
 * softmax) has unknown moments: `undefined`, and so has everything computed from it.
 *
 * @module
 */
import type { Weights } from "../exec/weights.ts";
import type { Graph, GraphNode } from "../models/ir.ts";
import { clippedNormalMoments } from "./_gauss.ts";

/** Per-channel mean and variance of a tensor. */
export interface ChannelMoments {
  readonly mean: Float64Array;
  readonly variance: Float64Array;
}

function clip(m: ChannelMoments, lo: number, hi: number): ChannelMoments {
  const mean = new Float64Array(m.mean.length), variance = new Float64Array(m.mean.length);
  m.mean.forEach((mu, c) => {
    const r = clippedNormalMoments(mu, Math.sqrt(m.variance[c]!), lo, hi);
    mean[c] = r.mean;
    variance[c] = r.variance;
  });
  return { mean, variance };
}

function activate(m: ChannelMoments | undefined, activation: string): ChannelMoments | undefined {
  if (m === undefined) return undefined;
  switch (activation) {
    case "linear":
      return m;
    case "relu":
      return clip(m, 0, Infinity);
    case "relu6":
      return clip(m, 0, 6);
    default:
      return undefined;
  }
}

function batchNormMoments(node: GraphNode & { op: "batchnorm" }, weights: Weights) {
  const n = node.outShape.at(-1)!;
  const gamma = node.scale ? weights[node.name]?.gamma?.dataSync() : undefined;
  const beta = node.center ? weights[node.name]?.beta?.dataSync() : undefined;
  if ((node.scale && gamma === undefined) || (node.center && beta === undefined)) {
    throw new RangeError(`Cannot read the parameters of batch norm "${node.name}"`);
  }
  const mean = new Float64Array(n), variance = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    mean[c] = beta?.[c] ?? 0;
    variance[c] = (gamma?.[c] ?? 1) ** 2;
  }
  return { mean, variance };
}

function momentsOf(
  node: GraphNode,
  inputs: readonly (ChannelMoments | undefined)[],
  weights: Weights,
): ChannelMoments | undefined {
  const x = inputs[0];
  switch (node.op) {
    case "batchnorm":
      return batchNormMoments(node, weights);
    case "activation":
      return activate(x, node.activation);
    case "add": {
      if (inputs.some((m) => m === undefined)) return undefined;
      const all = inputs as ChannelMoments[];
      const n = all[0]!.mean.length;
      const mean = new Float64Array(n), variance = new Float64Array(n);
      for (const m of all) {
        m.mean.forEach((v, c) => (mean[c]! += v));
        m.variance.forEach((v, c) => (variance[c]! += v));
      }
      return { mean, variance };
    }
    case "gap":
    case "avgpool":
    case "dropout":
      return x;
    case "flatten": {
      if (x === undefined) return undefined;
      const n = node.outShape[0]!, c = x.mean.length;
      return {
        mean: Float64Array.from({ length: n }, (_, i) => x.mean[i % c]!),
        variance: Float64Array.from({ length: n }, (_, i) => x.variance[i % c]!),
      };
    }
    case "input":
    case "conv2d":
    case "depthwise":
    case "dense":
    case "maxpool":
      return undefined;
  }
}

/**
 * Data-free moments of every node's output (see the module notes); `undefined` where they
 * cannot be derived.
 *
 * @example
 * ```ts
 * import { initBackend } from "../backend.ts";
 * import { buildZooModel } from "../models/zoo.ts";
 * import { graphFromLayersModel } from "../models/from_layers.ts";
 * import { disposeWeights, weightsFromLayersModel } from "../exec/weights.ts";
 * import { expectedActivations } from "./expected_activations.ts";
 * await initBackend("cpu");
 * const model = buildZooModel("resnet8");
 * const graph = graphFromLayersModel(model);
 * const weights = weightsFromLayersModel(model, graph);
 * const m = expectedActivations(graph, weights);
 * console.assert(m.get("relu1")!.mean[0]! > 0 && m.get("input") === undefined);
 * disposeWeights(weights);
 * ```
 */
export function expectedActivations(
  graph: Graph,
  weights: Weights,
): Map<string, ChannelMoments | undefined> {
  const out = new Map<string, ChannelMoments | undefined>();
  for (const node of graph.nodes) {
    const inputs = node.inputs.map((name) => {
      if (!out.has(name)) {
        throw new RangeError(`Cannot derive moments of "${node.name}": "${name}" comes later`);
      }
      return out.get(name);
    });
    out.set(node.name, momentsOf(node, inputs, weights));
  }
  return out;
}
