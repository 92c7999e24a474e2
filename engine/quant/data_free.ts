/**
 * Data-free activation ranges: per node, a per-channel interval that the node's output is
 * assumed to stay in, derived without any data.
 *
 * - input: the declared input range (pixels: `[0, 1]`);
 * - batch norm: `beta ± k|gamma|` (its output is about `N(beta, gamma²)` per channel);
 * - ReLU / ReLU6 (stand-alone or fused): the interval clipped like the values;
 * - conv2d / depthwise / dense not followed by a batch norm: interval arithmetic through
 *   the weights, `b + Σ max(w·lo, w·hi)` (0 included in the input interval for zero
 *   padding) — conservative, possibly loose;
 * - add: per channel, the sum of the intervals (conservative: assumes the extremes meet);
 * - max/avg pooling, global average pooling, dropout: the input's interval (a max or a
 *   mean of values stays in their interval); flatten: the channel interval per element.
 *
 * {@linkcode intervalRangeNodes} names the nodes whose range rests on interval arithmetic:
 * on a network without batch norms those are loose by orders of magnitude (cnn-s: 1286
 * against 14.8 measured on images after its first dense layer), so quantization
 * calibrates them on synthesized inputs instead (`impressions.ts`).
 *
 * @module
 */
import type { Weights } from "../exec/weights.ts";
import { type Graph, type GraphNode, nodeByName } from "../models/ir.ts";
import { type ChannelRange, DEFAULT_BN_RANGE_K, rangeFromBatchNorm } from "./bn_range.ts";

/** Options of {@linkcode dataFreeRanges}. */
export interface DataFreeOptions {
  /** Standard deviations each side of a batch norm's mean. @default 4 */
  readonly k?: number;
  /** Range of the input values. @default [0, 1] */
  readonly inputRange?: readonly [number, number];
}

/** Default input range (image pixels). */
export const DEFAULT_INPUT_RANGE: readonly [number, number] = [0, 1];

function fill(n: number, lo: number, hi: number): ChannelRange {
  return { min: new Float32Array(n).fill(lo), max: new Float32Array(n).fill(hi) };
}

function clip(r: ChannelRange, lo: number, hi: number): ChannelRange {
  const f = (v: number) => Math.min(Math.max(v, lo), hi);
  return { min: r.min.map(f), max: r.max.map(f) };
}

function activate(r: ChannelRange, activation: string): ChannelRange {
  switch (activation) {
    case "relu":
      return clip(r, 0, Infinity);
    case "relu6":
      return clip(r, 0, 6);
    case "softmax":
      return fill(r.min.length, 0, 1);
    default:
      return r;
  }
}

function values(weights: Weights, layer: string, name: "kernel" | "bias" | "gamma" | "beta") {
  const t = weights[layer]?.[name];
  return t === undefined ? undefined : t.dataSync() as Float32Array;
}

/** Interval arithmetic through a linear layer: flat kernel index → (input, output). */
function linear(
  node: Extract<GraphNode, { op: "conv2d" | "depthwise" | "dense" }>,
  input: ChannelRange,
  weights: Weights,
): ChannelRange {
  const w = values(weights, node.name, "kernel");
  if (w === undefined) throw new RangeError(`Cannot bound "${node.name}": it has no kernel`);
  const shape = weights[node.name]!.kernel!.shape;
  const bias = node.useBias ? values(weights, node.name, "bias") : undefined;
  const cout = node.outShape.at(-1)!;
  const padded = node.op !== "dense" && node.padding === "same";
  const lo = new Float64Array(cout), hi = new Float64Array(cout);
  for (let o = 0; o < cout; o++) lo[o] = hi[o] = bias?.[o] ?? 0;
  const mult = node.op === "depthwise" ? shape[3]! : 1;
  const cin = input.min.length;
  for (let i = 0; i < w.length; i++) {
    const wv = w[i]!;
    let inCh: number, o: number;
    if (node.op === "depthwise") {
      o = i % (cin * mult);
      inCh = Math.floor(o / mult);
    } else {
      o = i % cout;
      inCh = Math.floor(i / cout) % cin;
    }
    let a = input.min[inCh]!, b = input.max[inCh]!;
    if (padded) [a, b] = [Math.min(a, 0), Math.max(b, 0)];
    lo[o]! += Math.min(wv * a, wv * b);
    hi[o]! += Math.max(wv * a, wv * b);
  }
  return activate({ min: Float32Array.from(lo), max: Float32Array.from(hi) }, node.activation);
}

function rangeOf(
  node: GraphNode,
  inputs: ChannelRange[],
  weights: Weights,
  opts: DataFreeOptions,
): ChannelRange {
  const channels = node.outShape.at(-1)!;
  const x = inputs[0]!;
  switch (node.op) {
    case "input": {
      const [lo, hi] = opts.inputRange ?? DEFAULT_INPUT_RANGE;
      return fill(channels, lo, hi);
    }
    case "batchnorm":
      return rangeFromBatchNorm({
        gamma: (node.scale ? values(weights, node.name, "gamma") : undefined) ??
          new Float32Array(channels).fill(1),
        beta: (node.center ? values(weights, node.name, "beta") : undefined) ??
          new Float32Array(channels),
        k: opts.k ?? DEFAULT_BN_RANGE_K,
      });
    case "activation":
      return activate(x, node.activation);
    case "conv2d":
    case "depthwise":
    case "dense":
      return linear(node, x, weights);
    case "add":
      return {
        min: x.min.map((_, c) => inputs.reduce((s, r) => s + r.min[c]!, 0)),
        max: x.max.map((_, c) => inputs.reduce((s, r) => s + r.max[c]!, 0)),
      };
    case "flatten": {
      const n = node.outShape[0]!, c = x.min.length;
      return {
        min: Float32Array.from({ length: n }, (_, i) => x.min[i % c]!),
        max: Float32Array.from({ length: n }, (_, i) => x.max[i % c]!),
      };
    }
    case "maxpool":
    case "avgpool":
    case "gap":
    case "dropout":
      return x;
  }
}

/**
 * The nodes of `graph` whose {@linkcode dataFreeRanges} range comes from interval arithmetic
 * through weights: a conv / depthwise / dense layer, and whatever is computed from one
 * without a batch norm in between.
 *
 * @example
 * ```ts
 * import { initBackend } from "../backend.ts";
 * import { buildZooModel } from "../models/zoo.ts";
 * import { graphFromLayersModel } from "../models/from_layers.ts";
 * import { intervalRangeNodes } from "./data_free.ts";
 * await initBackend("cpu");
 * const cnn = graphFromLayersModel(buildZooModel("cnn-s"));
 * console.assert(intervalRangeNodes(cnn).has("fc1"));
 * ```
 */
export function intervalRangeNodes(graph: Graph): Set<string> {
  const out = new Set<string>();
  for (const node of graph.nodes) {
    const linear = node.op === "conv2d" || node.op === "depthwise" || node.op === "dense";
    if (linear || (node.op !== "batchnorm" && node.inputs.some((i) => out.has(i)))) {
      out.add(node.name);
    }
  }
  return out;
}

/**
 * Per-channel output ranges of every node of `graph`, without data (see the module notes).
 *
 * @example
 * ```ts
 * import { initBackend } from "../backend.ts";
 * import { buildZooModel } from "../models/zoo.ts";
 * import { graphFromLayersModel } from "../models/from_layers.ts";
 * import { disposeWeights, weightsFromLayersModel } from "../exec/weights.ts";
 * import { dataFreeRanges } from "./data_free.ts";
 * await initBackend("cpu");
 * const model = buildZooModel("resnet8");
 * const graph = graphFromLayersModel(model);
 * const weights = weightsFromLayersModel(model, graph);
 * console.assert(dataFreeRanges(graph, weights).get("relu1")!.min[0] === 0);
 * disposeWeights(weights);
 * ```
 */
export function dataFreeRanges(
  graph: Graph,
  weights: Weights,
  opts: DataFreeOptions = {},
): Map<string, ChannelRange> {
  const out = new Map<string, ChannelRange>();
  for (const node of graph.nodes) {
    const inputs = node.inputs.map((name) => {
      const r = out.get(name);
      if (r === undefined) nodeByName(graph, name); // throws for an unknown name
      return r!;
    });
    out.set(node.name, rangeOf(node, node.op === "input" ? [] : inputs, weights, opts));
  }
  return out;
}
