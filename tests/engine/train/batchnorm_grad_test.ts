import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { registerBatchNormGradient } from "../../../engine/train/batchnorm_grad.ts";

await initBackend("cpu");

Deno.test("registerBatchNormGradient() keeps tfjs-core's FusedBatchNorm gradients", () => {
  const x = tf.randomNormal([3, 4, 4, 5], 0, 1, "float32", 1);
  const mean = tf.randomNormal([5], 0, 1, "float32", 2);
  const variance = tf.randomUniform([5], 0.5, 2, "float32", 3);
  const offset = tf.randomNormal([5], 0, 1, "float32", 4);
  const scale = tf.randomNormal([5], 1, 0.2, "float32", 5);
  const dy = tf.randomNormal([3, 4, 4, 5], 0, 1, "float32", 6);
  const grads = () =>
    tf.grads((a, m, v, o, s) => tf.mul(tf.batchNorm(a!, m!, v!, o!, s!, 1e-3), dy).sum())(
      [x, mean, variance, offset, scale],
    ).map((g) => Array.from(g.dataSync()));
  const before = grads();
  registerBatchNormGradient();
  const after = grads();
  before.forEach((g, i) =>
    g.forEach((v, j) => assert.ok(Math.abs(v - after[i]![j]!) < 1e-4, `input ${i}[${j}]`))
  );
});
