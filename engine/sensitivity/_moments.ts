/**
 * Data-free activation statistics: per node and channel (last axis), the mean, the second
 * moment and a range, propagated through the graph from an assumed input distribution and
 * reset at every batch norm from its own statistics (`N(β, γ²σ²/(σ²+ε))`). Linear layers
 * assume independent inputs; ReLU / ReLU6 use the closed form of a rectified Gaussian
 * (`E[relu(y)] = mΦ(m/s) + sφ(m/s)`, `E[relu(y)²] = (m²+s²)Φ(m/s) + msφ(m/s)`; ReLU6 is
 * treated as ReLU); pooling keeps the moments; ranges are `mean ± k·sd` clipped by the
 * activation.
 *
 * @module
 */
import type { Weights } from "../exec/weights.ts";
import type { Activation, ComputeNode, Graph, GraphNode } from "../models/ir.ts";
import { DEFAULT_BN_RANGE_K } from "../quant/bn_range.ts";

/** Per-channel statistics of one tensor. */
export interface ChannelStats {
  readonly mean: Float64Array;
  /** Second moment `E[x²]`. */
  readonly sq: Float64Array;
  readonly lo: Float64Array;
  readonly hi: Float64Array;
}

/** The assumed input: every pixel uniform on [0, 1]. */
export const UNIFORM_01 = { mean: 0.5, sq: 1 / 3, lo: 0, hi: 1 } as const;

function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 +
                t * (-1.453152027 + t * 1.061405429)))) *
      Math.exp(-x * x);
  return x >= 0 ? y : -y;
}

/** `E[relu(y)]` and `E[relu(y)²]` for `y ~ N(m, s²)`. */
export function rectifiedGaussian(m: number, s: number): { mean: number; sq: number } {
  if (!(s > 0)) return { mean: Math.max(m, 0), sq: Math.max(m, 0) ** 2 };
  const a = m / s;
  const cdf = 0.5 * (1 + erf(a / Math.SQRT2));
  const pdf = Math.exp(-0.5 * a * a) / Math.sqrt(2 * Math.PI);
  return { mean: m * cdf + s * pdf, sq: (m * m + s * s) * cdf + m * s * pdf };
}

function gaussian(mean: Float64Array, v: Float64Array, act: Activation, k: number): ChannelStats {
  const n = mean.length;
  const out = {
    mean: new Float64Array(n),
    sq: new Float64Array(n),
    lo: new Float64Array(n),
    hi: new Float64Array(n),
  };
  for (let c = 0; c < n; c++) {
    const m = mean[c]!, s = Math.sqrt(Math.max(v[c]!, 0));
    let lo = m - k * s, hi = m + k * s;
    if (act === "relu" || act === "relu6") {
      const r = rectifiedGaussian(m, s);
      out.mean[c] = r.mean;
      out.sq[c] = r.sq;
      lo = Math.max(lo, 0);
      hi = Math.max(hi, 0);
      if (act === "relu6") hi = Math.min(hi, 6);
    } else {
      out.mean[c] = m;
      out.sq[c] = m * m + s * s;
    }
    out.lo[c] = lo;
    out.hi[c] = hi;
  }
  return out;
}

/**
 * Calls `fn(inputChannel, outputChannel, i)` for every element `i` of a kernel (the input
 * channel is the last axis of the layer's input: a feature for dense).
 */
export function forEachWeight(
  node: ComputeNode,
  shape: readonly number[],
  fn: (cin: number, cout: number, i: number) => void,
): void {
  const size = shape.reduce((a, b) => a * b, 1);
  if (node.op === "depthwise") {
    const cin = shape[2]!, mult = shape[3]!;
    for (let i = 0; i < size; i++) {
      const c = Math.floor(i / mult) % cin;
      fn(c, c * mult + (i % mult), i);
    }
    return;
  }
  const cout = shape.at(-1)!, cin = shape.at(-2)!;
  for (let i = 0; i < size; i++) fn(Math.floor(i / cout) % cin, i % cout, i);
}

/** Mean and variance of a compute layer's pre-activation output from its input stats. */
export function linearMoments(
  node: ComputeNode,
  kernel: { readonly data: Float32Array; readonly shape: readonly number[] },
  bias: Float32Array | undefined,
  input: ChannelStats,
): { mean: Float64Array; variance: Float64Array } {
  const cout = node.outShape.at(-1)!;
  const mean = new Float64Array(cout), variance = new Float64Array(cout);
  forEachWeight(node, kernel.shape, (ci, co, i) => {
    const w = kernel.data[i]!, m = input.mean[ci]!;
    mean[co] = mean[co]! + w * m;
    variance[co] = variance[co]! + w * w * Math.max(input.sq[ci]! - m * m, 0);
  });
  if (bias) bias.forEach((b, o) => (mean[o] = mean[o]! + b));
  return { mean, variance };
}

function constant(n: number, v: typeof UNIFORM_01): ChannelStats {
  return {
    mean: new Float64Array(n).fill(v.mean),
    sq: new Float64Array(n).fill(v.sq),
    lo: new Float64Array(n).fill(v.lo),
    hi: new Float64Array(n).fill(v.hi),
  };
}

function varOf(s: ChannelStats): Float64Array {
  return s.sq.map((q, c) => Math.max(q - s.mean[c]! ** 2, 0));
}

function read(
  weights: Weights,
  node: GraphNode,
  name: "kernel" | "bias" | "gamma" | "beta" | "movingMean" | "movingVariance",
) {
  const t = weights[node.name]?.[name];
  return t === undefined ? undefined : (t.dataSync() as Float32Array);
}

/**
 * Statistics of every node's output, by node name, from weights and batch-norm statistics
 * only. `input` is the assumed distribution of every input element.
 */
export function propagateMoments(
  graph: Graph,
  weights: Weights,
  opts: { readonly input?: typeof UNIFORM_01; readonly k?: number } = {},
): Map<string, ChannelStats> {
  const k = opts.k ?? DEFAULT_BN_RANGE_K;
  const out = new Map<string, ChannelStats>();
  for (const node of graph.nodes) {
    const x = out.get(node.inputs[0] ?? "")!;
    const c = node.outShape.at(-1) ?? 1;
    let s: ChannelStats;
    switch (node.op) {
      case "input":
        s = constant(c, opts.input ?? UNIFORM_01);
        break;
      case "conv2d":
      case "depthwise":
      case "dense": {
        const kd = weights[node.name]!.kernel!;
        const m = linearMoments(
          node,
          { data: kd.dataSync() as Float32Array, shape: kd.shape },
          node.useBias ? read(weights, node, "bias") : undefined,
          x,
        );
        s = gaussian(m.mean, m.variance, node.activation, k);
        break;
      }
      case "batchnorm": {
        const g = read(weights, node, "gamma"), b = read(weights, node, "beta");
        const mv = read(weights, node, "movingVariance")!;
        const mean = Float64Array.from({ length: c }, (_, i) => b?.[i] ?? 0);
        const v = Float64Array.from(
          { length: c },
          (_, i) => (g?.[i] ?? 1) ** 2 * mv[i]! / (mv[i]! + node.epsilon),
        );
        s = gaussian(mean, v, "linear", k);
        break;
      }
      case "activation":
        s = gaussian(x.mean, varOf(x), node.activation, k);
        if (node.activation === "linear" || node.activation === "softmax") s = x;
        break;
      case "add": {
        const xs = node.inputs.map((n) => out.get(n)!);
        const mean = x.mean.map((_, i) => xs.reduce((a, t) => a + t.mean[i]!, 0));
        const vs = xs.map(varOf);
        const v = x.mean.map((_, i) => vs.reduce((a, t) => a + t[i]!, 0));
        s = gaussian(mean, v, "linear", k);
        break;
      }
      case "flatten": {
        const n = x.mean.length;
        const tile = (a: Float64Array) => Float64Array.from({ length: c }, (_, i) => a[i % n]!);
        s = { mean: tile(x.mean), sq: tile(x.sq), lo: tile(x.lo), hi: tile(x.hi) };
        break;
      }
      default: // pools, gap, dropout keep the moments
        s = x;
    }
    out.set(node.name, s);
  }
  return out;
}
