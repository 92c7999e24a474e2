import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { forward } from "../../../engine/exec/forward.ts";
import {
  disposeWeights,
  type Weights,
  weightsFromArrays,
  weightsFromLayersModel,
} from "../../../engine/exec/weights.ts";
import { graphFromLayersModel } from "../../../engine/models/from_layers.ts";
import type { Graph } from "../../../engine/models/ir.ts";
import { buildZooModel, type ZooName } from "../../../engine/models/zoo.ts";
import { analyzeChannels } from "../../../engine/prune/channels.ts";
import { groupSignatures } from "../../../engine/prune/_signatures.ts";
import { hashWeights } from "../../../engine/prune/hash_weights.ts";
import { redCompress } from "../../../engine/prune/red.ts";
import { graphMacs } from "../../../engine/prune/surgery.ts";
import { createRng } from "../../../engine/rng.ts";

await initBackend();

/** dense(6, no bias) > BN > ReLU > dense(3): BN scales differ per unit, so hashing must fold. */
const graph: Graph = {
  name: "tiny",
  output: "out",
  nodes: [
    { name: "in", op: "input", inputs: [], outShape: [4] },
    {
      name: "fc",
      op: "dense",
      inputs: ["in"],
      outShape: [6],
      units: 6,
      useBias: false,
      activation: "linear",
    },
    {
      name: "bn",
      op: "batchnorm",
      inputs: ["fc"],
      outShape: [6],
      epsilon: 1e-3,
      center: true,
      scale: true,
    },
    { name: "relu", op: "activation", inputs: ["bn"], outShape: [6], activation: "relu" },
    {
      name: "out",
      op: "dense",
      inputs: ["relu"],
      outShape: [3],
      units: 3,
      useBias: true,
      activation: "linear",
    },
  ],
};

/** Folded weights per unit (cluster centres); unit 1 is a near-duplicate of unit 0. */
const FOLDED = [
  [1, -1, 0.5, -0.5],
  [1, -1, 0.5, -0.5],
  [-1, 1, 1, 0.5],
  [0.5, 0.5, -1, 1],
  [-0.5, 1, -0.5, -1],
  [1, 1, 1, -1],
];
const FOLDED_BIAS = [0.2, 0.2, -0.3, 0.1, 0.2, -0.3];

function tinyWeights(): Weights {
  const rng = createRng(4);
  const noise = (s: number) => s * (2 * rng.next() - 1);
  const gamma = Float32Array.from({ length: 6 }, () => 0.5 + rng.next());
  const mean = Float32Array.from({ length: 6 }, () => noise(0.5));
  const variance = Float32Array.from({ length: 6 }, () => 0.5 + 1.5 * rng.next());
  const a = gamma.map((g, i) => g / Math.sqrt(variance[i]! + 1e-3));
  const kernel = new Float32Array(24); // [in=4, units=6]
  FOLDED.forEach((col, u) =>
    col.forEach((v, r) => (kernel[r * 6 + u] = (v + noise(0.004)) / a[u]!))
  );
  const beta = Float32Array.from(FOLDED_BIAS, (c, u) => c + noise(0.001) + mean[u]! * a[u]!);
  const out = Float32Array.from({ length: 18 }, () => noise(1));
  return weightsFromArrays({
    fc: { kernel: { shape: [4, 6], data: kernel } },
    bn: {
      gamma: { shape: [6], data: gamma },
      beta: { shape: [6], data: beta },
      movingMean: { shape: [6], data: mean },
      movingVariance: { shape: [6], data: variance },
    },
    out: { kernel: { shape: [6, 3], data: out }, bias: { shape: [3], data: new Float32Array(3) } },
  });
}

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

Deno.test("hashWeights() makes two near-duplicate BN-folded neurons identical", () => {
  const weights = tinyWeights();
  const analysis = analyzeChannels(graph);
  const group = analysis.groups.find((g) => g.id === "fc")!;
  const before = groupSignatures(graph, weights, group, analysis).vectors;
  assert.ok(before[0]!.some((v, i) => Math.abs(v - before[1]![i]!) > 1e-4), "not yet equal");
  const hashed = hashWeights(graph, weights, { bandwidth: 0.02 });
  const after = groupSignatures(graph, hashed.weights, group, analysis).vectors;
  after[0]!.forEach((v, i) => assert.ok(Math.abs(v - after[1]![i]!) < 1e-6, `weight ${i}`));
  for (let u = 2; u < 6; u++) {
    assert.ok(after[u]!.some((v, i) => Math.abs(v - after[0]![i]!) > 0.1), `unit ${u} distinct`);
  }
  assert.equal(hashed.layers.fc!.modes, 4); // the four weight values of FOLDED
  const x = tf.randomUniform([16, 4], -1, 1, "float32", 2) as unknown as tf.Tensor4D;
  const diff = maxDiff(forward(graph, weights, x), forward(graph, hashed.weights, x));
  assert.ok(diff < 0.1, `hashing moved the outputs by ${diff}`);
  disposeWeights(weights);
  disposeWeights(hashed.weights);
  x.dispose();
});

Deno.test("redCompress() merges the hashed duplicates and equals the hashed net within 1e-5", () => {
  const weights = tinyWeights();
  const red = redCompress(graph, weights, { bandwidth: 0.02, keepHashed: true });
  assert.deepEqual(red.merges.fc!.map((m) => [m.from, m.into]), [[1, 0]]);
  assert.equal(red.graph.nodes[1]!.outShape[0], 5);
  assert.ok(Math.abs(red.ratio.channels - 5 / 6) < 1e-12);
  const x = tf.randomUniform([32, 4], -2, 2, "float32", 3) as unknown as tf.Tensor4D;
  const diff = maxDiff(forward(graph, red.hashedWeights!, x), forward(red.graph, red.weights, x));
  assert.ok(diff < 1e-5, `merged vs hashed: ${diff}`);
  disposeWeights(weights);
  disposeWeights(red.weights);
  disposeWeights(red.hashedWeights!);
  x.dispose();
});

for (const name of ["resnet8", "mobilenet-tiny"] as ZooName[]) {
  for (const scope of ["all", "merged"] as const) {
    Deno.test(`redCompress() on ${name} (scope ${scope}) merges channels and equals the hashed net within 1e-5`, () => {
      const model = buildZooModel(name, { seed: 3 });
      const g = graphFromLayersModel(model);
      const weights = weightsFromLayersModel(model, g);
      model.dispose();
      const red = redCompress(g, weights, { bandwidth: 0.3, keepHashed: true, scope });
      const merged = Object.values(red.merges).reduce((n, m) => n + m.length, 0);
      assert.ok(merged > 0 && red.ratio.macs < 1, `merged ${merged}`);
      assert.equal(graphMacs(red.graph) / graphMacs(g), red.ratio.macs);
      const x = tf.randomUniform([4, 28, 28, 1], 0, 1, "float32", 5) as tf.Tensor4D;
      const a = forward(g, red.hashedWeights!, x), b = forward(red.graph, red.weights, x);
      const scale = tf.tidy(() => tf.max(tf.abs(a)).dataSync()[0]!);
      const diff = maxDiff(a, b);
      assert.ok(diff < 1e-5 * Math.max(1, scale), `max abs diff ${diff} (logits up to ${scale})`);
      tf.dispose([x, a, b]);
      for (const w of [weights, red.weights, red.hashedWeights!]) disposeWeights(w);
    });
  }
}

Deno.test("redCompress() scope merged finds the same merges and keeps the other channels", () => {
  const weights = tinyWeights();
  const all = redCompress(graph, weights, { bandwidth: 0.02, scope: "all", keepHashed: true });
  const part = redCompress(graph, weights, { bandwidth: 0.02, scope: "merged", keepHashed: true });
  assert.deepEqual(part.merges, all.merges);
  const original = weights.fc!.kernel!.dataSync(), beta = weights.bn!.beta!.dataSync();
  const kept = part.hashedWeights!.fc!.kernel!.dataSync();
  const keptBeta = part.hashedWeights!.bn!.beta!.dataSync();
  const hashed = all.hashedWeights!.fc!.kernel!.dataSync();
  for (let i = 0; i < 24; i++) {
    const unit = i % 6;
    if (unit < 2) assert.equal(kept[i], hashed[i], `merged unit ${unit} takes its hashed value`);
    else assert.equal(kept[i], original[i], `unit ${unit} keeps its weight`);
  }
  for (let u = 2; u < 6; u++) assert.equal(keptBeta[u], beta[u]);
  assert.ok(hashed.some((v, i) => i % 6 >= 2 && v !== original[i]), "scope all hashes them");
  for (const r of [all, part]) {
    disposeWeights(r.weights);
    disposeWeights(r.hashedWeights!);
  }
  disposeWeights(weights);
});

Deno.test("redCompress() finds nothing to merge at a tiny bandwidth, and leaks no tensors", () => {
  const weights = tinyWeights();
  const before = tf.memory().numTensors;
  const red = redCompress(graph, weights, { bandwidth: 1e-4 });
  assert.equal(red.ratio.macs, 1);
  disposeWeights(red.weights);
  assert.equal(tf.memory().numTensors, before);
  disposeWeights(weights);
});
