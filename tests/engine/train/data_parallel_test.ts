import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { syntheticDataset } from "../../../engine/data/synthetic.ts";
import { evaluate, trainModel } from "../../../engine/train.ts";
import { trainDataParallel } from "../../../engine/train/data_parallel.ts";

await initBackend("wasm");

const SIZE = 12;

function tinyNet(): tf.LayersModel {
  const x = tf.input({ shape: [SIZE, SIZE, 1] });
  let h = tf.layers.conv2d({
    filters: 8,
    kernelSize: 3,
    padding: "same",
    useBias: false,
    kernelInitializer: tf.initializers.heNormal({ seed: 1 }),
  }).apply(x) as tf.SymbolicTensor;
  h = tf.layers.batchNormalization({ momentum: 0.9 }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.reLU().apply(h) as tf.SymbolicTensor;
  h = tf.layers.maxPooling2d({ poolSize: 2 }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.flatten().apply(h) as tf.SymbolicTensor;
  const y = tf.layers.dense({
    units: 10,
    kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
  }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: y });
}

const weightsOf = (m: tf.LayersModel) => m.weights.map((w) => Array.from(w.read().dataSync()));

Deno.test("trainDataParallel() on one worker takes exactly the steps of trainModel()", async () => {
  const train = syntheticDataset({ n: 128, seed: 1, height: SIZE, width: SIZE });
  const opts = {
    epochs: 2,
    batchSize: 32,
    seed: 3,
    schedule: { kind: "cosine", lr: 1e-2 },
  } as const;
  const local = tinyNet();
  const a = await trainModel(local, train, opts);
  const parallel = tinyNet();
  const b = await trainDataParallel(parallel, train, { ...opts, workers: 1 });
  assert.equal(b.steps, a.steps);
  assert.deepEqual(b.history.map((h) => h.loss), a.history.map((h) => h.loss));
  assert.deepEqual(weightsOf(parallel), weightsOf(local));
});

Deno.test("trainDataParallel() on two workers learns and keeps the replicas identical", async () => {
  const train = syntheticDataset({ n: 512, seed: 1, height: SIZE, width: SIZE });
  const test = syntheticDataset({ n: 256, seed: 2, height: SIZE, width: SIZE });
  const model = tinyNet();
  const before = evaluate(model, test);
  const progress: number[] = [];
  // A replica mismatch would throw ParallelTrainingError at the end.
  const r = await trainDataParallel(model, train, {
    epochs: 3,
    batchSize: 32,
    seed: 1,
    workers: 2,
    schedule: { kind: "cosine", lr: 1e-2 },
    onProgress: (p) => progress.push(p.step),
  });
  assert.equal(r.steps, 48);
  assert.equal(progress.length, 48);
  assert.ok(r.history[2]!.loss < r.history[0]!.loss);
  const after = evaluate(model, test);
  assert.ok(before.accuracy < 0.5, `untrained accuracy ${before.accuracy}`);
  assert.ok(after.accuracy > 0.9, `trained accuracy ${after.accuracy}`);
});

Deno.test("trainDataParallel() refuses a worker count that does not divide the batch", async () => {
  const train = syntheticDataset({ n: 64, seed: 1, height: SIZE, width: SIZE });
  await assert.rejects(
    trainDataParallel(tinyNet(), train, { epochs: 1, batchSize: 32, workers: 3 }),
    /3 workers with batch size 32/,
  );
});
