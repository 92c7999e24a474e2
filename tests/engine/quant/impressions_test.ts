import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { forward } from "../../../engine/exec/forward.ts";
import { disposeWeights, weightsFromLayersModel } from "../../../engine/exec/weights.ts";
import { graphFromLayersModel } from "../../../engine/models/from_layers.ts";
import { buildZooModel } from "../../../engine/models/zoo.ts";
import { activationTargets, uniformConfig } from "../../../engine/quant/act_targets.ts";
import { intervalRangeNodes } from "../../../engine/quant/data_free.ts";
import {
  dataImpressions,
  IMPRESSION_BATCH,
  impressionTargets,
} from "../../../engine/quant/impressions.ts";
import { quantize } from "../../../engine/quant/ptq.ts";
import { TINY_GRAPH } from "./_tiny_model.ts";

await initBackend();

// cnn-s has no batch norm: its data-free ranges after the first layer rest on intervals.
const model = buildZooModel("cnn-s", { seed: 1 });
const graph = graphFromLayersModel(model);
const weights = weightsFromLayersModel(model, graph);
model.dispose();
const w8a8 = uniformConfig(graph, { wbits: 8, abits: 8 });

function agreement(images: tf.Tensor4D[]): number {
  let hits = 0, n = 0;
  for (const x of images) {
    const pred = tf.tidy(() => forward(graph, weights, x).argMax(-1).dataSync());
    pred.forEach((p) => (hits += p === n++ % 10 ? 1 : 0));
  }
  return hits / n;
}

Deno.test("impressionTargets() are distributions centred on the classes in turn, seeded", () => {
  const t = impressionTargets(40, 10, 3);
  for (let i = 0; i < 40; i++) {
    const row = Array.from(t.subarray(i * 10, i * 10 + 10));
    assert.ok(Math.abs(row.reduce((a, b) => a + b) - 1) < 1e-5);
    assert.equal(row.indexOf(Math.max(...row)), i % 10, `row ${i}: ${row}`);
  }
  assert.deepEqual(impressionTargets(40, 10, 3), t);
  assert.notDeepEqual(impressionTargets(40, 10, 4), t);
});

Deno.test("dataImpressions() stays in the input range and drives the network to the targets", () => {
  const n = tf.memory().numTensors;
  const before = dataImpressions(graph, weights, { count: 70, steps: 0, seed: 2 });
  const after = dataImpressions(graph, weights, { count: 70, steps: 40, seed: 2 });
  assert.deepEqual(after.map((b) => b.shape), [[IMPRESSION_BATCH, 28, 28, 1], [6, 28, 28, 1]]);
  const ranged = dataImpressions(graph, weights, { count: 8, steps: 5, inputRange: [-1, 2] });
  const [lo, hi] = tf.tidy(() =>
    [tf.min(ranged[0]!), tf.max(ranged[0]!)].map((t) => t.dataSync()[0]!)
  ) as [number, number];
  assert.ok(lo >= -1 && hi <= 2 && lo < 0.4 && hi > 0.6, `[${lo}, ${hi}]`);
  const [a, b] = [agreement(before), agreement(after)];
  assert.ok(b > 0.9 && b > a + 0.3, `argmax agreement with the targets ${a} -> ${b}`);
  const again = dataImpressions(graph, weights, { count: 70, steps: 40, seed: 2 });
  assert.deepEqual(again[1]!.dataSync(), after[1]!.dataSync());
  tf.dispose([...before, ...after, ...ranged, ...again]);
  assert.equal(tf.memory().numTensors, n);
});

Deno.test("dataImpressions() rejects bad options by name", () => {
  assert.throws(() => dataImpressions(graph, weights, { count: 0 }), /count 0/);
  assert.throws(() => dataImpressions(graph, weights, { steps: 1.5 }), /steps 1.5/);
  assert.throws(() => dataImpressions(graph, weights, { lr: 0 }), /lr 0/);
  assert.throws(() => dataImpressions(graph, weights, { inputRange: [1, 1] }), /\[1, 1\]/);
});

Deno.test("intervalRangeNodes() names what no batch norm describes, and nothing of a BN network's targets", () => {
  const cnn = [...activationTargets(graph, w8a8).keys()].filter((k) =>
    intervalRangeNodes(graph).has(k)
  );
  assert.deepEqual(cnn.sort(), ["dropout", "fc1", "pool1"]);
  const tiny = intervalRangeNodes(TINY_GRAPH);
  assert.ok(tiny.has("conv1") && !tiny.has("bn1") && !tiny.has("relu1"));
  const targets = activationTargets(
    TINY_GRAPH,
    uniformConfig(TINY_GRAPH, {
      wbits: 8,
      abits: 8,
    }),
  );
  assert.deepEqual([...targets.keys()].filter((k) => tiny.has(k)), []);
});

Deno.test("quantize() without data calibrates interval-ranged tensors on impressions", () => {
  const images = dataImpressions(graph, weights, { count: 64, steps: 20 });
  const viaImpressions = quantize(graph, weights, w8a8, { calibration: { impressions: images } });
  const viaData = quantize(graph, weights, w8a8, { calibration: { data: images } });
  const interval = quantize(graph, weights, w8a8, { calibration: { impressions: false } });
  assert.equal(viaImpressions.calibration, "data-free");
  for (const name of ["pool1", "dropout", "fc1"]) {
    // The same observer on the same images; the batch norms' path is not involved.
    assert.deepEqual(viaImpressions.activationParams[name], viaData.activationParams[name]);
    const [s, wide] = [viaImpressions, interval].map((q) => q.activationParams[name]!.scale[0]!);
    // After the first layer the intervals are close (inputs in [0, 1]); they widen deeper.
    const factor = name === "pool1" ? 1 : 3;
    assert.ok(s! < wide! / factor, `${name}: scale ${s} against ${wide} from intervals`);
  }
  // The input keeps its declared range: [0, 1] in 255 steps.
  assert.ok(Math.abs(viaImpressions.activationParams.input!.scale[0]! - 1 / 255) < 1e-7);
  assert.equal(images[0]!.isDisposed, false, "given impressions stay the caller's");
  tf.dispose(images);
  for (const q of [viaImpressions, viaData, interval]) q.dispose();
});

Deno.test("quantize() synthesizes impressions itself when none are given, seeded, no leak", () => {
  const n = tf.memory().numTensors;
  const impressions = { count: 16, steps: 5 };
  const [a, b] = [0, 1].map(() => quantize(graph, weights, w8a8, { calibration: { impressions } }));
  const other = quantize(graph, weights, w8a8, {
    calibration: { impressions: { ...impressions, seed: 1 } },
  });
  assert.deepEqual(a!.activationParams.fc1, b!.activationParams.fc1);
  assert.notDeepEqual(a!.activationParams.fc1, other.activationParams.fc1);
  for (const q of [a!, b!, other]) q.dispose();
  assert.equal(tf.memory().numTensors, n);
});

globalThis.addEventListener("unload", () => disposeWeights(weights));
