import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { syntheticDataset } from "../../../engine/data/synthetic.ts";
import { forward } from "../../../engine/exec/forward.ts";
import { disposeWeights, type Weights } from "../../../engine/exec/weights.ts";
import type { ComputeNode } from "../../../engine/models/ir.ts";
import { weightQuantHooks } from "../../../engine/quant/_qat_quantizers.ts";
import { uniformConfig } from "../../../engine/quant/act_targets.ts";
import { qatFineTune } from "../../../engine/quant/qat.ts";
import { fakeQuantWeight } from "../../../engine/quant/weight_channels.ts";
import { mseWeightQParams } from "../../../engine/quant/weight_clip.ts";
import { TINY_GRAPH, TINY_SETTINGS, tinyWeights } from "./_tiny_model.ts";

await initBackend();

const data = { height: 8, width: 8, numClasses: 4, noise: 0.5 };
const train = syntheticDataset({ n: 256, seed: 11, ...data });
const common = { train, batchSize: 32, lr: 5e-3, settings: TINY_SETTINGS } as const;
const conv2 = TINY_GRAPH.nodes.find((n) => n.name === "conv2") as ComputeNode;

/** Mean KL(teacher ‖ student) of the softmax outputs over the training images. */
function meanKl(teacher: Weights, student: Weights): number {
  return tf.tidy(() => {
    const x = tf.tensor4d(train.images, [train.n, 8, 8, 1]);
    const p = tf.softmax(forward(TINY_GRAPH, teacher, x));
    const logQ = tf.logSoftmax(forward(TINY_GRAPH, student, x));
    const kl = tf.sum(tf.mul(p, tf.sub(tf.log(tf.add(p, 1e-12)), logQ)), -1);
    return tf.mean(kl).dataSync()[0]!;
  });
}

Deno.test("qatFineTune() with a teacher pulls the network towards the teacher's outputs", async () => {
  const teacher = tinyWeights(31);
  const config = uniformConfig(TINY_GRAPH, { wbits: 8, abits: 8 });
  const labelsOnly = tinyWeights(32), distilled = tinyWeights(32);
  const before = meanKl(teacher, distilled);
  await qatFineTune(TINY_GRAPH, labelsOnly, config, { ...common, epochs: 2 });
  const tensors = tf.memory().numTensors;
  await qatFineTune(TINY_GRAPH, distilled, config, {
    ...common,
    epochs: 2,
    teacher: { graph: TINY_GRAPH, weights: teacher, alpha: 1, temperature: 2 },
  });
  assert.equal(tf.memory().numTensors, tensors);
  const after = meanKl(teacher, distilled), ref = meanKl(teacher, labelsOnly);
  assert.ok(after < 0.5 * before && after < 0.5 * ref, `${before} → ${after} (labels: ${ref})`);
  for (const w of [teacher, labelsOnly, distilled]) disposeWeights(w);
});

Deno.test("qatFineTune() rejects a teacher with alpha outside [0, 1]", async () => {
  const w = tinyWeights(33);
  await assert.rejects(
    () =>
      qatFineTune(TINY_GRAPH, w, uniformConfig(TINY_GRAPH, { wbits: 8, abits: 8 }), {
        ...common,
        epochs: 1,
        teacher: { graph: TINY_GRAPH, weights: w, alpha: 2 },
      }),
    RangeError,
  );
  disposeWeights(w);
});

Deno.test("qatFineTune() with freezeBnAfter 0 keeps the moving statistics", async () => {
  const config = uniformConfig(TINY_GRAPH, { wbits: 4, abits: 8 });
  const frozen = tinyWeights(34), live = tinyWeights(34);
  const mean0 = frozen.bn1!.movingMean!.arraySync();
  const kernel0 = frozen.conv1!.kernel!.arraySync();
  await qatFineTune(TINY_GRAPH, frozen, config, { ...common, epochs: 1, freezeBnAfter: 0 });
  await qatFineTune(TINY_GRAPH, live, config, { ...common, epochs: 1 });
  assert.deepEqual(frozen.bn1!.movingMean!.arraySync(), mean0);
  assert.notDeepEqual(live.bn1!.movingMean!.arraySync(), mean0);
  assert.notDeepEqual(frozen.conv1!.kernel!.arraySync(), kernel0); // still trains
  disposeWeights(frozen);
  disposeWeights(live);
});

Deno.test("qatFineTune() rejects freezeBnAfter outside [0, 1]", async () => {
  const w = tinyWeights(35);
  const config = uniformConfig(TINY_GRAPH, { wbits: 8, abits: 8 });
  await assert.rejects(
    () => qatFineTune(TINY_GRAPH, w, config, { ...common, epochs: 1, freezeBnAfter: 1.5 }),
    RangeError,
  );
  disposeWeights(w);
});

Deno.test("weightQuantHooks() mse quantizes a kernel as quantize()'s mse observer does", () => {
  const w = tinyWeights(36);
  const kernel = w.conv2!.kernel!;
  const outlier = tf.tidy(() => kernel.add(tf.oneHot([5], 576).reshape(kernel.shape).mul(3)));
  const hook = weightQuantHooks(new Map([["conv2", 4]]), "mse");
  const mse = hook(true)(conv2, "kernel", outlier);
  const expected = fakeQuantWeight(outlier, "conv2d", mseWeightQParams(conv2, outlier, 4));
  assert.deepEqual(mse.dataSync(), expected.dataSync());
  const minmax = weightQuantHooks(new Map([["conv2", 4]]))(false)(conv2, "kernel", outlier);
  const err = (q: tf.Tensor) => tf.tidy(() => tf.sum(tf.square(tf.sub(q, outlier))).dataSync()[0]!);
  assert.ok(err(mse) < err(minmax), `${err(mse)} vs ${err(minmax)}`);
  tf.dispose([outlier, mse, expected, minmax]);
  disposeWeights(w);
});

Deno.test("weightQuantHooks() mse keeps each channel's clipping ratio until a refresh", () => {
  const w = tinyWeights(37);
  const kernel = w.conv2!.kernel!;
  const hook = weightQuantHooks(new Map([["conv2", 4]]), "mse");
  hook(true)(conv2, "kernel", kernel).dispose();
  const doubled = tf.mul(kernel, 2);
  const kept = hook(false)(conv2, "kernel", doubled);
  const once = hook(false)(conv2, "kernel", kernel);
  // Same ratios on a scaled kernel: the grid scales with it.
  const twice = tf.mul(once, 2);
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(kept, twice))).dataSync()[0]!);
  assert.ok(diff < 1e-5, `${diff}`);
  tf.dispose([doubled, kept, once, twice]);
  disposeWeights(w);
});

Deno.test("qatFineTune() with mse kernels, flips and a teacher trains and leaks no tensors", async () => {
  const teacher = tinyWeights(38), w = tinyWeights(39);
  const config = uniformConfig(TINY_GRAPH, { wbits: 4, abits: 8 });
  const before = tf.memory().numTensors;
  const r = await qatFineTune(TINY_GRAPH, w, config, {
    ...common,
    epochs: 3,
    weightObserver: "mse",
    clipRefreshEvery: 3,
    flip: true,
    freezeBnAfter: 0.8,
    teacher: { graph: TINY_GRAPH, weights: teacher, alpha: 0.5, temperature: 2 },
  });
  assert.equal(tf.memory().numTensors, before);
  assert.ok(r.history[2]!.loss < r.history[0]!.loss, JSON.stringify(r.history));
  disposeWeights(teacher);
  disposeWeights(w);
});

Deno.test("qatFineTune() with flip mirrors images and changes nothing else", async () => {
  const mirrored = new Float32Array(train.images.length);
  for (let i = 0; i < train.n * 8; i++) {
    for (let x = 0; x < 8; x++) {
      const a = train.images[i * 8 + x]!, b = train.images[i * 8 + 7 - x]!;
      mirrored[i * 8 + x] = (a + b) / 2;
    }
  }
  const symmetric = { ...train, images: mirrored };
  const config = uniformConfig(TINY_GRAPH, { wbits: 8, abits: 8 });
  const run = async (ds: typeof train, flip: boolean) => {
    const w = tinyWeights(40);
    await qatFineTune(TINY_GRAPH, w, config, { ...common, train: ds, epochs: 1, flip });
    const k = w.conv1!.kernel!.arraySync();
    disposeWeights(w);
    return k;
  };
  assert.deepEqual(await run(symmetric, true), await run(symmetric, false));
  assert.notDeepEqual(await run(train, true), await run(train, false));
});
