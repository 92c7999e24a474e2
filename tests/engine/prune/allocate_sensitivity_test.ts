import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { forward } from "../../../engine/exec/forward.ts";
import { disposeWeights, weightsFromLayersModel } from "../../../engine/exec/weights.ts";
import { graphFromLayersModel } from "../../../engine/models/from_layers.ts";
import { buildZooModel } from "../../../engine/models/zoo.ts";
import { uniformWidths } from "../../../engine/prune/allocate.ts";
import { sensitivityWidths } from "../../../engine/prune/allocate_sensitivity.ts";
import { analyzeChannels } from "../../../engine/prune/channels.ts";
import { topKMask } from "../../../engine/prune/masks.ts";
import { pruneToRatio } from "../../../engine/prune/prune_to_ratio.ts";
import { graphMacs, prunedGraph } from "../../../engine/prune/surgery.ts";

await initBackend();

// Two prunable 1x1 convs; the last four channels of "b" reach the logits through zero weights,
// so removing them changes nothing, while every channel of "a" feeds b's live channels.
const input = tf.input({ shape: [4, 4, 1], name: "in" });
const conv = (name: string, seed: number) =>
  tf.layers.conv2d({
    name,
    filters: 8,
    kernelSize: 1,
    activation: "relu",
    kernelInitializer: tf.initializers.randomNormal({ seed, stddev: 1 }),
  });
const head = tf.layers.dense({
  name: "out",
  units: 3,
  kernelInitializer: tf.initializers.randomNormal({ seed: 3, stddev: 1 }),
});
const pooled = tf.layers.globalAveragePooling2d({ name: "gap" }).apply(
  conv("b", 2).apply(conv("a", 1).apply(input)),
);
const model = tf.model({ inputs: input, outputs: head.apply(pooled) as tf.SymbolicTensor });
const out = model.getLayer("out");
const [kernel, bias] = out.getWeights();
const rows = tf.concat([tf.ones([4, 1]), tf.zeros([4, 1])]);
out.setWeights([tf.mul(kernel!, rows), bias!]);
const graph = graphFromLayersModel(model);
const weights = weightsFromLayersModel(model, graph);
const groups = analyzeChannels(graph).groups.filter((g) => g.prunable);
const x = tf.randomNormal([32, 4, 4, 1], 0, 1, "float32", 4) as tf.Tensor4D;
// Soft labels equal to the network's own output: the unpruned network is the loss's unique
// minimum, so any change of the logits raises it (Gibbs) and a no-op removal does not.
const y = tf.softmax(forward(graph, weights, x)) as tf.Tensor2D;
const data = [{ x, y }];
const scores = {
  a: Float32Array.from([8, 7, 6, 5, 4, 3, 2, 1]),
  b: Float32Array.from([9, 9, 9, 9, 1, 2, 3, 4]),
};
const macsAt = (w: Record<string, number>) =>
  graphMacs(prunedGraph(graph, { a: topKMask(scores.a, w.a!), b: topKMask(scores.b, w.b!) }));

Deno.test("sensitivityWidths() removes the channels whose loss cost per MAC is lowest first", () => {
  assert.deepEqual(groups.map((g) => g.id).sort(), ["a", "b"]);
  const target = macsAt({ a: 8, b: 4 });
  const w = sensitivityWidths(graph, weights, groups, scores, target, data, { step: 1 / 8 });
  assert.deepEqual(w, { a: 8, b: 4 });
  // The same target split evenly would cut "a", which costs loss: the test is not vacuous.
  const even = uniformWidths(graph, groups, scores, target);
  assert.ok(even.a! < 8, JSON.stringify(even));
});

Deno.test("sensitivityWidths() stops at the minimum keep and names it", () => {
  const target = macsAt({ a: 1, b: 1 });
  assert.throws(
    () => sensitivityWidths(graph, weights, groups, scores, target, data, { minKeep: 0.5 }),
    /keeping 0\.5 of every group.*lower minKeep/,
  );
  assert.throws(() => sensitivityWidths(graph, weights, groups, scores, target, []), /no data/);
  assert.throws(
    () => sensitivityWidths(graph, weights, groups, scores, target, data, { step: 0 }),
    /share 0/,
  );
});

Deno.test("pruneToRatio() allocates by sensitivity within the MACs target, and only with data", () => {
  const resnet = buildZooModel("resnet8", { seed: 2 });
  const g = graphFromLayersModel(resnet);
  const w = weightsFromLayersModel(resnet, g);
  const images = tf.randomUniform([8, 28, 28, 1], 0, 1, "float32", 5) as tf.Tensor4D;
  const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], "int32"), 10) as tf.Tensor2D;
  try {
    const opts = { criterion: "l1", macsRatio: 0.6, allocation: "sensitivity" } as const;
    assert.throws(() => pruneToRatio(g, w, opts), /needs data/);
    const r = pruneToRatio(g, w, {
      ...opts,
      data: [{ x: images, y: labels }],
      sensitivityStep: 1 / 4,
    });
    assert.ok(r.macs.after <= 0.6 * r.macs.before, `${r.macs.after} / ${r.macs.before}`);
    assert.ok(r.macs.after > 0.45 * r.macs.before, "far below the target");
    for (const [id, kept] of Object.entries(r.widths)) {
      assert.equal(r.masks[id]!.reduce((s, v) => s + v, 0), kept);
    }
  } finally {
    disposeWeights(w);
    tf.dispose([images, labels]);
    resnet.dispose();
  }
});

globalThis.addEventListener("unload", () => {
  disposeWeights(weights);
  tf.dispose([x, y]);
});
