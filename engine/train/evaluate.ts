/**
 * Evaluation of a logits classifier on a data set: accuracy and mean cross-entropy, in
 * inference mode, batch by batch.
 *
 * @module
 */
import { tf } from "../backend.ts";
import type { Dataset } from "../data/dataset.ts";

/** Default evaluation batch size. */
export const DEFAULT_EVAL_BATCH_SIZE = 256;

/** Accuracy and mean cross-entropy of a model on a data set. */
export interface EvalResult {
  readonly accuracy: number;
  readonly loss: number;
}

/**
 * Accuracy and mean softmax cross-entropy of the logits `predict` gives for each batch of
 * `ds` (the loop behind {@linkcode evaluate} and the graph executor's `evaluateGraph`).
 *
 * @example
 * ```ts ignore
 * const { accuracy } = evaluateLogits(testSet, 256, (x) => model.predict(x) as tf.Tensor2D);
 * ```
 */
export function evaluateLogits(
  ds: Dataset,
  batchSize: number,
  predict: (x: tf.Tensor4D) => tf.Tensor,
): EvalResult {
  if (!Number.isInteger(batchSize) || batchSize <= 0) {
    throw new RangeError(
      `Cannot evaluate with batchSize ${batchSize}: expected a positive integer`,
    );
  }
  if (ds.n === 0) throw new RangeError("Cannot evaluate on an empty data set");
  const { height: h, width: w, channels: c, numClasses } = ds;
  const size = h * w * c;
  let correct = 0;
  let lossSum = 0;
  for (let s = 0; s < ds.n; s += batchSize) {
    const e = Math.min(s + batchSize, ds.n);
    const [hits, loss] = tf.tidy(() => {
      const x = tf.tensor4d(ds.images.subarray(s * size, e * size), [e - s, h, w, c]);
      const labels = tf.tensor1d(ds.labels.subarray(s, e), "int32");
      const logits = predict(x);
      const hit = tf.equal(tf.argMax(logits, 1), labels).sum();
      const ce = tf.losses.softmaxCrossEntropy(
        tf.oneHot(labels, numClasses),
        logits,
        undefined,
        undefined,
        tf.Reduction.SUM,
      );
      return [hit.dataSync()[0]!, ce.dataSync()[0]!];
    });
    correct += hits;
    lossSum += loss;
  }
  return { accuracy: correct / ds.n, loss: lossSum / ds.n };
}

/**
 * Accuracy and mean softmax cross-entropy of `model` on `ds` (inference mode).
 *
 * @example
 * ```ts ignore
 * const { accuracy } = evaluate(model, testSet);
 * ```
 */
export function evaluate(
  model: tf.LayersModel,
  ds: Dataset,
  options: { batchSize?: number } = {},
): EvalResult {
  const batchSize = options.batchSize ?? DEFAULT_EVAL_BATCH_SIZE;
  return evaluateLogits(ds, batchSize, (x) => model.predict(x) as tf.Tensor2D);
}
