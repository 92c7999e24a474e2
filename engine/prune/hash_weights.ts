/**
 * Network-level KDE hashing for the redundancy merge: every layer whose values define the
 * channels of a prunable group (its producers, depthwise layers and unfolded batch norms)
 * has its batch-norm-folded kernel values hashed with one KDE per layer, and its folded
 * biases with another. The hashed values are written back into the unfolded
 * parameterisation (kernel ← hashed / scale, batch-norm β or bias shifted), so the graph
 * is unchanged and the folded signatures of the result take the hashed values (up to
 * float32 rounding).
 *
 * @module
 */
import { tf } from "../backend.ts";
import { cloneWeights, type WeightName, weightOf, type Weights } from "../exec/weights.ts";
import { type BatchNormNode, type Graph, type GraphNode, nodeByName } from "../models/ir.ts";
import { analyzeChannels } from "./channels.ts";
import { bnAffine, foldableBatchNorm } from "./criteria/_read.ts";
import { kdeHash, type KdeOptions } from "./kde_hash.ts";

/** What hashing did to one layer. */
export interface LayerHash {
  /** Distinct kernel values (modes) after hashing. */
  readonly modes: number;
  /** Absolute kernel bandwidth. */
  readonly bandwidth: number;
}

/** Result of {@linkcode hashWeights}. */
export interface HashResult {
  /** Hashed copy (the input weights are not modified). */
  readonly weights: Weights;
  /** Per hashed layer. */
  readonly layers: Readonly<Record<string, LayerHash>>;
}

/** Flat kernel index of weight `r` of output position `p` (the order of `outputColumns`). */
function kernelIndex(node: GraphNode, shape: readonly number[]): (p: number, r: number) => number {
  if (node.op === "depthwise") {
    const m = node.depthMultiplier, cin = shape[2]!;
    return (p, r) => (r * cin + Math.floor(p / m)) * m + (p % m);
  }
  const last = shape.at(-1)!;
  return (p, r) => r * last + p;
}

function setData(v: tf.Variable, data: Float32Array): void {
  tf.tidy(() => v.assign(tf.tensor(data, v.shape)));
}

function hashLayer(graph: Graph, w: Weights, name: string, opts: KdeOptions): LayerHash {
  const node = nodeByName(graph, name);
  const kernel = weightOf(w, name, "kernel");
  const k = Float32Array.from(kernel.dataSync());
  const outs = node.outShape.at(-1)!;
  const rows = k.length / outs;
  const at = kernelIndex(node, kernel.shape);
  const bn = foldableBatchNorm(graph, name);
  const affine = bn ? bnAffine(w, bn) : undefined;
  const scale = (p: number) => affine?.a[p] ?? 1;
  const live = Array.from({ length: outs }, (_, p) => p).filter((p) => scale(p) !== 0);
  const folded: number[] = [];
  for (const p of live) for (let r = 0; r < rows; r++) folded.push(k[at(p, r)]! * scale(p));
  const hk = kdeHash(folded, opts);
  live.forEach((p, i) => {
    for (let r = 0; r < rows; r++) k[at(p, r)] = hk.values[i * rows + r]! / scale(p);
  });
  setData(kernel, k);
  const hasBias = "useBias" in node && node.useBias;
  const bias = hasBias ? Float32Array.from(weightOf(w, name, "bias").dataSync()) : undefined;
  const foldedBias = live.map((p) => (bias?.[p] ?? 0) * scale(p) + (affine?.c[p] ?? 0));
  const hb = kdeHash(foldedBias, opts).values;
  const delta = live.map((_, i) => hb[i]! - foldedBias[i]!);
  if (bn?.center) {
    const beta = weightOf(w, bn.name, "beta");
    const b = Float32Array.from(beta.dataSync());
    live.forEach((p, i) => (b[p]! += delta[i]!));
    setData(beta, b);
  } else if (bias) {
    live.forEach((p, i) => (bias[p]! += delta[i]! / scale(p)));
    setData(weightOf(w, name, "bias"), bias);
  }
  return { modes: hk.modes.length, bandwidth: hk.bandwidth };
}

function hashBatchNorm(w: Weights, bn: BatchNormNode, opts: KdeOptions): void {
  const { a, c } = bnAffine(w, bn);
  const ha = bn.scale ? kdeHash(a, opts).values : a;
  const hc = bn.center ? kdeHash(c, opts).values : c;
  const mean = weightOf(w, bn.name, "movingMean").dataSync();
  const variance = weightOf(w, bn.name, "movingVariance").dataSync();
  const set = (name: WeightName, f: (i: number) => number) =>
    setData(weightOf(w, bn.name, name), Float32Array.from({ length: a.length }, (_, i) => f(i)));
  if (bn.scale) set("gamma", (i) => ha[i]! * Math.sqrt(variance[i]! + bn.epsilon));
  if (bn.center) set("beta", (i) => hc[i]! + mean[i]! * ha[i]!);
}

/**
 * Hashes (a copy of) the weights that define the channels of every prunable group.
 *
 * @example
 * ```ts
 * import { initBackend } from "../backend.ts";
 * import { buildZooModel } from "../models/zoo.ts";
 * import { graphFromLayersModel } from "../models/from_layers.ts";
 * import { disposeWeights, weightsFromLayersModel } from "../exec/weights.ts";
 * import { hashWeights } from "./hash_weights.ts";
 * await initBackend("cpu");
 * const model = buildZooModel("resnet8");
 * const graph = graphFromLayersModel(model);
 * const weights = weightsFromLayersModel(model, graph);
 * const hashed = hashWeights(graph, weights, { bandwidth: 0.05 });
 * console.assert(hashed.layers.block1_conv1!.modes > 0);
 * disposeWeights(weights);
 * disposeWeights(hashed.weights);
 * ```
 */
export function hashWeights(graph: Graph, weights: Weights, opts: KdeOptions = {}): HashResult {
  const out = cloneWeights(weights);
  const layers: Record<string, LayerHash> = {};
  const analysis = analyzeChannels(graph);
  const folded = new Set<string>();
  const done = new Set<string>();
  for (const group of analysis.groups.filter((g) => g.prunable)) {
    const carried = group.carried.map((n) => nodeByName(graph, n));
    for (
      const name of [
        ...group.producers,
        ...carried.filter((n) => n.op === "depthwise").map((n) => n.name),
      ]
    ) {
      if (done.has(name)) continue;
      done.add(name);
      layers[name] = hashLayer(graph, out, name, opts);
      const bn = foldableBatchNorm(graph, name);
      if (bn) folded.add(bn.name);
    }
    for (const node of carried) {
      if (node.op !== "batchnorm" || folded.has(node.name) || done.has(node.name)) continue;
      done.add(node.name);
      hashBatchNorm(out, node, opts);
    }
  }
  return { weights: out, layers };
}
