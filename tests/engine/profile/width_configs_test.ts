import assert from "node:assert/strict";
import { initBackend } from "../../../engine/backend.ts";
import { graphFromLayersModel } from "../../../engine/models/from_layers.ts";
import { buildZooModel, ZOO_NAMES } from "../../../engine/models/zoo.ts";
import { graphAtWidth, profileUnits, unitOccurrences } from "../../../engine/profile/profiler.ts";
import { graphAtWidths, profilingNetworks } from "../../../engine/profile/width_configs.ts";
import { depthwiseGraph, residualGraph } from "../../fixtures/graphs.ts";

await initBackend();

const WIDTHS = [0.5, 0.75, 1];

Deno.test("graphAtWidths() prunes each prunable group to its own width", () => {
  const g = graphAtWidths(depthwiseGraph, [0.5, 1]); // groups pw1 (8) and pw2 (6)
  assert.deepEqual(g.nodes.find((n) => n.name === "dw")!.outShape, [8, 8, 4]);
  assert.deepEqual(g.nodes.find((n) => n.name === "pw2")!.outShape, [8, 8, 6]);
  assert.deepEqual(graphAtWidths(depthwiseGraph, [1, 1]), graphAtWidth(depthwiseGraph, 1));
  assert.throws(() => graphAtWidths(depthwiseGraph, [0.5]), RangeError);
  assert.throws(() => graphAtWidths(depthwiseGraph, [0.5, 1.5]), RangeError);
});

Deno.test("profilingNetworks() times every shape of each zoo model without a uniform network", () => {
  for (const name of ZOO_NAMES) {
    const model = buildZooModel(name);
    const graph = { ...graphFromLayersModel(model), name };
    model.dispose();
    const plan = profilingNetworks(graph, WIDTHS);
    assert.equal(plan.uncovered.length, 0, name);
    // None is a network the closed loop checks (every group at one width).
    assert.ok(plan.networks.every((n) => !n.uniform && new Set(n.groupWidths).size > 1), name);
    const units = profileUnits(graph, WIDTHS);
    const seen = new Set(
      plan.networks.flatMap((n) => unitOccurrences(n.graph, units))
        .map((o) => o.unit),
    );
    assert.equal(seen.size, units.length, name);
    assert.ok(plan.networks.length >= 6, name);
  }
});

Deno.test("profilingNetworks() is reproducible for a seed and differs across seeds", () => {
  const model = buildZooModel("cnn-s");
  const graph = graphFromLayersModel(model);
  model.dispose();
  const names = (seed: number) =>
    profilingNetworks(graph, WIDTHS, { seed }).networks.map((n) => n.name);
  assert.deepEqual(names(3), names(3));
  assert.notDeepEqual(names(3), names(4));
});

Deno.test("profilingNetworks() falls back to uniform networks for a single prunable group", () => {
  // residualGraph: conv a and conv b are tied by the add; b reads and writes that one group,
  // so its crossed shapes (2 -> 4 and 4 -> 2 channels) exist in no network.
  const plan = profilingNetworks(residualGraph, [0.5, 1]);
  assert.deepEqual(plan.networks.map((n) => n.name).sort(), ["residual@0.5", "residual@1"]);
  assert.ok(plan.networks.every((n) => n.uniform));
  assert.deepEqual(
    plan.uncovered.map((u) => `${u.op} ${u.shape.cin}>${u.shape.cout} k${u.shape.kernel}`),
    ["conv2d 2>4 k3", "conv2d 4>2 k3"],
  );
});

Deno.test("profilingNetworks() uses a uniform network only for shapes no mixed one has", () => {
  // depthwiseGraph has two groups (pw1 + dw, pw2): pw2 at (0.5 in, 0.5 out) needs both at 0.5.
  const plan = profilingNetworks(depthwiseGraph, [0.5, 1], { minNetworks: 2 });
  assert.equal(plan.uncovered.length, 0);
  const mixed = plan.networks.filter((n) => !n.uniform).map((n) => n.name).sort();
  assert.deepEqual(mixed, ["depthwise@0.5/1", "depthwise@1/0.5"]);
  assert.deepEqual(plan.networks.filter((n) => n.uniform).map((n) => n.name).sort(), [
    "depthwise@0.5/0.5",
    "depthwise@1/1",
  ]);
});
