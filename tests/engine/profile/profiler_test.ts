import assert from "node:assert/strict";
import { layerOwners } from "../../../engine/cost/epilogue.ts";
import { graphAtWidth, profileUnits, unitOccurrences } from "../../../engine/profile/profiler.ts";
import { residualGraph } from "../../fixtures/graphs.ts";

Deno.test("profileUnits() lists every shape a layer takes over input and output widths", () => {
  const units = profileUnits(residualGraph, [0.5, 1]);
  const sig = units.map((u) =>
    `${u.op} ${u.shape.inH}x${u.shape.cin}>${u.shape.cout} k${u.shape.kernel}`
  );
  assert.deepEqual(sig, [
    "conv2d 4x2>2 k1", // a: input fixed (2 channels), output 2 or 4
    "conv2d 4x2>4 k1",
    "conv2d 4x2>2 k3", // b: input and output each 2 or 4
    "conv2d 4x2>4 k3",
    "conv2d 4x4>2 k3",
    "conv2d 4x4>4 k3",
    "add 4x2>2 k1",
    "add 4x4>4 k1",
    "pool 4x2>2 k4", // global pooling: window = stride = inH
    "pool 4x4>4 k4",
    "dense 1x2>10 k1", // the logits are pinned; their input follows the gap
    "dense 1x4>10 k1",
  ]);
});

Deno.test("profileUnits() shares a shape between models and keeps every layer name", () => {
  const units = profileUnits(residualGraph, [1]);
  profileUnits({ ...residualGraph, name: "twin" }, [1], units);
  assert.equal(units.length, 5);
  assert.deepEqual(units[0]!.layers, ["residual/a", "twin/a"]);
});

Deno.test("unitOccurrences() gives each costed layer the batch-norm and activation it owns", () => {
  const units = profileUnits(residualGraph, [1]);
  const occ = unitOccurrences(residualGraph, units);
  const names = (o: { nodes: readonly number[] }) =>
    o.nodes.map((i) => residualGraph.nodes[i]!.name);
  assert.deepEqual(occ.map(names), [["a", "bn", "relu"], ["b"], ["add"], ["gap"], ["fc"]]);
  assert.deepEqual(occ.map((o) => o.unit), [0, 1, 2, 3, 4]);
  assert.equal(layerOwners(residualGraph).get("relu"), "a");
  assert.equal(layerOwners(residualGraph).get("input"), undefined);
});

Deno.test("profileUnits() keys a shape by its epilogue: a conv with and without a batch-norm", () => {
  const bare = {
    ...residualGraph,
    name: "bare",
    nodes: residualGraph.nodes.filter((n) => n.name !== "bn")
      .map((n) => (n.name === "relu" ? { ...n, inputs: ["a"] } : n)),
  };
  const units = profileUnits(residualGraph, [1]);
  profileUnits(bare, [1], units);
  const convA = units.filter((u) => u.op === "conv2d" && u.shape.kernel === 1);
  assert.deepEqual(convA.map((u) => u.epilogue), [["batchnorm", "relu"], ["relu"]]);
  assert.deepEqual(convA.map((u) => u.layers), [["residual/a"], ["bare/a"]]);
  assert.equal(units.length, 6); // b, add, gap and fc are shared
});

Deno.test("unitOccurrences() skips layers whose shape the unit list lacks", () => {
  const half = graphAtWidth(residualGraph, 0.5);
  assert.deepEqual(unitOccurrences(half, profileUnits(residualGraph, [1])), []);
  const both = profileUnits(residualGraph, [0.5, 1]);
  assert.equal(unitOccurrences(half, both).length, 5);
});

Deno.test("graphAtWidth() prunes every prunable group and rejects widths outside (0, 1]", () => {
  const g = graphAtWidth(residualGraph, 0.5);
  assert.deepEqual(g.nodes.find((n) => n.name === "b")!.outShape, [4, 4, 2]);
  assert.deepEqual(g.nodes.find((n) => n.name === "fc")!.outShape, [10]);
  assert.throws(() => graphAtWidth(residualGraph, 0), RangeError);
});
