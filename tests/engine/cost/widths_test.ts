import assert from "node:assert/strict";
import { widthGroups } from "../../../engine/cost/widths.ts";
import { networkCost } from "../../../engine/cost/network.ts";
import { chainGraph, depthwiseGraph, residualGraph } from "../../fixtures/graphs.ts";
import { tinyProfile } from "./_profile.ts";

const w = (width: number) => ({ wbits: 8, abits: 8, width });

Deno.test("a pruned layer's consumer reads the pruned width", () => {
  const cost = networkCost(chainGraph, tinyProfile(), { layers: { c1: w(0.5) } });
  const c2 = cost.layers.find((l) => l.name === "c2")!;
  assert.equal(c2.cin, 4);
  assert.equal(c2.macs, 8 * 8 * 8 * 9 * 4);
});

Deno.test("width keeps round(width x channels) channels, at least one", () => {
  const cost = networkCost(chainGraph, tinyProfile(), { layers: { c1: w(0.01) } });
  assert.equal(cost.layers[0]!.cout, 1);
  const three = networkCost(chainGraph, tinyProfile(), { layers: { c1: w(0.3) } });
  assert.equal(three.layers[0]!.cout, 2); // round(2.4)
});

Deno.test("the inputs of a residual add form one width group", () => {
  assert.deepEqual(widthGroups(residualGraph), [
    { layers: ["a", "b"], prunable: true },
    { layers: ["fc"], prunable: false },
  ]);
});

Deno.test("depthwise layers are in no width group; their producer's group decides", () => {
  assert.deepEqual(widthGroups(depthwiseGraph), [
    { layers: ["pw1"], prunable: true },
    { layers: ["pw2"], prunable: true },
    { layers: ["fc"], prunable: false },
  ]);
});

Deno.test("mismatched widths at an add are a RangeError naming the add", () => {
  assert.throws(
    () => networkCost(residualGraph, tinyProfile(), { layers: { a: w(0.5) } }),
    (e: unknown) => e instanceof RangeError && /Add "add"/.test(e.message),
  );
});

Deno.test("pruning the layer that produces the network output is a RangeError", () => {
  assert.throws(
    () => networkCost(residualGraph, tinyProfile(), { layers: { fc: w(0.5) } }),
    (e: unknown) => e instanceof RangeError && /"fc" cannot be pruned/.test(e.message),
  );
});

Deno.test("a residual group pruned together halves the next layer's input", () => {
  const cost = networkCost(residualGraph, tinyProfile(), { layers: { a: w(0.5), b: w(0.5) } });
  const [a, b, fc] = cost.layers;
  assert.deepEqual([a!.cout, b!.cin, b!.cout, fc!.cin], [2, 2, 2, 2]);
  assert.equal(b!.macs, 16 * 2 * 9 * 2);
});
