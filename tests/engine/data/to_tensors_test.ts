import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { batches } from "../../../engine/data/batches.ts";
import { syntheticDataset } from "../../../engine/data/synthetic.ts";
import { batchToTensors } from "../../../engine/data/to_tensors.ts";

await initBackend("cpu");

Deno.test("batchToTensors() gives NHWC images and one-hot float32 labels", () => {
  const ds = syntheticDataset({ n: 5, seed: 3, height: 3, width: 2, channels: 2, numClasses: 4 });
  const b = batches(ds, { batchSize: 5 }).next().value!;
  const before = tf.memory().numTensors;
  const { x, y } = batchToTensors(b, ds);
  assert.equal(tf.memory().numTensors, before + 2);
  assert.deepEqual(x.shape, [5, 3, 2, 2]);
  assert.equal(x.dtype, "float32");
  assert.deepEqual(Array.from(x.dataSync()), Array.from(b.x));
  assert.deepEqual(y.shape, [5, 4]);
  assert.equal(y.dtype, "float32");
  const rows = y.arraySync();
  rows.forEach((row, i) => assert.deepEqual(row, [0, 1, 2, 3].map((k) => (k === b.y[i] ? 1 : 0))));
  x.dispose();
  y.dispose();
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("a tiny CNN learns syntheticDataset() to > 90% test accuracy in a few steps", async () => {
  const opts = { height: 28, width: 28 };
  const train = syntheticDataset({ n: 640, seed: 1, ...opts });
  const test = syntheticDataset({ n: 200, seed: 2, ...opts });
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 4,
        kernelSize: 3,
        strides: 2,
        activation: "relu",
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({
        units: 10,
        activation: "softmax",
        kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
      }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.03), loss: "categoricalCrossentropy" });
  let steps = 0;
  for (const b of batches(train, { batchSize: 32, seed: 0 })) {
    const { x, y } = batchToTensors(b, train);
    await model.trainOnBatch(x, y);
    tf.dispose([x, y]);
    steps++;
  }
  const all = batches(test, { batchSize: test.n }).next().value!;
  const { x, y } = batchToTensors(all, test);
  const acc = tf.tidy(() =>
    (model.predict(x) as tf.Tensor).argMax(-1).equal(y.argMax(-1)).mean().dataSync()[0]!
  );
  tf.dispose([x, y]);
  model.dispose();
  assert.equal(steps, 20);
  assert.ok(acc > 0.9, `accuracy after ${steps} steps: ${acc}`);
});
