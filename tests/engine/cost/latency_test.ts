import assert from "node:assert/strict";
import { interpolateLatency, rowOps } from "../../../engine/cost/latency.ts";
import { networkCost } from "../../../engine/cost/network.ts";
import { chainGraph, oneConvGraph } from "../../fixtures/graphs.ts";
import { convRow, tinyProfile } from "./_profile.ts";

const POINTS = [{ ops: 1e4, ms: 1 }, { ops: 1e5, ms: 5 }, { ops: 1e6, ms: 20 }];

Deno.test("interpolateLatency() is monotonic in MACs over and beyond the rows", () => {
  let prev = 0;
  for (let ops = 1e3; ops <= 1e7; ops *= 1.3) {
    const ms = interpolateLatency(POINTS, ops)!;
    assert.ok(ms >= prev, `latency fell from ${prev} to ${ms} at ${ops} MACs`);
    prev = ms;
  }
});

Deno.test("interpolateLatency() hits the rows and interpolates in log space between them", () => {
  assert.equal(interpolateLatency(POINTS, 1e5), 5);
  // halfway in log MACs between 1e4 and 1e5 is the geometric mean of 1 and 5
  assert.ok(Math.abs(interpolateLatency(POINTS, Math.sqrt(1e9))! - Math.sqrt(5)) < 1e-9);
  assert.equal(interpolateLatency(POINTS, 2e6), 40); // proportional beyond the last row
  assert.equal(interpolateLatency(POINTS, 5e3), 0.5); // and below the first
  assert.equal(interpolateLatency([], 5e3), undefined);
});

Deno.test("a measured row with the same op, shape and bits wins over the model", () => {
  const row = convRow({ inH: 8, inW: 8, cin: 3, cout: 4 }, 1.234, { energyMj: 0.5 });
  const cost = networkCost(oneConvGraph, tinyProfile([row]), { layers: {} });
  const c = cost.layers[0]!;
  assert.equal(c.latencyMs, 1.234);
  assert.equal(c.latencySource, "measured");
  assert.equal(c.energyMj, 0.5);
});

Deno.test("the cost model adds up a row's mean, not its median", () => {
  const row = convRow({ inH: 8, inW: 8, cin: 3, cout: 4 }, 1.234);
  const withMedian = { ...row, latency: { ...row.latency, medianMs: 1.1 } };
  const cost = networkCost(oneConvGraph, tinyProfile([withMedian]), { layers: {} });
  assert.equal(cost.layers[0]!.latencyMs, 1.234);
});

Deno.test("a measured row at other bits is not used for a layer", () => {
  const row = convRow({ inH: 8, inW: 8, cin: 3, cout: 4 }, 1.234, { wbits: 4 });
  const cost = networkCost(oneConvGraph, tinyProfile([row]), { layers: {} });
  assert.equal(cost.layers[0]!.latencySource, "analytic");
});

Deno.test("a layer between measured rows is interpolated by MACs", () => {
  const small = convRow({ inH: 8, inW: 8, cin: 3, cout: 2 }, 1); // 3456 MACs
  const big = convRow({ inH: 8, inW: 8, cin: 3, cout: 8 }, 4); // 13824 MACs
  assert.equal(rowOps("conv2d", small.shape), 3456);
  const c = networkCost(oneConvGraph, tinyProfile([small, big]), { layers: {} }).layers[0]!;
  assert.equal(c.latencySource, "interpolated");
  assert.ok(Math.abs(c.latencyMs - 2) < 1e-9); // 6912 is the log midpoint: sqrt(1 * 4)
});

Deno.test("interpolated latency grows with the pruned width of a layer", () => {
  const rows = [
    convRow({ inH: 8, inW: 8, cin: 3, cout: 1 }, 0.2),
    convRow({ inH: 8, inW: 8, cin: 3, cout: 8 }, 1.0),
  ];
  const p = tinyProfile(rows);
  const at = (width: number) =>
    networkCost(chainGraph, p, { layers: { c1: { wbits: 8, abits: 8, width } } }).layers[0]!;
  const ms = [0.25, 0.5, 0.75].map((x) => at(x).latencyMs);
  assert.equal(at(1).latencySource, "measured");
  assert.ok(ms[0]! < ms[1]! && ms[1]! < ms[2]! && ms[2]! < at(1).latencyMs, `${ms}`);
});
