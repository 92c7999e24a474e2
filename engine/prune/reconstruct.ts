/**
 * Least-squares reconstruction after channel pruning (He et al. 2017, "Channel Pruning for
 * Accelerating Very Deep Neural Networks"; ThiNet): a layer that lost input channels is
 * refitted so that, on the pruned network's own inputs, it reproduces the output the
 * unpruned layer gives on the unpruned network's inputs. Layers are refitted in
 * topological order, each on inputs computed with the layers already refitted, so the
 * errors of earlier layers are compensated too. Forward passes and small linear solves
 * only: no gradient.
 *
 * Refitted: 1x1 stride-1 convolutions and dense layers with a linear activation whose input
 * lost channels (the pointwise layers of a MobileNet, the classifier). Other layers (3x3 or
 * strided convolutions, fused activations) are left as they are. The fit has an intercept: it goes
 * to the bias when the layer has one, else into the batch norm that follows, which is
 * rewritten for the statistics of the refitted output (see `restandardize`); with neither,
 * the fit has none.
 * Ridge regularisation `ridge x mean(diag(XᵀX))` keeps near-collinear inputs stable (with
 * a floor, and grown when rounding leaves the system indefinite: dead inputs are common).
 *
 * @module
 */
import { tf } from "../backend.ts";
import type { Dataset } from "../data/dataset.ts";
import { weightOf } from "../exec/weights.ts";
import type { Graph, GraphNode } from "../models/ir.ts";
import type { GroupMasks } from "./masks.ts";
import { type KeptPositions, keptPositions } from "./surgery.ts";
import { ridgeSolve } from "./_least_squares.ts";
import { eachBatch, type Loop, type Net, outputOf } from "./_capture.ts";
import { restandardize } from "./_bn_restandardize.ts";

/** Default number of examples the fits use. @default 512 */
export const DEFAULT_RECONSTRUCT_EXAMPLES = 512;
/** Default ridge term, relative to the mean diagonal of XᵀX. @default 1e-4 */
export const DEFAULT_RECONSTRUCT_RIDGE = 1e-4;

/** Options of {@linkcode reconstructPruned}. */
export interface ReconstructOptions {
  /** Examples the fits use (the first ones of a seeded shuffle). @default 512 */
  readonly examples?: number;
  /** Batch size of the forward passes. @default 128 */
  readonly batchSize?: number;
  /** @default {@linkcode DEFAULT_RECONSTRUCT_RIDGE} */
  readonly ridge?: number;
  /** Shuffle seed. @default 0 */
  readonly seed?: number;
}

/**
 * One refitted layer, and its error before and after the fit: Σ (unpruned - pruned)² over
 * the examples at `at` (the batch norm after the layer, else the layer), over the unpruned
 * output's variance there (summed over the kept channels).
 */
export interface ReconstructedLayer {
  readonly layer: string;
  readonly at: string;
  readonly inputs: number;
  readonly rows: number;
  readonly errorBefore: number;
  readonly errorAfter: number;
}

/**
 * Layers to refit: 1x1 stride-1 convs and dense layers with a linear activation whose input
 * lost channels under `kept` (the positions each node of the full graph keeps).
 */
export function reconstructibleLayers(full: Graph, kept: KeptPositions): GraphNode[] {
  return full.nodes.filter((n) => {
    if (n.op !== "conv2d" && n.op !== "dense") return false;
    if (n.activation !== "linear") return false;
    if (n.op === "conv2d") {
      // A 1x1 stride-1 convolution maps each input position to the same output position.
      if (n.kernel[0] !== 1 || n.kernel[1] !== 1) return false;
      if (n.strides[0] !== 1 || n.strides[1] !== 1) return false;
    }
    const src = full.nodes.find((m) => m.name === n.inputs[0])!;
    return kept.get(src.name)!.length < src.outShape.at(-1)!;
  });
}

/** The batch norm that alone consumes `layer`'s output, if any. */
function followingBatchNorm(graph: Graph, layer: string): string | undefined {
  const users = graph.nodes.filter((n) => n.inputs.includes(layer));
  return users.length === 1 && users[0]!.op === "batchnorm" ? users[0]!.name : undefined;
}

/**
 * Refits, in place, the layers of `small` (the network `surgery(full, masks)` built) that
 * lost input channels (see the module notes). Returns one record per refitted layer, with
 * the output error before and after the fit relative to the variance of the target.
 * Recalibrate the batch norms afterwards.
 *
 * @example
 * ```ts
 * import { initBackend } from "../backend.ts";
 * import { buildZooModel } from "../models/zoo.ts";
 * import { graphFromLayersModel } from "../models/from_layers.ts";
 * import { disposeWeights, weightsFromLayersModel } from "../exec/weights.ts";
 * import { syntheticDataset } from "../data/synthetic.ts";
 * import { dependencyGroups } from "./channels.ts";
 * import { randomMasks } from "./masks.ts";
 * import { surgery } from "./surgery.ts";
 * import { reconstructPruned } from "./reconstruct.ts";
 * await initBackend("cpu");
 * const model = buildZooModel("mobilenet-tiny");
 * const graph = graphFromLayersModel(model);
 * const weights = weightsFromLayersModel(model, graph);
 * const masks = randomMasks(dependencyGroups(graph), { seed: 1, keep: 0.7 });
 * const small = surgery(graph, weights, masks);
 * const data = syntheticDataset({ n: 64, seed: 1 });
 * const fits = reconstructPruned({ graph, weights }, small, masks, data);
 * console.assert(fits.every((f) => f.errorAfter <= f.errorBefore));
 * disposeWeights(weights);
 * disposeWeights(small.weights);
 * ```
 */
export function reconstructPruned(
  full: Net,
  small: Net,
  masks: GroupMasks,
  data: Dataset,
  opts: ReconstructOptions = {},
): ReconstructedLayer[] {
  const limit = opts.examples ?? DEFAULT_RECONSTRUCT_EXAMPLES;
  const batchSize = opts.batchSize ?? 128;
  const ridge = opts.ridge ?? DEFAULT_RECONSTRUCT_RIDGE;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`Cannot reconstruct on ${limit} examples: expected a positive integer`);
  }
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`Cannot reconstruct with batchSize ${batchSize}`);
  }
  if (!(ridge >= 0)) throw new RangeError(`Cannot use ridge ${ridge}: expected >= 0`);
  const kept = keptPositions(full.graph, masks);
  const o = { limit, batchSize, ridge, seed: opts.seed ?? 0 };
  return reconstructibleLayers(full.graph, kept).map((node) =>
    refit(full, small, node, kept.get(node.name)!, data, o)
  );
}

/** The normal equations of one layer's fit, summed over the examples. */
function normalEquations(
  full: Net,
  small: Net,
  node: GraphNode,
  keptOut: readonly number[],
  data: Dataset,
  n: number,
  intercept: boolean,
  o: Loop,
): { xtx: Float64Array; xty: Float64Array; rows: number } {
  const src = node.inputs[0]!, cout = keptOut.length, cin = n - (intercept ? 1 : 0);
  const xtx = new Float64Array(n * n), xty = new Float64Array(n * cout);
  let rows = 0;
  const idx = tf.tensor1d([...keptOut], "int32");
  eachBatch(data, o, (x) => {
    const input = outputOf(small, x, src);
    const target = outputOf(full, x, node.name);
    const [gram, cross] = tf.tidy(() => {
      let xs = tf.reshape(input, [-1, cin]) as tf.Tensor2D;
      if (intercept) xs = tf.concat([xs, tf.ones([xs.shape[0], 1])], 1);
      const ys = tf.gather(tf.reshape(target, [-1, target.shape.at(-1)!]), idx, 1);
      return [tf.matMul(xs, xs, true, false).dataSync(), tf.matMul(xs, ys, true, false).dataSync()];
    });
    rows += input.size / cin;
    tf.dispose([input, target]);
    for (let i = 0; i < gram.length; i++) xtx[i]! += gram[i]!;
    for (let i = 0; i < cross.length; i++) xty[i]! += cross[i]!;
  });
  idx.dispose();
  return { xtx, xty, rows };
}

/**
 * Σ (target - small)² over the examples at node `at` (kept channels), divided by the
 * target's Σ (target - mean)²: the error of `small` relative to the target's variance.
 */
function relativeError(
  full: Net,
  small: Net,
  at: string,
  keptOut: readonly number[],
  data: Dataset,
  o: Loop,
): number {
  let err = 0, energy = 0;
  const idx = tf.tensor1d([...keptOut], "int32");
  eachBatch(data, o, (x) => {
    const target = outputOf(full, x, at), now = outputOf(small, x, at);
    const [e, v] = tf.tidy(() => {
      const ys = tf.gather(tf.reshape(target, [-1, target.shape.at(-1)!]), idx, 1);
      const d = tf.sub(ys, tf.reshape(now, ys.shape));
      return [
        tf.sum(tf.square(d)).dataSync()[0]!,
        tf.sum(tf.moments(ys, 0).variance).dataSync()[0]!,
      ];
    });
    err += e;
    energy += v * (target.size / target.shape.at(-1)!);
    tf.dispose([target, now]);
  });
  idx.dispose();
  return err / (energy || 1);
}

function refit(
  full: Net,
  small: Net,
  node: GraphNode,
  keptOut: readonly number[],
  data: Dataset,
  o: Loop & { readonly ridge: number },
): ReconstructedLayer {
  const hasBias = (node.op === "conv2d" || node.op === "dense") && node.useBias;
  const bnAfter = hasBias ? undefined : followingBatchNorm(small.graph, node.name);
  const intercept = hasBias || bnAfter !== undefined;
  const kernel = weightOf(small.weights, node.name, "kernel");
  const cout = keptOut.length, cin = kernel.size / cout;
  const n = cin + (intercept ? 1 : 0);
  const at = bnAfter ?? node.name;
  const errorBefore = relativeError(full, small, at, keptOut, data, o);
  const eq = normalEquations(full, small, node, keptOut, data, n, intercept, o);
  const w = ridgeSolve(eq.xtx, eq.xty, n, cout, cin, o.ridge);
  const kernelValues = Float32Array.from({ length: cin * cout }, (_, i) => w[i]!);
  tf.tidy(() => kernel.assign(tf.tensor(kernelValues, kernel.shape)));
  const b0 = Float32Array.from({ length: cout }, (_, c) => (intercept ? w[cin * cout + c]! : 0));
  if (hasBias) {
    const bias = weightOf(small.weights, node.name, "bias");
    tf.tidy(() => bias.assign(tf.tensor(b0, bias.shape)));
  } else if (bnAfter !== undefined) {
    restandardize(small, node.name, bnAfter, b0, data, o);
  }
  return {
    layer: node.name,
    at,
    inputs: cin,
    rows: eq.rows,
    errorBefore,
    errorAfter: relativeError(full, small, at, keptOut, data, o),
  };
}
