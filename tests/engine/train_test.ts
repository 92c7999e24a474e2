import assert from "node:assert/strict";
import { initBackend, tf } from "../../engine/backend.ts";
import { loadFashionMnist } from "../../engine/data/fashion_mnist.ts";
import { syntheticDataset } from "../../engine/data/synthetic.ts";
import { buildZooModel } from "../../engine/models/zoo.ts";
import { evaluate, trainModel } from "../../engine/train.ts";

await initBackend("wasm");

const SIZE = 12;

/** A small conv net with every layer kind the training fast paths touch. */
function tinyNet(classes = 10): tf.LayersModel {
  const x = tf.input({ shape: [SIZE, SIZE, 1] });
  let h = tf.layers.conv2d({
    filters: 8,
    kernelSize: 3,
    padding: "same",
    useBias: false,
    kernelInitializer: tf.initializers.heNormal({ seed: 1 }),
  }).apply(x) as tf.SymbolicTensor;
  h = tf.layers.batchNormalization({ momentum: 0.9 }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.reLU({ maxValue: 6 }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.maxPooling2d({ poolSize: 2 }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.flatten().apply(h) as tf.SymbolicTensor;
  h = tf.layers.dropout({ rate: 0.1 }).apply(h) as tf.SymbolicTensor;
  const y = tf.layers.dense({
    units: classes,
    kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
  }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: y });
}

Deno.test("trainModel() learns the synthetic data set and keeps the tensor count flat", async () => {
  const train = syntheticDataset({ n: 512, seed: 1, height: SIZE, width: SIZE });
  const test = syntheticDataset({ n: 256, seed: 2, height: SIZE, width: SIZE });
  const model = tinyNet();
  const before = evaluate(model, test);
  const counts: number[] = [];
  const result = await trainModel(model, train, {
    epochs: 3,
    batchSize: 32,
    seed: 1,
    schedule: { kind: "cosine", lr: 1e-2 },
    // No flips or shifts: the synthetic classes differ by blob position.
    onProgress: () => counts.push(tf.memory().numTensors),
  });
  assert.equal(result.steps, 3 * 16);
  assert.equal(counts.length, 48);
  assert.ok(counts.every((c) => c === counts[1]), `tensor counts ${[...new Set(counts)]}`);
  assert.ok(result.history[2]!.loss < result.history[0]!.loss);
  const after = evaluate(model, test);
  assert.ok(before.accuracy < 0.5, `untrained accuracy ${before.accuracy}`);
  assert.ok(after.accuracy > 0.9, `trained accuracy ${after.accuracy}`);
  assert.ok(after.loss < before.loss);
});

Deno.test("trainModel() is reproducible for a seed", async () => {
  const train = syntheticDataset({ n: 64, seed: 3, height: SIZE, width: SIZE });
  const run = async () => {
    const model = tinyNet();
    const r = await trainModel(model, train, { epochs: 1, batchSize: 16, seed: 5 });
    return r.history[0]!.loss;
  };
  // Dropout masks come from the seeded rng, so the runs match exactly.
  assert.equal(await run(), await run());
});

Deno.test("trainModel() updates batch-norm moving statistics", async () => {
  const train = syntheticDataset({ n: 64, seed: 3, height: SIZE, width: SIZE });
  const model = tinyNet();
  const moving = () =>
    Array.from(model.weights.find((w) => w.name.includes("moving_mean"))!.read().dataSync());
  const before = moving();
  await trainModel(model, train, { epochs: 1, batchSize: 16, seed: 1 });
  assert.notDeepEqual(moving(), before);
});

Deno.test("trainModel() rejects zero epochs and a batch larger than the data", async () => {
  const train = syntheticDataset({ n: 8, seed: 1, height: SIZE, width: SIZE });
  await assert.rejects(trainModel(tinyNet(), train, { epochs: 0 }), /epochs 0/);
  await assert.rejects(
    trainModel(tinyNet(), train, { epochs: 1, batchSize: 16 }),
    /8 examples with batchSize 16/,
  );
});

Deno.test("evaluate() counts argmax hits and averages the cross-entropy", () => {
  const ds = syntheticDataset({ n: 10, seed: 4, height: SIZE, width: SIZE, numClasses: 3 });
  const model = tinyNet(3);
  const { accuracy, loss } = evaluate(model, ds, { batchSize: 4 });
  const logits = model.predict(tf.tensor4d(ds.images, [10, SIZE, SIZE, 1])) as tf.Tensor2D;
  const pred = logits.argMax(1).dataSync();
  const hits = Array.from(ds.labels).filter((y, i) => y === pred[i]).length;
  assert.equal(accuracy, hits / 10);
  const ce = tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(ds.labels, "int32"), 3), logits);
  assert.ok(Math.abs(loss - ce.dataSync()[0]!) < 1e-5);
});

Deno.test({
  name: "trainModel() takes cnn-s well above chance on 2000 Fashion-MNIST images in one epoch",
  async fn() {
    const train = await loadFashionMnist("train", { limit: 2000 });
    const test = await loadFashionMnist("test", { limit: 1000 });
    const model = buildZooModel("cnn-s", { seed: 1 });
    await trainModel(model, train, {
      epochs: 1,
      seed: 1,
      schedule: { kind: "cosine", lr: 2e-3 },
    });
    const { accuracy } = evaluate(model, test);
    assert.ok(accuracy > 0.6, `test accuracy ${accuracy}`);
  },
});
