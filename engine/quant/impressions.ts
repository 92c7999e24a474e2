/**
 * Data impressions: inputs synthesized from a trained network alone, for calibrating the
 * activation ranges that batch-norm statistics cannot give (a network, or the part of one,
 * without batch norms). After Nayak et al. 2019 (zero-shot knowledge distillation): for
 * each synthetic image a soft target is drawn from a Dirichlet distribution centred on one
 * class (classes taken in turn), and the image — `lo + (hi - lo) · sigmoid(z)`, so that it
 * stays in the declared input range — is optimized by Adam until the network's softmax
 * matches the target. Their class-similarity prior on the Dirichlet is not used: the
 * concentration is {@linkcode IMPRESSION_CONCENTRATION} on the class, `0.11` elsewhere.
 *
 * Measured on cnn-s (no batch norm; zoo weights; full test set), uniform W8A8 with min-max
 * ranges: 92.02% calibrated on 1024 training images, 87.50% with interval-arithmetic
 * ranges, 91.99% calibrated on 128 impressions of 80 steps.
 *
 * @module
 */
import { tf } from "../backend.ts";
import { forward } from "../exec/forward.ts";
import type { Weights } from "../exec/weights.ts";
import type { Graph } from "../models/ir.ts";
import { createRng, type Rng } from "../rng.ts";
import { activationTargets, uniformConfig } from "./act_targets.ts";
import { intervalRangeNodes } from "./data_free.ts";

/** Synthetic images made by default. @default 128 */
export const DEFAULT_IMPRESSIONS = 128;
/** Adam steps on the images by default. @default 80 */
export const DEFAULT_IMPRESSION_STEPS = 80;
/** Adam learning rate on the pre-sigmoid images. @default 0.05 */
export const DEFAULT_IMPRESSION_LR = 0.05;
/** Dirichlet concentration on an image's class (the others get 0.11). */
export const IMPRESSION_CONCENTRATION = 10;
/** Images per returned batch. @default 64 */
export const IMPRESSION_BATCH = 64;

/** Options of {@linkcode dataImpressions}. */
export interface ImpressionOptions {
  /** @default {@linkcode DEFAULT_IMPRESSIONS} */
  readonly count?: number;
  /** @default {@linkcode DEFAULT_IMPRESSION_STEPS} */
  readonly steps?: number;
  /** @default {@linkcode DEFAULT_IMPRESSION_LR} */
  readonly lr?: number;
  /** Initial images and targets. @default 0 */
  readonly seed?: number;
  /** Range of the input values. @default [0, 1] */
  readonly inputRange?: readonly [number, number];
}

/** A Gamma(shape, 1) sample (Marsaglia & Tsang 2000; shapes below 1 by the usual boost). */
function gamma(shape: number, rng: Rng): number {
  if (shape < 1) return gamma(shape + 1, rng) * Math.pow(1 - rng.next(), 1 / shape);
  const d = shape - 1 / 3, c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number, v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng.next();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** `count` soft targets over `classes`, image `i` centred on class `i % classes`. */
export function impressionTargets(count: number, classes: number, seed = 0): Float32Array {
  const rng = createRng(seed);
  const t = new Float32Array(count * classes);
  for (let i = 0; i < count; i++) {
    let sum = 0;
    for (let k = 0; k < classes; k++) {
      const g = gamma(k === i % classes ? IMPRESSION_CONCENTRATION : 0.11, rng);
      t[i * classes + k] = g;
      sum += g;
    }
    for (let k = 0; k < classes; k++) t[i * classes + k]! /= sum;
  }
  return t;
}

function checkOptions(o: ImpressionOptions): void {
  for (const [what, v] of [["count", o.count ?? 1], ["steps", o.steps ?? 0]] as const) {
    if (!Number.isInteger(v) || v < (what === "count" ? 1 : 0)) {
      throw new RangeError(`Cannot synthesize impressions with ${what} ${v}`);
    }
  }
  const lr = o.lr ?? DEFAULT_IMPRESSION_LR;
  if (!(lr > 0)) throw new RangeError(`Cannot synthesize impressions with lr ${lr}`);
  const [lo, hi] = o.inputRange ?? [0, 1];
  if (!(lo < hi)) throw new RangeError(`Cannot synthesize impressions in [${lo}, ${hi}]`);
}

/**
 * Synthesizes data impressions of `graph` (see the module notes), in batches of
 * {@linkcode IMPRESSION_BATCH}; the caller disposes them. The network's output must be its
 * logits or a softmax over them.
 *
 * @example
 * ```ts
 * import { initBackend, tf } from "../backend.ts";
 * import { buildZooModel } from "../models/zoo.ts";
 * import { graphFromLayersModel } from "../models/from_layers.ts";
 * import { disposeWeights, weightsFromLayersModel } from "../exec/weights.ts";
 * import { dataImpressions } from "./impressions.ts";
 * await initBackend("cpu");
 * const model = buildZooModel("cnn-s");
 * const graph = graphFromLayersModel(model);
 * const weights = weightsFromLayersModel(model, graph);
 * const images = dataImpressions(graph, weights, { count: 8, steps: 2 });
 * console.assert(images[0]!.shape[0] === 8);
 * tf.dispose(images);
 * disposeWeights(weights);
 * ```
 */
export function dataImpressions(
  graph: Graph,
  weights: Weights,
  opts: ImpressionOptions = {},
): tf.Tensor4D[] {
  checkOptions(opts);
  const count = opts.count ?? DEFAULT_IMPRESSIONS, seed = opts.seed ?? 0;
  const [lo, hi] = opts.inputRange ?? [0, 1];
  const input = graph.nodes.find((n) => n.op === "input");
  const output = graph.nodes.find((n) => n.name === graph.output);
  if (input === undefined || output === undefined || input.outShape.length !== 3) {
    throw new RangeError("Cannot synthesize impressions: the graph has no image input");
  }
  const [h, w, c] = input.outShape as [number, number, number];
  const classes = output.outShape.at(-1)!;
  const softmax = "activation" in output && output.activation === "softmax";
  // tfjs draws an unseeded sequence for seed 0 (it tests the seed for truth), hence + 1.
  const start = tf.randomNormal([count, h, w, c], 0, 1, "float32", seed + 1);
  const z = tf.variable(start);
  start.dispose();
  const targets = tf.tensor2d(impressionTargets(count, classes, seed), [count, classes]);
  const optimizer = tf.train.adam(opts.lr ?? DEFAULT_IMPRESSION_LR);
  const image = () => tf.add(lo, tf.mul(hi - lo, tf.sigmoid(z))) as tf.Tensor4D;
  try {
    for (let s = 0; s < (opts.steps ?? DEFAULT_IMPRESSION_STEPS); s++) {
      optimizer.minimize(
        () => {
          const y = forward(graph, weights, image());
          return (softmax
            ? tf.neg(tf.mean(tf.sum(tf.mul(targets, tf.log(tf.add(y, 1e-7))), -1)))
            : tf.losses.softmaxCrossEntropy(targets, y)) as tf.Scalar;
        },
        true,
        [z],
      )?.dispose();
    }
    const all = tf.tidy(image);
    const out: tf.Tensor4D[] = [];
    for (let b = 0; b < count; b += IMPRESSION_BATCH) {
      out.push(all.slice([b, 0, 0, 0], [Math.min(IMPRESSION_BATCH, count - b), h, w, c]));
    }
    all.dispose();
    return out;
  } finally {
    tf.dispose([z, targets]);
    optimizer.dispose();
  }
}

/**
 * Whether data-free quantization of `graph` calibrates anything on impressions: some tensor
 * a layer reads has no batch norm to take its range from (see `intervalRangeNodes`).
 *
 * @example
 * ```ts
 * import { initBackend } from "../backend.ts";
 * import { buildZooModel } from "../models/zoo.ts";
 * import { graphFromLayersModel } from "../models/from_layers.ts";
 * import { needsImpressions } from "./impressions.ts";
 * await initBackend("cpu");
 * console.assert(needsImpressions(graphFromLayersModel(buildZooModel("cnn-s"))));
 * console.assert(!needsImpressions(graphFromLayersModel(buildZooModel("resnet8"))));
 * ```
 */
export function needsImpressions(graph: Graph): boolean {
  const interval = intervalRangeNodes(graph);
  const targets = activationTargets(graph, uniformConfig(graph, { wbits: 8, abits: 8 }));
  return [...targets.keys()].some((name) => interval.has(name));
}
