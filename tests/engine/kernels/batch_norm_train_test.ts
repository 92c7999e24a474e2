import assert from "node:assert/strict";
import { initBackend } from "../../../engine/backend.ts";
import {
  BATCH_NORM_TRAIN,
  BATCH_NORM_TRAIN_GRAD,
} from "../../../engine/kernels/batch_norm_train.ts";
import { relativeError, seeded, tf, TOLERANCE } from "./_compare.ts";

const EPS = 1e-3;

/** Reference batch norm in training mode from plain tfjs ops (tfjs-core's gradients). */
function reference(x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D) {
  const { mean, variance } = tf.moments(x, 0);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, EPS))), gamma), beta);
}

function inputs(m: number, c: number) {
  // An offset and a scale per channel, so centring and scaling both matter.
  const x = tf.add(tf.mul(tf.tensor2d(seeded([m, c], 1), [m, c]), 3), tf.range(0, c));
  const gamma = tf.tensor1d(seeded([c], 2)).add(1) as tf.Tensor1D;
  const beta = tf.tensor1d(seeded([c], 3));
  const dy = tf.tensor2d(seeded([m, c], 4), [m, c]);
  return { x: x as tf.Tensor2D, gamma, beta, dy };
}

Deno.test("the fused batch-norm kernels match tfjs ops in value and gradients", async () => {
  await initBackend("wasm");
  for (const [m, c] of [[1, 1], [7, 3], [200, 16], [33, 128]] as const) {
    const { x, gamma, beta, dy } = inputs(m, c);
    const [y, xhat, mean, variance, rstd] = tf.engine().runKernel(
      BATCH_NORM_TRAIN,
      { x, gamma, beta },
      { epsilon: EPS },
    ) as tf.Tensor[];
    const ref = reference(x, gamma, beta);
    const moments = tf.moments(x, 0);
    const close = (label: string, want: tf.Tensor, got: tf.Tensor) => {
      const err = relativeError(want.dataSync() as Float32Array, got.dataSync() as Float32Array);
      assert.ok(err < TOLERANCE, `${label} [${m}, ${c}]: relative error ${err}`);
    };
    close("y", ref, y!);
    close("mean", moments.mean, mean!);
    close("variance", moments.variance, variance!);
    close("rstd", tf.rsqrt(tf.add(moments.variance, EPS)), rstd!);
    const grads = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(reference(a as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D), dy))
    )([x, gamma, beta]);
    const [dx, dGamma, dBeta] = tf.engine().runKernel(
      BATCH_NORM_TRAIN_GRAD,
      { dy, xhat: xhat!, rstd: rstd!, gamma },
      {},
    ) as tf.Tensor[];
    if (m > 1) close("dx", grads[0]!, dx!); // m = 1: dx is 0 up to rounding on both sides
    close("dgamma", grads[1]!, dGamma!);
    close("dbeta", grads[2]!, dBeta!);
  }
});

Deno.test("the fused batch-norm kernels reject shapes that do not fit", async () => {
  await initBackend("wasm");
  const x = tf.zeros([4, 3]);
  assert.throws(
    () =>
      tf.engine().runKernel(BATCH_NORM_TRAIN, { x, gamma: tf.ones([2]), beta: tf.zeros([3]) }, {
        epsilon: EPS,
      }),
    /gamma must be float32 \[3\]/,
  );
  assert.throws(
    () =>
      tf.engine().runKernel(
        BATCH_NORM_TRAIN_GRAD,
        { dy: x, xhat: tf.zeros([4, 2]), rstd: tf.ones([3]), gamma: tf.ones([3]) },
        {},
      ),
    /dy \[4,3\] != xhat \[4,2\]/,
  );
});
