import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { forward } from "../../../engine/exec/forward.ts";
import {
  disposeWeights,
  type Weights,
  weightsFromLayersModel,
} from "../../../engine/exec/weights.ts";
import { graphFromLayersModel } from "../../../engine/models/from_layers.ts";
import { buildZooModel, type ZooName } from "../../../engine/models/zoo.ts";
import { closestPairs, mergeRedundant } from "../../../engine/prune/red_merge.ts";
import { graphMacs } from "../../../engine/prune/surgery.ts";

await initBackend();

/** Sets channel `to` of a layer's tensors (last axis) to `scale` × channel `from`. */
function copyChannel(weights: Weights, layer: string, from: number, to: number, scale = 1) {
  for (const [name, v] of Object.entries(weights[layer]!)) {
    if (v === undefined) continue;
    const s = name === "movingMean" || name === "movingVariance" ? 1 : scale;
    const copied = tf.tidy(() => {
      const depthwiseKernel = name === "kernel" && layer.endsWith("_dw");
      const axis = depthwiseKernel ? 2 : v.rank - 1; // depthwise: [kh, kw, cin, multiplier]
      const src = tf.mul(tf.gather(v, [from], axis), s);
      const idx = tf.oneHot(tf.tensor1d([to], "int32"), v.shape[axis]!).reshape(
        v.shape.map((d, i) => (i === axis ? d : 1)),
      );
      const keep = tf.sub(1, idx);
      return tf.add(tf.mul(v, keep), tf.mul(src, idx));
    });
    v.assign(copied);
    copied.dispose();
  }
}

function setup(name: ZooName) {
  const model = buildZooModel(name, { seed: 8 });
  const graph = graphFromLayersModel(model);
  const weights = weightsFromLayersModel(model, graph);
  model.dispose();
  for (const t of Object.values(weights)) { // non-trivial batch-norm statistics
    t.beta?.assign(tf.randomNormal(t.beta.shape, 0, 0.3, "float32", 1));
    t.movingMean?.assign(tf.randomNormal(t.movingMean.shape, 0, 0.3, "float32", 2));
  }
  return { graph, weights };
}

function checkExact(name: ZooName, edit: (w: Weights) => void, group: string, merged: number) {
  const { graph, weights } = setup(name);
  edit(weights);
  const x = tf.randomUniform([4, 28, 28, 1], 0, 1, "float32", 9) as tf.Tensor4D;
  const result = mergeRedundant(graph, weights, { tolerance: 1e-5 });
  assert.equal(result.merges[group]!.length, merged, JSON.stringify(result.merges));
  const total = Object.values(result.merges).reduce((n, m) => n + m.length, 0);
  assert.equal(total, merged, "random channels merged: tolerance too loose");
  const a = forward(graph, weights, x);
  const b = forward(result.graph, result.weights, x);
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
  assert.ok(diff < 1e-5, `max abs diff ${diff}`);
  assert.ok(graphMacs(result.graph) < graphMacs(graph));
  assert.ok(result.ratio.macs < 1 && result.ratio.channels < 1);
  tf.dispose([x, a, b]);
  disposeWeights(weights);
  disposeWeights(result.weights);
}

Deno.test("mergeRedundant() merges identical conv+BN channels of resnet8 exactly", () => {
  checkExact(
    "resnet8",
    (w) => {
      copyChannel(w, "block2_conv1", 3, 7);
      copyChannel(w, "block2_bn1", 3, 7);
      copyChannel(w, "block2_conv1", 5, 9);
      copyChannel(w, "block2_bn1", 5, 9);
    },
    "block2_conv1",
    2,
  );
});

Deno.test("mergeRedundant() merges a positively scaled ReLU channel through flatten exactly", () => {
  checkExact("cnn-s", (w) => copyChannel(w, "conv2", 1, 4, 2.5), "conv2", 1);
});

Deno.test("mergeRedundant() merges identical residual-group channels across all producers", () => {
  checkExact(
    "resnet8",
    (w) => {
      for (const l of ["block2_conv2", "block2_bn2", "block2_proj", "block2_proj_bn"]) {
        copyChannel(w, l, 0, 31);
      }
    },
    "block2_conv2",
    1,
  );
});

Deno.test("mergeRedundant() needs the depthwise carried by a group to match as well", () => {
  checkExact(
    "mobilenet-tiny",
    (w) => {
      for (const l of ["block2_pw", "block2_pw_bn", "block3_dw", "block3_dw_bn"]) {
        copyChannel(w, l, 2, 6);
      }
      for (const l of ["block1_pw", "block1_pw_bn"]) copyChannel(w, l, 0, 1); // dw differs
    },
    "block2_pw",
    1,
  );
});

Deno.test("mergeRedundant() reports its natural ratio growing with the tolerance", () => {
  const { graph, weights } = setup("resnet8");
  const tight = mergeRedundant(graph, weights, { tolerance: 1e-6 });
  const loose = mergeRedundant(graph, weights, { tolerance: 1.2 });
  assert.equal(tight.ratio.macs, 1);
  assert.ok(loose.ratio.macs < 1, `ratio ${loose.ratio.macs}`);
  assert.throws(() => mergeRedundant(graph, weights, { tolerance: -1 }), /-1/);
  for (const r of [tight, loose]) disposeWeights(r.weights);
  disposeWeights(weights);
});

Deno.test("closestPairs() finds a planted duplicate, and no pair closer than any merge", () => {
  const { graph, weights } = setup("resnet8");
  const before = closestPairs(graph, weights);
  copyChannel(weights, "block2_conv1", 3, 7);
  copyChannel(weights, "block2_bn1", 3, 7);
  const after = closestPairs(graph, weights);
  const planted = after["block2_conv1"]!;
  assert.deepEqual([planted.a, planted.b], [3, 7]);
  assert.ok(planted.distance < 1e-6, JSON.stringify(planted));
  assert.ok(before["block2_conv1"]!.distance > 0.1, JSON.stringify(before["block2_conv1"]));
  assert.deepEqual(after["block3_conv1"], before["block3_conv1"]);
  const tolerance = Math.min(...Object.values(before).map((p) => p.distance)) * 0.99;
  const none = mergeRedundant(graph, weights, { tolerance });
  assert.deepEqual(
    Object.entries(none.merges).filter(([, m]) => m.length > 0).map(([g]) => g),
    ["block2_conv1"],
  );
  disposeWeights(none.weights);
  disposeWeights(weights);
});
