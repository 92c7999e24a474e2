import assert from "node:assert/strict";
import { initBackend } from "../../../engine/backend.ts";
import { graphFromLayersModel } from "../../../engine/models/from_layers.ts";
import type { Activation, Graph, GraphNode, Padding } from "../../../engine/models/ir.ts";
import { buildZooModel } from "../../../engine/models/zoo.ts";
import { planBatchNormFolding } from "../../../engine/quant/fold_plan.ts";

const HW: [number, number, number] = [6, 6, 4];

const input: GraphNode = { name: "in", op: "input", inputs: [], outShape: HW };
function conv(
  name: string,
  from: string,
  o: { padding?: Padding; activation?: Activation; kind?: "conv2d" | "depthwise" } = {},
): GraphNode {
  const common = {
    name,
    inputs: [from],
    outShape: HW,
    kernel: [3, 3] as const,
    strides: [1, 1] as const,
    dilation: [1, 1] as const,
    padding: o.padding ?? "same",
    useBias: false,
    activation: o.activation ?? "linear",
  };
  return o.kind === "depthwise"
    ? { ...common, op: "depthwise", depthMultiplier: 1 }
    : { ...common, op: "conv2d", filters: HW[2] };
}
function bn(name: string, from: string, shape: readonly number[] = HW): GraphNode {
  return {
    name,
    op: "batchnorm",
    inputs: [from],
    outShape: shape,
    epsilon: 1e-5,
    center: true,
    scale: true,
  };
}
function relu(name: string, from: string): GraphNode {
  return { name, op: "activation", inputs: [from], outShape: HW, activation: "relu" };
}
function graph(nodes: GraphNode[], output: string): Graph {
  return { name: "t", nodes: [input, ...nodes], output };
}

Deno.test("planBatchNormFolding() folds conv -> bn -> relu backward into the conv", () => {
  const plan = planBatchNormFolding(graph([conv("c", "in"), bn("bn", "c"), relu("r", "bn")], "r"));
  assert.deepEqual(plan.get("bn"), { fold: true, direction: "backward", into: "c", through: [] });
});

Deno.test("planBatchNormFolding() folds depthwise and dense producers backward", () => {
  const g = graph([
    conv("dw", "in", { kind: "depthwise" }),
    bn("bn1", "dw"),
    { name: "gap", op: "gap", inputs: ["bn1"], outShape: [4] },
    {
      name: "fc",
      op: "dense",
      inputs: ["gap"],
      outShape: [3],
      units: 3,
      useBias: true,
      activation: "linear",
    },
    bn("bn2", "fc", [3]),
  ], "bn2");
  const plan = planBatchNormFolding(g);
  assert.deepEqual(plan.get("bn1"), { fold: true, direction: "backward", into: "dw", through: [] });
  assert.deepEqual(plan.get("bn2"), { fold: true, direction: "backward", into: "fc", through: [] });
});

Deno.test("planBatchNormFolding() refuses a producer whose output also feeds another branch", () => {
  const g = graph([
    conv("c", "in"),
    bn("bn", "c"),
    relu("r", "bn"),
    { name: "add", op: "add", inputs: ["r", "c"], outShape: HW },
  ], "add");
  const d = planBatchNormFolding(g).get("bn");
  assert.ok(d && !d.fold);
  assert.equal(d.backward, "producer-shared");
  assert.equal(d.forward, "consumer-nonlinear");
  assert.match(d.reason, /producer "c" also feeds add/);
});

Deno.test("planBatchNormFolding() refuses a producer with a fused ReLU", () => {
  const g = graph([conv("c", "in", { activation: "relu" }), bn("bn", "c")], "bn");
  const d = planBatchNormFolding(g).get("bn");
  assert.ok(d && !d.fold);
  assert.equal(d.backward, "producer-activation");
  assert.equal(d.forward, "output-shared");
  assert.match(d.reason, /applies relu before the batch norm/);
});

Deno.test("planBatchNormFolding() keeps a bn after an add before a zero-padded conv unfolded", () => {
  const g = graph([
    conv("a", "in"),
    { name: "add", op: "add", inputs: ["a", "in"], outShape: HW },
    bn("bn", "add"),
    conv("c", "bn", { padding: "same" }),
  ], "c");
  const d = planBatchNormFolding(g).get("bn");
  assert.ok(d && !d.fold);
  assert.equal(d.backward, "producer-not-linear-layer");
  assert.equal(d.forward, "consumer-zero-padding");
  assert.match(d.reason, /producer "add" is add.*consumer "c" zero-pads/);
});

Deno.test("planBatchNormFolding() folds forward into a valid-padded conv, or dense via flatten", () => {
  const pool: GraphNode = {
    name: "pool",
    op: "maxpool",
    inputs: ["in"],
    outShape: HW,
    poolSize: [1, 1],
    strides: [1, 1],
    padding: "valid",
  };
  const conv1 = graph([pool, bn("bn", "pool"), conv("c", "bn", { padding: "valid" })], "c");
  assert.deepEqual(planBatchNormFolding(conv1).get("bn"), {
    fold: true,
    direction: "forward",
    into: "c",
    through: [],
  });
  const viaFlatten = graph([
    pool,
    bn("bn", "pool"),
    { name: "flat", op: "flatten", inputs: ["bn"], outShape: [144] },
    {
      name: "fc",
      op: "dense",
      inputs: ["flat"],
      outShape: [2],
      units: 2,
      useBias: true,
      activation: "linear",
    },
  ], "fc");
  assert.deepEqual(planBatchNormFolding(viaFlatten).get("bn"), {
    fold: true,
    direction: "forward",
    into: "fc",
    through: ["flat"],
  });
});

Deno.test("planBatchNormFolding() folds every batch norm of resnet8 and mobilenet-tiny backward", async () => {
  await initBackend();
  for (const name of ["resnet8", "mobilenet-tiny"] as const) {
    const model = buildZooModel(name);
    const g = graphFromLayersModel(model);
    model.dispose();
    const plan = planBatchNormFolding(g);
    const bns = g.nodes.filter((n) => n.op === "batchnorm").map((n) => n.name);
    assert.equal(plan.size, bns.length);
    assert.ok(bns.length >= 7, `${name} has ${bns.length} batch norms`);
    for (const b of bns) {
      const d = plan.get(b);
      assert.ok(d?.fold && d.direction === "backward", `${name}/${b}: ${JSON.stringify(d)}`);
    }
  }
});
