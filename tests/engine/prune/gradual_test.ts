import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { syntheticDataset } from "../../../engine/data/synthetic.ts";
import { forward } from "../../../engine/exec/forward.ts";
import { execSettingsFromLayersModel } from "../../../engine/exec/settings.ts";
import {
  cloneWeights,
  disposeWeights,
  weightsFromLayersModel,
} from "../../../engine/exec/weights.ts";
import { graphFromLayersModel } from "../../../engine/models/from_layers.ts";
import { buildZooModel } from "../../../engine/models/zoo.ts";
import { dependencyGroups } from "../../../engine/prune/channels.ts";
import { fineTune } from "../../../engine/prune/finetune.ts";
import { annealedMaskHooks } from "../../../engine/prune/gradual.ts";
import { randomMasks } from "../../../engine/prune/masks.ts";
import { surgery } from "../../../engine/prune/surgery.ts";

await initBackend();

const model = buildZooModel("mobilenet-tiny", { seed: 3 });
const graph = graphFromLayersModel(model);
const settings = execSettingsFromLayersModel(model);
const base = weightsFromLayersModel(model, graph);
model.dispose();
const masks = randomMasks(dependencyGroups(graph), { seed: 4, keep: 0.6 });
const x = tf.randomUniform([3, 28, 28, 1], 0, 1, "float32", 5) as tf.Tensor4D;

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

Deno.test("annealedMaskHooks() fades pruned channels linearly and keeps the rest", () => {
  const at = annealedMaskHooks(graph, masks, { steps: 4 });
  const group = Object.keys(masks)[0]!;
  const pruned = masks[group]!.indexOf(0), kept = masks[group]!.indexOf(1);
  const [name] = Object.keys(at(0).masks!);
  for (const [step, factor] of [[0, 1], [1, 0.75], [2, 0.5], [4, 0], [9, 0]]) {
    const layers = at(step!).masks!;
    const m = layers[name!] as Float32Array;
    assert.ok(m.includes(factor!), `step ${step}: ${m}`);
    assert.ok(m.every((v) => v === 1 || v === factor), `step ${step}: ${m}`);
  }
  assert.ok(pruned >= 0 && kept >= 0);
  // While fading, one mask per path (pw_relu/dw_relu exits), not one per carrying layer.
  const fading = Object.keys(at(1).masks!), done = Object.keys(at(4).masks!);
  assert.ok(fading.length > 0 && fading.length < done.length, `${fading} vs ${done}`);
  assert.ok(fading.every((n) => done.includes(n)));
  assert.ok(!fading.some((n) => n.endsWith("_bn") || n.endsWith("_dw")), `${fading}`);
  assert.throws(() => annealedMaskHooks(graph, masks, { steps: 0 }), /0 steps/);
});

Deno.test("annealedMaskHooks(): step 0 is the full network, the end equals surgery", () => {
  const at = annealedMaskHooks(graph, masks, { steps: 10 });
  const full = forward(graph, base, x);
  const gap0 = () => tf.tidy(() => tf.max(tf.abs(full)).dataSync()[0]!);
  const start = forward(graph, base, x, { hooks: at(0) });
  const small = surgery(graph, base, masks);
  const cut = forward(small.graph, small.weights, x);
  const end = forward(graph, base, x, { hooks: at(10) });
  assert.ok(maxDiff(full, start) < 1e-6, `step 0 vs full ${maxDiff(full, start)}`);
  assert.ok(maxDiff(cut, end) < 1e-3 * gap0(), `end vs surgery ${maxDiff(cut, end)}`);
  // Fading: the output moves away from the full network and towards the pruned one.
  const steps = [2, 5, 8].map((k) => forward(graph, base, x, { hooks: at(k) }));
  const toEnd = steps.map((y) => maxDiff(y, end)), toFull = steps.map((y) => maxDiff(y, full));
  assert.ok(toEnd[0]! > toEnd[1]! && toEnd[1]! > toEnd[2]! && toEnd[2]! > 0, `${toEnd}`);
  assert.ok(toFull[0]! < toFull[1]! && toFull[1]! < toFull[2]!, `${toFull}`);
  tf.dispose(steps);
  tf.dispose([full, start, cut, end]);
  disposeWeights(small.weights);
});

Deno.test("fineTune() passes hooks at the global step and the faded network prunes exactly", async () => {
  const weights = cloneWeights(base);
  const steps: number[] = [];
  const fade = annealedMaskHooks(graph, masks, { steps: 2 });
  const n = tf.memory().numTensors;
  const r = await fineTune(graph, weights, {
    train: syntheticDataset({ n: 64, seed: 1 }),
    epochs: 2,
    batchSize: 16,
    settings,
    hooks: (step) => (steps.push(step), fade(step)),
  });
  assert.equal(tf.memory().numTensors, n);
  assert.equal(r.steps, 8);
  assert.deepEqual(steps, [0, 1, 2, 3, 4, 5, 6, 7]);
  const small = surgery(graph, weights, masks);
  const a = forward(small.graph, small.weights, x);
  const b = forward(graph, weights, x, { hooks: fade(2) });
  assert.ok(maxDiff(a, b) < 1e-4, `surgery vs faded ${maxDiff(a, b)}`);
  tf.dispose([a, b]);
  disposeWeights(small.weights);
  disposeWeights(weights);
});

globalThis.addEventListener("unload", () => {
  disposeWeights(base);
  x.dispose();
});
