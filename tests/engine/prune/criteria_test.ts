import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { forward } from "../../../engine/exec/forward.ts";
import { disposeWeights, weightsFromLayersModel } from "../../../engine/exec/weights.ts";
import { graphFromLayersModel } from "../../../engine/models/from_layers.ts";
import { buildZooModel } from "../../../engine/models/zoo.ts";
import { analyzeChannels } from "../../../engine/prune/channels.ts";
import { criteria, criterionByName } from "../../../engine/prune/criteria/mod.ts";
import { maskHooks } from "../../../engine/prune/masks.ts";

await initBackend();

const model = buildZooModel("resnet8", { seed: 6 });
const graph = graphFromLayersModel(model);
const weights = weightsFromLayersModel(model, graph);
const analysis = analyzeChannels(graph);
const x = tf.randomUniform([8, 28, 28, 1], 0, 1, "float32", 3) as tf.Tensor4D;
const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], "int32"), 10) as tf.Tensor2D;
const data = [{ x, y }];

for (const [name, criterion] of Object.entries(criteria)) {
  Deno.test(`criterion "${name}" returns one finite score per channel of every prunable group`, () => {
    assert.equal(criterion.name, name);
    for (const group of analysis.groups.filter((g) => g.prunable)) {
      const scores = criterion.score({ graph, weights, group, analysis, data, steps: 2 });
      assert.equal(scores.length, group.channels, group.id);
      assert.ok(scores.every(Number.isFinite), `${name} on ${group.id}`);
    }
  });
}

Deno.test("criterion l1 sums |w| over every producer of a residual group", () => {
  const group = analysis.groups.find((g) => g.id === "block2_conv2")!;
  const scores = criteria.l1!.score({ graph, weights, group, analysis });
  const l1 = (layer: string) => tf.tidy(() => tf.sum(tf.abs(weights[layer]!.kernel!), [0, 1, 2]));
  const want = tf.tidy(() => tf.add(l1("block2_conv2"), l1("block2_proj")).dataSync());
  scores.forEach((s, c) => assert.ok(Math.abs(s - want[c]!) < 1e-4));
});

Deno.test("criterion bn-gamma sums |gamma| of the group's batch norms", () => {
  weights.block1_bn1!.gamma!.assign(tf.linspace(-1, 1, 16));
  const group = analysis.groups.find((g) => g.id === "block1_conv1")!;
  const scores = criteria["bn-gamma"]!.score({ graph, weights, group, analysis });
  assert.ok(Math.abs(scores[0]! - 1) < 1e-6 && Math.abs(scores[15]! - 1) < 1e-6);
  assert.ok(scores[7]! < scores[0]!);
  weights.block1_bn1!.gamma!.assign(tf.ones([16]));
});

Deno.test("criterion integrated-gradients is complete: its attributions sum to L(mask)-L(1)", () => {
  const group = analysis.groups.find((g) => g.id === "block3_conv1")!;
  const scores = criteria["integrated-gradients"]!.score({
    graph,
    weights,
    group,
    analysis,
    data,
    steps: 24,
  });
  const loss = (hooks = {}) =>
    tf.tidy(() => tf.losses.softmaxCrossEntropy(y, forward(graph, weights, x, { hooks })))
      .dataSync()[0]!;
  const zero = new Float32Array(group.channels);
  zero[0] = 1; // masks must keep a channel; one kept channel barely moves L(0)
  const removed = loss(maskHooks(graph, { [group.id]: zero }));
  const sum = scores.reduce((a, b) => a + b, 0);
  const want = removed - loss();
  assert.ok(Math.abs(sum - want) < 0.1 * Math.abs(want) + 0.02, `sum ${sum} vs ${want}`);
  assert.throws(
    () => criteria["integrated-gradients"]!.score({ graph, weights, group, analysis }),
    /no data/,
  );
});

Deno.test("criterionByName() names the unknown criterion and lists the known ones", () => {
  assert.throws(() => criterionByName("magic"), /"magic".*l1/);
});

Deno.test("criterion l1-bn scales each channel's L1 by its batch norm's |gamma|/sqrt(var+eps)", () => {
  weights.block1_bn1!.gamma!.assign(tf.linspace(-2, 2, 16));
  const group = analysis.groups.find((g) => g.id === "block1_conv1")!;
  const folded = criteria["l1-bn"]!.score({ graph, weights, group, analysis });
  const plain = criteria.l1!.score({ graph, weights, group, analysis });
  const gamma = weights.block1_bn1!.gamma!.dataSync();
  const variance = weights.block1_bn1!.movingVariance!.dataSync();
  folded.forEach((s, c) => {
    const want = plain[c]! * Math.abs(gamma[c]!) / Math.sqrt(variance[c]! + 1e-5);
    assert.ok(Math.abs(s - want) < 1e-4 * Math.max(1, want), `channel ${c}: ${s} vs ${want}`);
  });
  weights.block1_bn1!.gamma!.assign(tf.ones([16]));
});

Deno.test("criterion taylor gives 0 to a channel no consumer reads, more to used ones", () => {
  const group = analysis.groups.find((g) => g.id === "block3_conv1")!;
  const kernel = weights.block3_conv2!.kernel!;
  const saved = tf.clone(kernel);
  // Zero the input slice of channel 5 in block3_conv2: its gate has no effect on the loss.
  const keep = tf.tidy(() => tf.sub(1, tf.oneHot([5], 64).reshape([1, 1, 64, 1])));
  kernel.assign(tf.tidy(() => tf.mul(kernel, keep)));
  const scores = criteria.taylor!.score({ graph, weights, group, analysis, data });
  assert.equal(scores[5], 0);
  assert.ok(scores.filter((s) => s > 0).length > 32, "most used channels score > 0");
  kernel.assign(saved);
  tf.dispose([saved, keep]);
  assert.throws(() => criteria.taylor!.score({ graph, weights, group, analysis }), /no data/);
});

Deno.test("criteria leak no tensors", () => {
  const before = tf.memory().numTensors;
  const group = analysis.groups.find((g) => g.id === "conv1")!;
  for (const c of Object.values(criteria)) c.score({ graph, weights, group, analysis, data });
  assert.equal(tf.memory().numTensors, before);
});

globalThis.addEventListener("unload", () => {
  disposeWeights(weights);
  tf.dispose([x, y]);
});
