/**
 * A faster gradient for `FusedBatchNorm`: the same math as tfjs-core's, but it broadcasts
 * the per-channel factors instead of tiling them to the full activation shape (tfjs's
 * `tile` dominates a batch-norm training step on wasm).
 *
 * @module
 */
import { tf } from "../backend.ts";

let registered = false;

/**
 * Replaces the registered gradient of `FusedBatchNorm` (channels-last, per-channel
 * statistics) by a broadcasting one. Idempotent; results equal tfjs-core's gradient.
 */
export function registerBatchNormGradient(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient({
    kernelName: tf.FusedBatchNorm,
    inputsToSave: ["x", "mean", "variance", "scale"],
    gradFunc: (dy, saved, attrs) => {
      const dyT = dy as tf.Tensor;
      const { varianceEpsilon } = attrs as unknown as tf.FusedBatchNormAttrs;
      const [x, mean, variance, scale] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor?];
      const scaleValue = scale ?? tf.scalar(1);
      const axes = tf.backend_util.getReductionAxes(mean.shape, x.shape);
      const reduce = (t: tf.Tensor): tf.Tensor =>
        tf.reshape(axes.length > 0 ? tf.sum(t, axes) : t, mean.shape);
      const rstd = tf.rsqrt(tf.add(variance, tf.scalar(varianceEpsilon)));
      const xMinusMean = tf.sub(x, mean);
      const dyScaled = tf.mul(dyT, scaleValue);
      return {
        x: () => tf.reshape(tf.mul(dyT, tf.mul(rstd, scaleValue)), x.shape),
        mean: () => reduce(tf.mul(dyScaled, tf.neg(rstd))),
        variance: () => {
          const minusHalfRCube = tf.mul(tf.mul(tf.square(rstd), rstd), tf.scalar(-0.5));
          return reduce(tf.mul(tf.mul(xMinusMean, minusHalfRCube), dyScaled));
        },
        scale: () => reduce(tf.mul(dyT, tf.mul(xMinusMean, rstd))),
        offset: () => reduce(dyT),
      };
    },
  });
}
