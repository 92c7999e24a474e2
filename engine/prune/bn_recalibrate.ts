/**
 * Batch-norm recalibration: after pruning or merging, the channels a batch norm sees have
 * new statistics (its producer lost input channels), so the moving mean and variance of
 * the trained network no longer match. This re-estimates them from a few training
 * batches by forward passes only (no gradient, weights untouched otherwise).
 *
 * @module
 */
import { tf } from "../backend.ts";
import { batches } from "../data/batches.ts";
import type { Dataset } from "../data/dataset.ts";
import { type BnUpdate, forward } from "../exec/forward.ts";
import { weightOf, type Weights } from "../exec/weights.ts";
import type { Graph } from "../models/ir.ts";
import { noDropoutSettings } from "../exec/settings.ts";

/** Default number of examples used to re-estimate the statistics. @default 2048 */
export const DEFAULT_RECALIBRATION_EXAMPLES = 2048;
/** Default batch size of the recalibration passes. @default 256 */
export const DEFAULT_RECALIBRATION_BATCH = 256;

/** Options of {@linkcode recalibrateBatchNorm}. */
export interface RecalibrateOptions {
  /** Examples to use (the first ones of a seeded shuffle). @default 2048 */
  readonly examples?: number;
  /** @default {@linkcode DEFAULT_RECALIBRATION_BATCH} */
  readonly batchSize?: number;
  /** Shuffle seed. @default 0 */
  readonly seed?: number;
}

/**
 * Replaces every batch norm's moving mean and variance by the statistics of its input over
 * `examples` training images (pooled over the batches: mean of batch means, and mean of
 * batch variances plus the variance of the batch means). Dropout is off. Returns the number
 * of examples used.
 *
 * @example
 * ```ts
 * import { initBackend } from "../backend.ts";
 * import { buildZooModel } from "../models/zoo.ts";
 * import { graphFromLayersModel } from "../models/from_layers.ts";
 * import { disposeWeights, weightsFromLayersModel } from "../exec/weights.ts";
 * import { syntheticDataset } from "../data/synthetic.ts";
 * import { recalibrateBatchNorm } from "./bn_recalibrate.ts";
 * await initBackend("cpu");
 * const model = buildZooModel("resnet8");
 * const graph = graphFromLayersModel(model);
 * const weights = weightsFromLayersModel(model, graph);
 * const used = recalibrateBatchNorm(graph, weights, syntheticDataset({ n: 16, seed: 1 }));
 * console.assert(used === 16);
 * disposeWeights(weights);
 * ```
 */
export function recalibrateBatchNorm(
  graph: Graph,
  weights: Weights,
  data: Dataset,
  opts: RecalibrateOptions = {},
): number {
  const limit = opts.examples ?? DEFAULT_RECALIBRATION_EXAMPLES;
  const batchSize = opts.batchSize ?? DEFAULT_RECALIBRATION_BATCH;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`Cannot recalibrate batch norms on ${limit} examples`);
  }
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`Cannot recalibrate batch norms with batchSize ${batchSize}`);
  }
  const bns = graph.nodes.filter((n) => n.op === "batchnorm").map((n) => n.name);
  if (bns.length === 0) return 0;
  const settings = noDropoutSettings(graph);
  const sums = new Map<string, { mean: Float64Array; sq: Float64Array; variance: Float64Array }>();
  let used = 0, count = 0;
  for (const b of batches(data, { batchSize, seed: opts.seed ?? 0 })) {
    if (used >= limit) break;
    const size = Math.min(b.size, limit - used);
    const updates: BnUpdate[] = [];
    tf.tidy(() => {
      const x = tf.tensor4d(b.x.subarray(0, size * data.height * data.width * data.channels), [
        size,
        data.height,
        data.width,
        data.channels,
      ]);
      forward(graph, weights, x, { training: true, bnUpdates: updates, settings });
    });
    for (const u of updates) {
      const m = u.mean.dataSync(), v = u.variance.dataSync();
      let s = sums.get(u.layer);
      if (s === undefined) {
        const n = m.length;
        s = { mean: new Float64Array(n), sq: new Float64Array(n), variance: new Float64Array(n) };
        sums.set(u.layer, s);
      }
      for (let i = 0; i < m.length; i++) {
        s.mean[i]! += m[i]!;
        s.sq[i]! += m[i]! * m[i]!;
        s.variance[i]! += v[i]!;
      }
      u.mean.dispose();
      u.variance.dispose();
    }
    used += size;
    count++;
  }
  for (const [layer, s] of sums) {
    const mean = s.mean.map((v) => v / count);
    const variance = s.variance.map((v, i) =>
      v / count + Math.max(0, s.sq[i]! / count - mean[i]! ** 2)
    );
    const mv = weightOf(weights, layer, "movingMean");
    const vv = weightOf(weights, layer, "movingVariance");
    tf.tidy(() => {
      mv.assign(tf.tensor(Float32Array.from(mean), mv.shape));
      vv.assign(tf.tensor(Float32Array.from(variance), vv.shape));
    });
  }
  return used;
}
