import assert from "node:assert/strict";
import { initBackend } from "../../../engine/backend.ts";
import { graphFromLayersModel } from "../../../engine/models/from_layers.ts";
import type { Graph } from "../../../engine/models/ir.ts";
import { buildZooModel } from "../../../engine/models/zoo.ts";
import { analyzeChannels, dependencyGroups } from "../../../engine/prune/channels.ts";

await initBackend();

const resnet8 = graphFromLayersModel(buildZooModel("resnet8"));
const mobilenet = graphFromLayersModel(buildZooModel("mobilenet-tiny"));
const cnnS = graphFromLayersModel(buildZooModel("cnn-s"));

function groupOf(graph: Graph, layer: string) {
  const g = dependencyGroups(graph).find((x) => [...x.producers, ...x.carried].includes(layer));
  assert.ok(g, `no group produces or carries ${layer}`);
  return g;
}

Deno.test("dependencyGroups() ties the stem and an identity-shortcut block's last conv", () => {
  const g = groupOf(resnet8, "conv1");
  assert.equal(g.id, "conv1");
  assert.deepEqual(g.producers, ["conv1", "block1_conv2"]);
  assert.deepEqual(g.consumers, ["block1_conv1", "block2_conv1", "block2_proj"]);
  assert.ok(g.carried.includes("bn1") && g.carried.includes("block1_bn2"));
  assert.ok(g.carried.includes("block1_add") && g.prunable);
});

Deno.test("dependencyGroups() joins a projection shortcut's conv to its block's output", () => {
  const g = groupOf(resnet8, "block2_proj");
  assert.deepEqual(g.producers, ["block2_conv2", "block2_proj"]);
  assert.ok(g.carried.includes("block2_proj_bn") && g.carried.includes("block2_bn2"));
  assert.deepEqual(g.consumers, ["block3_conv1", "block3_proj"]);
});

Deno.test("dependencyGroups() keeps a block's inner conv in its own group", () => {
  const g = groupOf(resnet8, "block1_conv1");
  assert.deepEqual(g.producers, ["block1_conv1"]);
  assert.deepEqual(g.consumers, ["block1_conv2"]);
  assert.equal(g.channels, 16);
});

Deno.test("dependencyGroups() never lets the logits, the input or a softmax be pruned", () => {
  for (const graph of [resnet8, mobilenet, cnnS]) {
    const fixed = dependencyGroups(graph).filter((g) => !g.prunable).map((g) => g.id);
    assert.deepEqual(fixed.sort(), ["input", "logits"]);
  }
});

Deno.test("dependencyGroups() makes a depthwise layer follow its producer's channels", () => {
  const g = groupOf(mobilenet, "block2_dw");
  assert.equal(g.id, "block1_pw");
  assert.deepEqual(g.producers, ["block1_pw"]);
  assert.ok(g.carried.includes("block2_dw") && g.carried.includes("block2_dw_bn"));
  assert.deepEqual(g.consumers, ["block2_pw"]);
  for (const group of dependencyGroups(mobilenet)) {
    assert.ok(!group.producers.some((p) => p.endsWith("_dw")), `${group.id} led by depthwise`);
  }
});

Deno.test("analyzeChannels() maps flatten outputs to their channel in NHWC order", () => {
  const { nodes } = analyzeChannels(cnnS);
  const flat = nodes.get("flatten")!;
  assert.equal(flat.group, "conv2");
  assert.deepEqual([...flat.index.slice(0, 3)], [0, 1, 2]);
  assert.equal(flat.index[64], 0);
  assert.equal(flat.index[65], 1);
});

Deno.test("analyzeChannels() rejects an add whose inputs have different channel layouts", () => {
  const bad: Graph = {
    name: "bad",
    output: "sum",
    nodes: [
      { name: "in", op: "input", inputs: [], outShape: [4, 4, 2] },
      {
        name: "dw",
        op: "depthwise",
        inputs: ["in"],
        outShape: [4, 4, 4],
        kernel: [1, 1],
        strides: [1, 1],
        dilation: [1, 1],
        padding: "same",
        depthMultiplier: 2,
        useBias: false,
        activation: "linear",
      },
      {
        name: "c",
        op: "conv2d",
        inputs: ["in"],
        outShape: [4, 4, 4],
        kernel: [1, 1],
        strides: [1, 1],
        dilation: [1, 1],
        padding: "same",
        filters: 4,
        useBias: false,
        activation: "linear",
      },
      { name: "sum", op: "add", inputs: ["c", "dw"], outShape: [4, 4, 4] },
    ],
  };
  assert.throws(() => analyzeChannels(bad), /"sum"/);
});
