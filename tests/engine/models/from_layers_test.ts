import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { graphFromLayersModel, UnsupportedLayerError } from "../../../engine/models/from_layers.ts";
import { isComputeNode, macs, nodeByName } from "../../../engine/models/ir.ts";
import { buildZooModel } from "../../../engine/models/zoo.ts";

await initBackend("cpu");

Deno.test("graphFromLayersModel() lists cnn-s in order with per-example shapes", () => {
  const g = graphFromLayersModel(buildZooModel("cnn-s"));
  assert.equal(g.name, "cnn-s");
  assert.deepEqual(g.nodes.map((n) => n.op), [
    "input",
    "conv2d",
    "maxpool",
    "conv2d",
    "maxpool",
    "flatten",
    "dropout",
    "dense",
    "dense",
  ]);
  assert.deepEqual(nodeByName(g, "conv2").outShape, [14, 14, 64]);
  assert.deepEqual(nodeByName(g, "flatten").outShape, [3136]);
  assert.equal(g.output, "logits");
  const fc1 = nodeByName(g, "fc1");
  assert.ok(fc1.op === "dense" && fc1.activation === "relu" && fc1.units === 128);
  const logits = nodeByName(g, "logits");
  assert.ok(logits.op === "dense" && logits.activation === "linear");
});

Deno.test("macs() of cnn-s conv2 is 14*14*64*3*3*32", () => {
  const g = graphFromLayersModel(buildZooModel("cnn-s"));
  assert.equal(macs(g, nodeByName(g, "conv2")), 14 * 14 * 64 * 3 * 3 * 32);
  assert.equal(macs(g, nodeByName(g, "fc1")), 3136 * 128);
  const pool = nodeByName(g, "pool1");
  assert.ok(pool.op === "maxpool");
  assert.deepEqual([pool.poolSize, pool.strides, pool.padding], [[2, 2], [2, 2], "valid"]);
});

Deno.test("graphFromLayersModel() keeps resnet8's residual adds and projections", () => {
  const g = graphFromLayersModel(buildZooModel("resnet8"));
  assert.deepEqual(nodeByName(g, "block1_add").inputs, ["block1_bn2", "relu1"]);
  assert.deepEqual(nodeByName(g, "block2_add").inputs, ["block2_bn2", "block2_proj_bn"]);
  assert.deepEqual(nodeByName(g, "block2_add").outShape, [14, 14, 32]);
  assert.deepEqual(nodeByName(g, "block3_add").outShape, [7, 7, 64]);
  const proj = nodeByName(g, "block3_proj");
  assert.ok(proj.op === "conv2d");
  assert.deepEqual([proj.kernel, proj.strides, proj.useBias], [[1, 1], [2, 2], false]);
  const bn = nodeByName(g, "bn1");
  assert.ok(bn.op === "batchnorm" && bn.epsilon === 1e-5);
  // Every node appears after all of its producers.
  const seen = new Set<string>();
  for (const node of g.nodes) {
    for (const i of node.inputs) assert.ok(seen.has(i), `${node.name} before ${i}`);
    seen.add(node.name);
  }
  // stem + 2 + (2 + projection) * 2 convs, then the logits.
  assert.equal(g.nodes.filter(isComputeNode).length, 1 + 2 + 3 + 3 + 1);
});

Deno.test("graphFromLayersModel() reads mobilenet-tiny's depthwise and relu6 layers", () => {
  const g = graphFromLayersModel(buildZooModel("mobilenet-tiny"));
  const dw = nodeByName(g, "block2_dw");
  assert.ok(dw.op === "depthwise");
  assert.deepEqual([dw.strides, dw.depthMultiplier, dw.outShape], [[2, 2], 1, [14, 14, 32]]);
  assert.equal(macs(g, dw), 14 * 14 * 32 * 9);
  const act = nodeByName(g, "block2_dw_relu");
  assert.ok(act.op === "activation" && act.activation === "relu6");
  assert.deepEqual(nodeByName(g, "gap").outShape, [128]);
  assert.equal(nodeByName(g, "gap").op, "gap");
});

Deno.test("graphFromLayersModel() converts a Sequential model with Activation layers", () => {
  const model = tf.sequential({
    name: "seq",
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, name: "c" }),
      tf.layers.activation({ activation: "relu", name: "a" }),
      tf.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: "same", name: "p" }),
      tf.layers.flatten({ name: "f" }),
      tf.layers.dense({ units: 3, activation: "softmax", name: "d" }),
    ],
  });
  const g = graphFromLayersModel(model);
  assert.deepEqual(g.nodes.map((n) => [n.op, n.outShape]), [
    ["input", [8, 8, 3]],
    ["conv2d", [6, 6, 4]],
    ["activation", [6, 6, 4]],
    ["avgpool", [6, 6, 4]],
    ["flatten", [144]],
    ["dense", [3]],
  ]);
  assert.deepEqual(g.nodes[1]!.inputs, [g.nodes[0]!.name]);
  const conv = g.nodes[1]!;
  assert.ok(conv.op === "conv2d" && conv.padding === "valid" && conv.useBias);
  assert.equal(g.output, "d");
});

Deno.test("graphFromLayersModel() names an unsupported layer and its class", () => {
  const model = tf.sequential({
    layers: [
      tf.layers.lstm({ inputShape: [5, 2], units: 3, name: "lstm_1" }),
      tf.layers.dense({ units: 2 }),
    ],
  });
  assert.throws(
    () => graphFromLayersModel(model),
    (e: unknown) =>
      e instanceof UnsupportedLayerError && e.layerName === "lstm_1" &&
      /^layer "lstm_1" of class LSTM is not supported; supported: .*Conv2D/.test(e.message),
  );
});

Deno.test("graphFromLayersModel() rejects unsupported settings of supported layers", () => {
  const tanh = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [4], units: 2, activation: "tanh", name: "t" })],
  });
  assert.throws(() => graphFromLayersModel(tanh), /layer "t" of class Dense has activation "tanh"/);
  const rank3 = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [4, 4], units: 2, name: "d3" })],
  });
  assert.throws(() => graphFromLayersModel(rank3), /layer "d3" of class Dense on a rank-2 input/);
  const relu4 = tf.sequential({ layers: [tf.layers.reLU({ inputShape: [4], maxValue: 4 })] });
  assert.throws(() => graphFromLayersModel(relu4), UnsupportedLayerError);
});
