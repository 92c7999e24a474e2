import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { syntheticDataset } from "../../../engine/data/synthetic.ts";
import {
  cloneWeights,
  disposeWeights,
  weightsFromLayersModel,
} from "../../../engine/exec/weights.ts";
import { execSettingsFromLayersModel } from "../../../engine/exec/settings.ts";
import { graphFromLayersModel } from "../../../engine/models/from_layers.ts";
import { buildZooModel } from "../../../engine/models/zoo.ts";
import { fineTune } from "../../../engine/prune/finetune.ts";
import { recalibrateBatchNorm } from "../../../engine/prune/bn_recalibrate.ts";
import { forward } from "../../../engine/exec/forward.ts";
import { captureOutputs, featureDistillationLoss } from "../../../engine/train/feature_distill.ts";
import { evaluateGraph } from "../../../engine/quant/evaluate_graph.ts";

await initBackend();

const model = buildZooModel("mobilenet-tiny", { seed: 2 });
const graph = graphFromLayersModel(model);
const settings = execSettingsFromLayersModel(model);
const base = weightsFromLayersModel(model, graph);
model.dispose();
const train = syntheticDataset({ n: 96, seed: 1 });

Deno.test("fineTune() lowers the training loss, with flips, smoothing and distillation", async () => {
  const weights = cloneWeights(base);
  const teacher = cloneWeights(base);
  const steps: number[] = [];
  const r = await fineTune(graph, weights, {
    train,
    epochs: 3,
    batchSize: 32,
    lr: 1e-2,
    flip: true,
    labelSmoothing: 0.1,
    settings,
    teacher: { graph, weights: teacher, alpha: 0.3, temperature: 2 },
    onProgress: (p) => steps.push(p.step),
  });
  assert.equal(r.steps, 9);
  assert.equal(r.examples, 9 * 32);
  assert.equal(r.history.length, 3);
  assert.deepEqual(steps, [1, 2, 3, 1, 2, 3, 1, 2, 3]);
  const [first, , last] = r.history.map((h) => h.loss);
  assert.ok(last! < first!, `training loss ${first} -> ${last}`);
  assert.ok(Number.isFinite(evaluateGraph(graph, weights, train).loss));
  disposeWeights(weights);
  disposeWeights(teacher);
});

Deno.test("fineTune() with feature distillation pulls the features towards the teacher's", async () => {
  // Student: the teacher with a noisy block5_pw kernel. Two fine-tunes from it, alike but
  // for the feature term: the one with it ends nearer the teacher's block5_pw_relu output.
  // Moving statistics of the data, so that the teacher (inference mode) sees what it trained on.
  const teacher = cloneWeights(base);
  recalibrateBatchNorm(graph, teacher, train, { examples: 96 });
  const layer = "block5_pw_relu";
  const features = {
    positions: new Map([[layer, Array.from({ length: 128 }, (_, i) => i)]]),
    weight: 10,
  };
  const x = tf.tensor4d(train.images.slice(0, 32 * 784), [32, 28, 28, 1]);
  const gap = (weights: typeof base) =>
    tf.tidy(() => {
      const s = new Map<string, tf.Tensor>(), t = new Map<string, tf.Tensor>();
      forward(graph, weights, x, { hooks: captureOutputs(new Set([layer]), s) }).dispose();
      forward(graph, teacher, x, { hooks: captureOutputs(new Set([layer]), t) }).dispose();
      const v = featureDistillationLoss(s, t, features).dataSync()[0]!;
      tf.dispose([...s.values(), ...t.values()]);
      return v;
    });
  const noisy = () => {
    const w = cloneWeights(teacher);
    const kernel = w.block5_pw!.kernel!;
    kernel.assign(
      tf.tidy(() => tf.add(kernel, tf.randomNormal(kernel.shape, 0, 0.1, "float32", 5))),
    );
    return w;
  };
  const run = async (withFeatures: boolean) => {
    const weights = noisy();
    const n = tf.memory().numTensors;
    await fineTune(graph, weights, {
      train,
      epochs: 3,
      batchSize: 32,
      lr: 3e-3,
      settings,
      teacher: { graph, weights: teacher, alpha: 0.5, ...(withFeatures ? { features } : {}) },
    });
    assert.equal(tf.memory().numTensors, n, "captured features are disposed every step");
    const g = gap(weights);
    disposeWeights(weights);
    return g;
  };
  const start = noisy();
  const before = gap(start);
  disposeWeights(start);
  const plain = await run(false), pulled = await run(true);
  assert.ok(pulled < before, `feature gap ${before} -> ${pulled}`);
  assert.ok(pulled < 0.8 * plain, `with the feature term ${pulled}, without ${plain}`);
  await assert.rejects(
    () =>
      fineTune(graph, teacher, {
        train,
        teacher: { graph, weights: teacher, features: { positions: new Map() } },
      }),
    /at no layer/,
  );
  tf.dispose(x);
  disposeWeights(teacher);
});

Deno.test("fineTune() stops at maxSteps and leaks no tensors", async () => {
  const weights = cloneWeights(base);
  const n = tf.memory().numTensors;
  const r = await fineTune(graph, weights, { train, batchSize: 16, maxSteps: 2, settings });
  assert.equal(r.steps, 2);
  assert.equal(tf.memory().numTensors, n);
  disposeWeights(weights);
});

Deno.test("fineTune() with ema ends at the moving average of the weights, no leak", async () => {
  const plain = cloneWeights(base), averaged = cloneWeights(base);
  const n = tf.memory().numTensors;
  await fineTune(graph, plain, { train, batchSize: 16, maxSteps: 1, settings });
  await fineTune(graph, averaged, { train, batchSize: 16, maxSteps: 1, settings, ema: 0.75 });
  assert.equal(tf.memory().numTensors, n);
  // One step: average = 0.75 · start + 0.25 · after the step.
  const [w0, w1, avg] = [base, plain, averaged].map((w) => w.conv1!.kernel!.dataSync());
  const want = w0!.map((x, i) => 0.75 * x + 0.25 * w1![i]!);
  assert.ok(w1!.some((x, i) => Math.abs(x - w0![i]!) > 1e-6), "the step moved the weights");
  assert.ok(avg!.every((x, i) => Math.abs(x - want[i]!) < 1e-6));
  disposeWeights(plain);
  disposeWeights(averaged);
});

Deno.test("fineTune() with sgd-nesterov follows the schedule at every step and lowers the loss", async () => {
  const weights = cloneWeights(base);
  const set: number[] = [], scheduled: number[] = [];
  const original = tf.SGDOptimizer.prototype.setLearningRate;
  tf.SGDOptimizer.prototype.setLearningRate = function (lr: number) {
    set.push(lr);
    original.call(this, lr);
  };
  try {
    const r = await fineTune(graph, weights, {
      train,
      epochs: 3,
      batchSize: 32,
      lr: 5e-2,
      optimizer: "sgd-nesterov",
      settings,
      onProgress: (p) => scheduled.push(p.lr),
    });
    const [first, , last] = r.history.map((h) => h.loss);
    assert.ok(last! < first!, `training loss ${first} -> ${last}`);
  } finally {
    tf.SGDOptimizer.prototype.setLearningRate = original;
  }
  // Once at construction, then once per step with the step's scheduled rate.
  assert.equal(scheduled.length, 9);
  assert.deepEqual(set.slice(1), scheduled);
  assert.ok(new Set(scheduled).size > 3, "the rate changes along the cosine");
  disposeWeights(weights);
});

Deno.test("fineTune() rejects bad options", async () => {
  await assert.rejects(
    // @ts-expect-error: not an optimizer
    () => fineTune(graph, base, { train, optimizer: "rmsprop" }),
    /optimizer "rmsprop": expected adam or sgd-nesterov/,
  );
  await assert.rejects(() => fineTune(graph, base, { train, ema: 1 }), /ema 1: expected a decay/);
  await assert.rejects(() => fineTune(graph, base, { train, epochs: 0 }), /epochs 0/);
  await assert.rejects(() => fineTune(graph, base, { train, labelSmoothing: 1 }), /smoothing 1/);
  await assert.rejects(
    () => fineTune(graph, base, { train, teacher: { graph, weights: base, temperature: 0 } }),
    /temperature 0/,
  );
  await assert.rejects(() => fineTune(graph, base, { train, batchSize: 200 }), /batchSize 200/);
});

globalThis.addEventListener("unload", () => disposeWeights(base));
