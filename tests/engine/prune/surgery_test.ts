import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { forward } from "../../../engine/exec/forward.ts";
import { disposeWeights, weightsFromLayersModel } from "../../../engine/exec/weights.ts";
import { graphFromLayersModel } from "../../../engine/models/from_layers.ts";
import { buildZooModel } from "../../../engine/models/zoo.ts";
import { dependencyGroups } from "../../../engine/prune/channels.ts";
import { maskHooks, randomMasks } from "../../../engine/prune/masks.ts";
import { graphMacs, prunedGraph, surgery } from "../../../engine/prune/surgery.ts";

await initBackend();

/** Random BN statistics, so that masking after a batch norm is really tested. */
function randomizeBatchNorms(weights: ReturnType<typeof weightsFromLayersModel>, seed: number) {
  let s = seed;
  for (const t of Object.values(weights)) {
    for (const name of ["beta", "movingMean"] as const) {
      const v = t[name];
      if (v) v.assign(tf.randomNormal(v.shape, 0, 0.5, "float32", s++));
    }
    if (t.movingVariance) {
      t.movingVariance.assign(tf.randomUniform(t.movingVariance.shape, 0.5, 2, "float32", s++));
    }
  }
}

for (const name of ["resnet8", "mobilenet-tiny", "cnn-s"] as const) {
  Deno.test(`surgery() on ${name} computes what the masked network computes`, () => {
    const model = buildZooModel(name, { seed: 4 });
    const graph = graphFromLayersModel(model);
    const weights = weightsFromLayersModel(model, graph);
    model.dispose();
    randomizeBatchNorms(weights, 11);
    const masks = randomMasks(dependencyGroups(graph), { seed: 9, keep: 0.6 });
    const x = tf.randomUniform([3, 28, 28, 1], 0, 1, "float32", 5) as tf.Tensor4D;
    const masked = forward(graph, weights, x, { hooks: maskHooks(graph, masks) });
    const small = surgery(graph, weights, masks);
    const pruned = forward(small.graph, small.weights, x);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(masked, pruned))).dataSync()[0]!);
    assert.ok(diff < 1e-5, `max abs diff ${diff}`);
    const unmasked = forward(graph, weights, x);
    const change = tf.tidy(() => tf.max(tf.abs(tf.sub(masked, unmasked))).dataSync()[0]!);
    assert.ok(change > 1e-3, "masks changed nothing: the test would be vacuous");
    assert.ok(graphMacs(small.graph) < graphMacs(graph));
    tf.dispose([x, masked, pruned, unmasked]);
    disposeWeights(weights);
    disposeWeights(small.weights);
  });
}

Deno.test("prunedGraph() keeps residual shapes consistent and shrinks resnet8's MACs", () => {
  const graph = graphFromLayersModel(buildZooModel("resnet8"));
  const groups = dependencyGroups(graph);
  const masks = randomMasks(groups, { seed: 2, keep: 0.5 });
  const small = prunedGraph(graph, masks);
  for (const node of small.nodes.filter((n) => n.op === "add")) {
    const shapes = node.inputs.map((i) => small.nodes.find((n) => n.name === i)!.outShape);
    for (const s of shapes) assert.deepEqual(s, node.outShape, `add ${node.name}`);
  }
  const stem = small.nodes.find((n) => n.name === "conv1")!;
  assert.equal(stem.outShape.at(-1), 8);
  assert.ok(graphMacs(small) < 0.5 * graphMacs(graph));
});

Deno.test("surgery() rejects pruning every channel of a group or pruning the logits", () => {
  const graph = graphFromLayersModel(buildZooModel("resnet8"));
  assert.throws(() => prunedGraph(graph, { conv1: new Float32Array(16) }), /every channel/);
  const logits = new Float32Array(10).fill(1);
  logits[0] = 0;
  assert.throws(() => prunedGraph(graph, { logits }), /not prunable/);
  assert.throws(() => prunedGraph(graph, { nope: new Float32Array(1) }), /"nope"/);
  assert.throws(() => prunedGraph(graph, { conv1: new Float32Array(3) }), /3 entries/);
});
