import assert from "node:assert/strict";
import { layerEpilogues, layerOwners } from "../../../engine/cost/epilogue.ts";
import { networkCost } from "../../../engine/cost/network.ts";
import type { Graph } from "../../../engine/models/ir.ts";
import type { MeasuredRow } from "../../../engine/profile/types.ts";
import { depthwiseGraph, oneConvGraph, residualGraph } from "../../fixtures/graphs.ts";
import { convRow, tinyProfile } from "./_profile.ts";

/** oneConvGraph with a batch-norm and a relu6 after the conv. */
const convBnRelu6: Graph = {
  name: "conv-bn-relu6",
  nodes: [
    ...oneConvGraph.nodes,
    {
      name: "bn",
      op: "batchnorm",
      inputs: ["c"],
      outShape: [8, 8, 4],
      epsilon: 1e-5,
      center: true,
      scale: true,
    },
    { name: "r6", op: "activation", inputs: ["bn"], outShape: [8, 8, 4], activation: "relu6" },
  ],
  output: "r6",
};

Deno.test("layerEpilogues() lists the batch-norm and activations a costed layer owns", () => {
  const e = layerEpilogues(residualGraph);
  assert.deepEqual(e.get("a"), ["batchnorm", "relu"]);
  assert.deepEqual(e.get("b"), []); // the add reads it: not owned
  assert.deepEqual(e.get("add"), []);
  assert.deepEqual(e.get("gap"), []);
  assert.deepEqual([...layerEpilogues(convBnRelu6)], [["c", ["batchnorm", "relu6"]]]);
  assert.equal(layerOwners(depthwiseGraph).get("input"), undefined);
  assert.equal(layerOwners(convBnRelu6).get("r6"), "c");
});

const SHAPE = { inH: 8, inW: 8, cin: 3, cout: 4 };
const withEpilogue = (ms: number, epilogue?: MeasuredRow["epilogue"]): MeasuredRow => ({
  ...convRow(SHAPE, ms),
  ...(epilogue === undefined ? {} : { epilogue }),
});

Deno.test("a row with an epilogue prices only layers with that epilogue", () => {
  const profile = tinyProfile([withEpilogue(1, []), withEpilogue(3, ["batchnorm", "relu6"])]);
  const bare = networkCost(oneConvGraph, profile, { layers: {} }).layers[0]!;
  const full = networkCost(convBnRelu6, profile, { layers: {} }).layers[0]!;
  assert.deepEqual([bare.latencyMs, bare.latencySource], [1, "measured"]);
  assert.deepEqual([full.latencyMs, full.latencySource], [3, "measured"]);
});

Deno.test("a layer without a row of its epilogue uses rows without one, else any row", () => {
  const legacy = tinyProfile([withEpilogue(2), withEpilogue(3, ["batchnorm", "relu6"])]);
  assert.equal(networkCost(oneConvGraph, legacy, { layers: {} }).layers[0]!.latencyMs, 2);
  const other = tinyProfile([withEpilogue(3, ["batchnorm", "relu6"])]);
  assert.equal(networkCost(oneConvGraph, other, { layers: {} }).layers[0]!.latencyMs, 3);
});
