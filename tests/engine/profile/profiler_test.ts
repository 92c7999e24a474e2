import assert from "node:assert/strict";
import { initBackend } from "../../../engine/backend.ts";
import { fitAnalytic } from "../../../engine/profile/analytic_fit.ts";
import { addOverhead, calibrateOverhead } from "../../../engine/profile/calibrate.ts";
import {
  buildLocalProfile,
  type LocalRunInfo,
  rowFromSamples,
} from "../../../engine/profile/local_profile.ts";
import { measureSession } from "../../../engine/profile/measure_wasm.ts";
import {
  graphAtWidth,
  profileUnits,
  UNIT_INPUT,
  UNIT_OUTPUT,
  unitOwners,
} from "../../../engine/profile/profiler.ts";
import { sampleStats } from "../../../engine/profile/sample_stats.ts";
import type { MeasuredRow } from "../../../engine/profile/types.ts";
import { parseProfile } from "../../../engine/profile/validate.ts";
import { residualGraph } from "../../fixtures/graphs.ts";

const INFO: LocalRunInfo = {
  device: "Test CPU (2 logical cores)",
  runtimeVersion: "4.22.0 (XNNPACK, SIMD, 1 thread), Deno 2",
  date: "2025-01-15",
  clockHz: 2e9,
  clockSource: "test",
  reps: 2,
  warmup: 0,
  burst: 1,
  models: ["residual"],
  widths: [0.5, 1],
  command: "deno task profile --model residual --out local-wasm.json",
};

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

Deno.test("profileUnits() measures a layer with the batch-norm and activation it owns", () => {
  const [a] = profileUnits(residualGraph, [1]);
  assert.deepEqual(a!.graph.nodes.map((n) => n.name), [UNIT_INPUT, "a", "bn", "relu", UNIT_OUTPUT]);
  assert.deepEqual(a!.graph.nodes[1]!.inputs, [UNIT_INPUT]);
  assert.deepEqual(a!.baseline.nodes[0]!.outShape, [4, 4, 4]);
  assert.equal(unitOwners(residualGraph).get("relu"), "a");
  assert.equal(unitOwners(residualGraph).get("input"), undefined);
});

Deno.test("profileUnits() shares a shape between models and keeps every layer name", () => {
  const units = profileUnits(residualGraph, [1]);
  profileUnits({ ...residualGraph, name: "twin" }, [1], units);
  assert.equal(units.length, 5);
  assert.deepEqual(units[0]!.layers, ["residual/a", "twin/a"]);
});

Deno.test("graphAtWidth() prunes every prunable group and rejects widths outside (0, 1]", () => {
  const g = graphAtWidth(residualGraph, 0.5);
  assert.deepEqual(g.nodes.find((n) => n.name === "b")!.outShape, [4, 4, 2]);
  assert.deepEqual(g.nodes.find((n) => n.name === "fc")!.outShape, [10]);
  assert.throws(() => graphAtWidth(residualGraph, 0), RangeError);
});

Deno.test("sampleStats() takes the median and discards outliers from mean and std", () => {
  const s = sampleStats([1, 1.1, 0.9, 1, 9]);
  assert.equal(s.median, 1);
  assert.equal(s.kept, 4);
  assert.ok(Math.abs(s.mean - 1) < 1e-12);
  assert.equal(s.count, 5);
  assert.throws(() => sampleStats([]), RangeError);
});

Deno.test("rowFromSamples() stores the minimum minus the baseline's, at float32", () => {
  const [unit] = profileUnits(residualGraph, [1]);
  const row = rowFromSamples(unit!, { unit: [0.5, 0.3, 0.4, 2], baseline: [0.01, 0.02] });
  assert.deepEqual(row.shape, unit!.shape);
  assert.equal(row.latency.meanMs, 0.29);
  assert.equal(row.latency.count, 4);
  assert.deepEqual([row.wbits, row.abits], [32, 32]);
});

function row(op: MeasuredRow["op"], cin: number, ms: number): MeasuredRow {
  return {
    op,
    shape: { inH: 1, inW: 1, cin, cout: 10, kernel: 1, stride: 1, groups: 1 },
    wbits: 32,
    abits: 32,
    latency: { meanMs: ms, stdMs: 0, count: 1 },
  };
}

Deno.test("fitAnalytic() recovers a fixed cost and a rate from exact rows", () => {
  // cycles = 1000 + ops / 2 at 1 GHz; dense ops = cin * 10
  const rows = [100, 1000, 10000].map((c) => row("dense", c, (1000 + (c * 10) / 2) / 1e6));
  const fit = fitAnalytic(rows, 1e9);
  assert.ok(Math.abs(fit.fixedCycles - 1000) < 1e-6);
  assert.ok(Math.abs(fit.rates.dense - 2) < 1e-9);
  assert.ok(fit.rates.conv2d > 0); // ops without rows get the mean cost
  assert.throws(() => fitAnalytic([], 1e9), RangeError);
});

Deno.test("buildLocalProfile() fills provenance, float-only add/pool and analytic low bits", () => {
  const rows = [row("dense", 100, 0.01), row("dense", 1000, 0.05)];
  const p = buildLocalProfile(rows, { ...INFO, name: "local-wasm" });
  assert.equal(p.name, "local-wasm");
  assert.equal(p.provenance.device, INFO.device);
  assert.equal(p.provenance.runtime.name, "tfjs-backend-wasm");
  assert.match(p.provenance.method, /^Minimum of 2 timed calls/);
  assert.deepEqual(p.supported.add, [[32, 32]]);
  assert.ok(p.supported.conv2d.some(([w, a]) => w === 8 && a === 8));
  assert.match(p.provenance.notes["analytic.macsPerCycle.conv2d"]!, /^D /);
  assert.match(p.provenance.notes["measured"]!, /^M local/);
});

Deno.test("calibrateOverhead() finds the per-layer overhead the rows miss", () => {
  const p = buildLocalProfile(
    profileUnits(residualGraph, [1]).map((u) => ({ ...row(u.op, 1, 0.01), shape: u.shape })),
    INFO,
  );
  const cal = calibrateOverhead(p, [residualGraph], [5 * 0.01 + 5 * 0.002]);
  assert.ok(Math.abs(cal.overheadMs - 0.002) < 1e-9, String(cal.overheadMs));
  assert.equal(cal.perElementMs, 0);
  const [adjusted] = addOverhead(p.measured, cal);
  assert.ok(Math.abs(adjusted!.latency.meanMs - 0.012) < 1e-9);
});

Deno.test("a real measurement of a tiny model with 2 reps gives a valid profile", async () => {
  await initBackend();
  const units = profileUnits(residualGraph, [0.5, 1]);
  const s = measureSession(units, [residualGraph], { reps: 2, warmup: 1, burst: 1 });
  assert.equal(s.units[0]!.unit.length, 2);
  assert.equal(s.networks[0]!.length, 2);
  const rows = units.map((u, i) => rowFromSamples(u, s.units[i]!));
  const p = buildLocalProfile(rows, INFO);
  assert.equal(p.measured.length, 12);
  assert.ok(p.measured.every((r) => r.latency.meanMs > 0));
  assert.deepEqual(parseProfile(JSON.parse(JSON.stringify(p))), p);
});
