import assert from "node:assert/strict";
import { initBackend, tf } from "../../engine/backend.ts";
import { seeded } from "./kernels/_compare.ts";

Deno.test("initBackend() starts the wasm backend by default, and again cheaply", async () => {
  assert.equal(await initBackend(), "wasm");
  assert.equal(await initBackend(), "wasm");
  assert.equal(tf.getBackend(), "wasm");
});

Deno.test("a wasm training step over conv, depthwise, batch norm and dense keeps tensor count flat", async () => {
  await initBackend("wasm");
  const v = (shape: number[], seed: number) => tf.variable(tf.tensor(seeded(shape, seed), shape));
  const w1 = v([3, 3, 2, 4], 1);
  const dw = v([3, 3, 4, 2], 2);
  const gamma = tf.variable(tf.ones([8]));
  const beta = tf.variable(tf.zeros([8]));
  const fc = v([8, 3], 3);
  const x = tf.tensor4d(seeded([4, 9, 7, 2], 4), [4, 9, 7, 2]);
  const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 1], "int32"), 3);
  const optimizer = tf.train.adam(0.01);
  const loss = () =>
    tf.tidy(() => {
      let h = tf.relu(tf.conv2d(x, w1 as tf.Tensor4D, 2, "same"));
      h = tf.depthwiseConv2d(h, dw as tf.Tensor4D, 1, "same");
      const { mean, variance } = tf.moments(h, [0, 1, 2]);
      h = tf.relu(
        tf.batchNorm4d(
          h,
          mean as tf.Tensor1D,
          variance as tf.Tensor1D,
          beta as tf.Tensor1D,
          gamma as tf.Tensor1D,
          1e-3,
        ),
      );
      h = tf.maxPool(h, 2, 2, "same");
      const logits = tf.matMul(tf.mean(h, [1, 2]) as tf.Tensor2D, fc as tf.Tensor2D);
      return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
    });
  const step = () => {
    const value = optimizer.minimize(loss, true);
    const result = value?.dataSync()[0] ?? Number.NaN;
    value?.dispose();
    return result;
  };
  const first = step(); // creates the optimizer's slots
  const before = tf.memory().numTensors;
  let last = first;
  for (let i = 0; i < 5; i++) last = step();
  assert.equal(tf.memory().numTensors, before);
  assert.ok(Number.isFinite(last) && last < first, `loss ${first} -> ${last}`);
  tf.dispose([w1, dw, gamma, beta, fc, x, labels]);
  optimizer.dispose();
});
