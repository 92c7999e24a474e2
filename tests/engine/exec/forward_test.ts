import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { applyBnUpdates, type BnUpdate, forward } from "../../../engine/exec/forward.ts";
import { execSettingsFromLayersModel } from "../../../engine/exec/settings.ts";
import {
  disposeWeights,
  trainableVariables,
  weightsFromLayersModel,
} from "../../../engine/exec/weights.ts";
import { graphFromLayersModel } from "../../../engine/models/from_layers.ts";
import type { Graph } from "../../../engine/models/ir.ts";
import { buildZooModel, ZOO_NAMES } from "../../../engine/models/zoo.ts";
import { createRng } from "../../../engine/rng.ts";

await initBackend();

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

function randomInput(n: number, seed: number): tf.Tensor4D {
  return tf.randomUniform([n, 28, 28, 1], 0, 1, "float32", seed) as tf.Tensor4D;
}

for (const name of ZOO_NAMES) {
  Deno.test(`forward() equals model.predict() on ${name} in inference mode`, () => {
    const model = buildZooModel(name, { seed: 3 });
    const graph = graphFromLayersModel(model);
    const weights = weightsFromLayersModel(model, graph);
    const x = randomInput(4, 1);
    const want = model.predict(x) as tf.Tensor;
    const got = forward(graph, weights, x);
    assert.deepEqual(got.shape, [4, 10]);
    assert.ok(maxAbsDiff(got, want) < 1e-5, `diff ${maxAbsDiff(got, want)}`);
    tf.dispose([x, want, got]);
    disposeWeights(weights);
    model.dispose();
  });
}

Deno.test("forward() in training mode equals model.apply(training) on resnet8", () => {
  const model = buildZooModel("resnet8", { seed: 5 });
  const graph = graphFromLayersModel(model);
  const weights = weightsFromLayersModel(model, graph);
  const settings = execSettingsFromLayersModel(model);
  const x = randomInput(8, 2);
  const updates: BnUpdate[] = [];
  const got = forward(graph, weights, x, { training: true, bnUpdates: updates, settings });
  const want = model.apply(x, { training: true }) as tf.Tensor; // also updates moving stats
  assert.ok(maxAbsDiff(got, want) < 1e-5, `diff ${maxAbsDiff(got, want)}`);
  assert.equal(updates.length, graph.nodes.filter((n) => n.op === "batchnorm").length);
  applyBnUpdates(weights, updates, settings.bnMomentum);
  const [, , movingMean, movingVar] = model.getLayer("block2_bn1").getWeights();
  assert.ok(maxAbsDiff(weights.block2_bn1!.movingMean!, movingMean!) < 1e-5);
  assert.ok(maxAbsDiff(weights.block2_bn1!.movingVariance!, movingVar!) < 1e-5);
  tf.dispose([x, want, got]);
  disposeWeights(weights);
  model.dispose();
});

Deno.test("forward() in training mode equals model.apply(training) on mobilenet-tiny up to dropout", () => {
  const model = buildZooModel("mobilenet-tiny", { seed: 5 });
  const graph = graphFromLayersModel(model);
  const weights = weightsFromLayersModel(model, graph);
  const x = randomInput(8, 2);
  let gap: tf.Tensor | undefined;
  const logits = forward(graph, weights, x, {
    training: true,
    settings: execSettingsFromLayersModel(model),
    hooks: { output: (layer, y) => (layer.name === "gap" ? (gap = tf.keep(y.clone())) : y) },
  });
  const trunk = tf.model({ inputs: model.inputs, outputs: model.getLayer("gap").output });
  const want = trunk.apply(x, { training: true }) as tf.Tensor;
  assert.ok(maxAbsDiff(gap!, want) < 1e-5, `diff ${maxAbsDiff(gap!, want)}`);
  tf.dispose([x, want, gap!, logits]);
  disposeWeights(weights);
  model.dispose();
});

Deno.test("forward() draws a fresh dropout mask per call from the rng, scaled by 1/(1-rate)", () => {
  const graph: Graph = {
    name: "drop",
    output: "fc",
    nodes: [
      { name: "in", op: "input", inputs: [], outShape: [2, 2, 256] },
      { name: "flat", op: "flatten", inputs: ["in"], outShape: [1024] },
      { name: "drop", op: "dropout", inputs: ["flat"], outShape: [1024] },
      {
        name: "fc",
        op: "dense",
        inputs: ["drop"],
        outShape: [1024],
        units: 1024,
        useBias: false,
        activation: "linear",
      },
    ],
  };
  const weights = { fc: { kernel: tf.variable(tf.eye(1024)) } };
  const settings = { bnMomentum: {}, dropout: { drop: { rate: 0.25 } } };
  const x = tf.ones([1, 2, 2, 256]) as tf.Tensor4D;
  const rng = createRng(1);
  const a = forward(graph, weights, x, { training: true, settings, rng }).dataSync();
  const b = forward(graph, weights, x, { training: true, settings, rng }).dataSync();
  const zeros = a.filter((v) => v === 0).length;
  assert.ok(zeros > 200 && zeros < 320, `${zeros} of 1024 dropped`);
  assert.ok(a.every((v) => v === 0 || Math.abs(v - 1 / 0.75) < 1e-6));
  assert.ok(a.some((v, i) => v !== b[i]), "same mask twice");
  x.dispose();
  disposeWeights(weights);
});

Deno.test("forward() in training mode without a dropout rate names the dropout layer", () => {
  const model = buildZooModel("cnn-s");
  const graph = graphFromLayersModel(model);
  const weights = weightsFromLayersModel(model, graph);
  const x = randomInput(1, 0);
  assert.throws(() => forward(graph, weights, x, { training: true }), /"dropout"/);
  x.dispose();
  disposeWeights(weights);
  model.dispose();
});

Deno.test("forward() trains: Adam steps reduce the loss and leak no tensors", () => {
  const model = buildZooModel("resnet8", { seed: 1 });
  const graph = graphFromLayersModel(model);
  const weights = weightsFromLayersModel(model, graph);
  const settings = execSettingsFromLayersModel(model);
  model.dispose();
  const x = randomInput(16, 7);
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5], "int32"), 10);
  const opt = tf.train.adam(0.01);
  const varList = trainableVariables(weights);
  const losses: number[] = [];
  let tensorsAfterFirst = 0;
  for (let step = 0; step < 6; step++) {
    const updates: BnUpdate[] = [];
    const loss = opt.minimize(
      () => {
        const logits = forward(graph, weights, x, { training: true, bnUpdates: updates, settings });
        return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
      },
      true,
      varList,
    )!;
    applyBnUpdates(weights, updates, settings.bnMomentum);
    losses.push(loss.dataSync()[0]!);
    loss.dispose();
    if (step === 0) tensorsAfterFirst = tf.memory().numTensors;
    else assert.equal(tf.memory().numTensors, tensorsAfterFirst, `leak at step ${step}`);
  }
  assert.ok(losses.at(-1)! < losses[0]! * 0.8, `losses ${losses.map((l) => l.toFixed(3))}`);
  opt.dispose();
  tf.dispose([x, y]);
  disposeWeights(weights);
});
