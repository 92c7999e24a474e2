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

Deno.test("fineTune() stops at maxSteps and leaks no tensors", async () => {
  const weights = cloneWeights(base);
  const n = tf.memory().numTensors;
  const r = await fineTune(graph, weights, { train, batchSize: 16, maxSteps: 2, settings });
  assert.equal(r.steps, 2);
  assert.equal(tf.memory().numTensors, n);
  disposeWeights(weights);
});

Deno.test("fineTune() rejects bad options", async () => {
  await assert.rejects(() => fineTune(graph, base, { train, epochs: 0 }), /epochs 0/);
  await assert.rejects(() => fineTune(graph, base, { train, labelSmoothing: 1 }), /smoothing 1/);
  await assert.rejects(
    () => fineTune(graph, base, { train, teacher: { graph, weights: base, temperature: 0 } }),
    /temperature 0/,
  );
  await assert.rejects(() => fineTune(graph, base, { train, batchSize: 200 }), /batchSize 200/);
});

globalThis.addEventListener("unload", () => disposeWeights(base));
