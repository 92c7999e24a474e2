/**
 * Knowledge distillation (Hinton et al. 2015): a training loss mixing the cross-entropy on
 * the labels with the cross-entropy between the teacher's and the student's softmax at a
 * temperature `T`, scaled by `T²` so its gradients keep their size as `T` grows:
 * `(1 − alpha)·CE(y, s) + alpha·T²·CE(softmax(t/T), softmax(s/T))`.
 *
 * @module
 */
import { tf } from "../backend.ts";

/** Default weight of the distillation term. @default 0.5 */
export const DEFAULT_DISTILL_ALPHA = 0.5;
/** Default softmax temperature of the distillation term. @default 2 */
export const DEFAULT_DISTILL_TEMPERATURE = 2;

/** How much the teacher's soft targets count, and how soft they are. */
export interface DistillWeights {
  /** Weight of the distillation term; `1 − alpha` goes to the labels. @default 0.5 */
  readonly alpha?: number;
  /** Softmax temperature of both logits. @default 2 */
  readonly temperature?: number;
}

/** Throws a `RangeError` unless `alpha` is in [0, 1] and the temperature positive. */
export function checkDistillWeights(w: DistillWeights): void {
  const alpha = w.alpha ?? DEFAULT_DISTILL_ALPHA;
  const t = w.temperature ?? DEFAULT_DISTILL_TEMPERATURE;
  if (!(alpha >= 0 && alpha <= 1)) {
    throw new RangeError(`Cannot distil with alpha ${alpha}: expected a value in [0, 1]`);
  }
  if (!(t > 0)) throw new RangeError(`Cannot distil at temperature ${t}: expected > 0`);
}

/**
 * The distillation loss of a batch: student `logits` `[n, classes]`, one-hot `labels`,
 * `teacherLogits` (targets: compute them outside the gradient tape). The caller owns the
 * scalar; throws a `RangeError` for bad weights ({@linkcode checkDistillWeights}).
 *
 * @example
 * ```ts
 * import { initBackend, tf } from "../backend.ts";
 * import { distillationLoss } from "./distill.ts";
 * await initBackend("cpu");
 * const s = tf.tensor2d([[2, 0]]), y = tf.tensor2d([[1, 0]]);
 * const loss = distillationLoss(s, y, s, { alpha: 0.5, temperature: 2 });
 * console.assert(loss.dataSync()[0]! > 0);
 * tf.dispose([s, y, loss]);
 * ```
 */
export function distillationLoss(
  logits: tf.Tensor,
  labels: tf.Tensor,
  teacherLogits: tf.Tensor,
  w: DistillWeights = {},
  labelSmoothing = 0,
): tf.Scalar {
  checkDistillWeights(w);
  const alpha = w.alpha ?? DEFAULT_DISTILL_ALPHA;
  const t = w.temperature ?? DEFAULT_DISTILL_TEMPERATURE;
  return tf.tidy(() => {
    const hard = tf.losses.softmaxCrossEntropy(labels, logits, undefined, labelSmoothing);
    const soft = tf.softmax(tf.div(teacherLogits, t));
    const logStudent = tf.logSoftmax(tf.div(logits, t));
    const kd = tf.mul(tf.neg(tf.mean(tf.sum(tf.mul(soft, logStudent), -1))), t * t);
    return tf.add(tf.mul(hard, 1 - alpha), tf.mul(kd, alpha)) as tf.Scalar;
  });
}
