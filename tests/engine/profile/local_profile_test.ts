import assert from "node:assert/strict";
import { initBackend } from "../../../engine/backend.ts";
import { rowOps } from "../../../engine/cost/latency.ts";
import { graphFromLayersModel } from "../../../engine/models/from_layers.ts";
import { buildZooModel } from "../../../engine/models/zoo.ts";
import { fitAnalytic } from "../../../engine/profile/analytic_fit.ts";
import {
  addOverhead,
  calibrateOverhead,
  floatLatencyMs,
  predictionErrors,
} from "../../../engine/profile/calibrate.ts";
import {
  buildLocalProfile,
  type LocalRunInfo,
  rowFromSamples,
} from "../../../engine/profile/local_profile.ts";
import { runLocalProfile, runLocalProfileAlongside } from "../../../engine/profile/local_run.ts";
import { DEFAULT_NETWORK_BURST } from "../../../engine/profile/measure_networks.ts";
import { graphAtWidth, profileUnits } from "../../../engine/profile/profiler.ts";
import type { MeasuredRow } from "../../../engine/profile/types.ts";
import { parseProfile } from "../../../engine/profile/validate.ts";
import { profilingNetworks } from "../../../engine/profile/width_configs.ts";
import { depthwiseGraph, residualGraph } from "../../fixtures/graphs.ts";

await initBackend();

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

function row(op: MeasuredRow["op"], cin: number, ms: number): MeasuredRow {
  return {
    op,
    shape: { inH: 1, inW: 1, cin, cout: 10, kernel: 1, stride: 1, groups: 1 },
    wbits: 32,
    abits: 32,
    latency: { meanMs: ms, stdMs: 0, count: 1 },
  };
}

Deno.test("rowFromSamples() stores the median, the mean and std, and the count", () => {
  const [unit] = profileUnits(residualGraph, [1]);
  // Outliers are dropped by whole call before (fenceStampedCalls()): a slow sample left in is
  // part of the mean, as it is part of its call's time.
  const samples = [0.3, 0.31, 0.29, 0.3, 0.3, 0.32, 0.28, 0.9];
  const r = rowFromSamples(unit!, [{ samples }]);
  assert.deepEqual(r.shape, unit!.shape);
  assert.equal(r.latency.medianMs, 0.3);
  assert.equal(r.latency.meanMs, 0.375);
  assert.ok(r.latency.stdMs > 0.19 && r.latency.stdMs < 0.2);
  assert.equal(r.latency.count, 8);
  assert.deepEqual([r.wbits, r.abits], [32, 32]);
  assert.throws(() => rowFromSamples(unit!, []), RangeError);
});

Deno.test("rowFromSamples() weighs each occurrence's mean by its network's 1 / latency^2", () => {
  const [unit] = profileUnits(residualGraph, [1]);
  const small = { samples: [0.01, 0.01, 0.01], weight: 1 / 0.1 ** 2 }; // in a 0.1 ms network
  const large = { samples: [0.02, 0.02, 0.02, 0.02], weight: 1 / 1 ** 2 }; // in a 1 ms one
  const r = rowFromSamples(unit!, [small, large]);
  assert.equal(r.latency.meanMs, Number(((100 * 0.01 + 0.02) / 101).toPrecision(4)));
  assert.equal(r.latency.medianMs, 0.02); // over all 7 samples
  assert.equal(r.latency.count, 7);
  assert.throws(() => rowFromSamples(unit!, [{ ...small, weight: 0 }]), RangeError);
});

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
  assert.match(p.provenance.method, /^Per row, from samples of the layer timed inside whole/);
  assert.match(p.provenance.method, /mean inside Tukey's outer fences/);
  assert.deepEqual(p.supported.add, [[32, 32]]);
  assert.ok(p.supported.conv2d.some(([w, a]) => w === 8 && a === 8));
  assert.match(p.provenance.notes["analytic.macsPerCycle.conv2d"]!, /^D /);
  assert.match(p.provenance.notes["measured"]!, /^M local/);
});

Deno.test("calibrateOverhead() fitted on mixed-width networks predicts the uniform ones", () => {
  const model = buildZooModel("cnn-s");
  const graph = { ...graphFromLayersModel(model), name: "cnn-s" };
  model.dispose();
  const widths = [0.5, 0.75, 1];
  // Rows: 2 us + 0.01 ns per MAC. True per-call overhead: 1.5 us per layer + 0.2 ns per element.
  const rows = profileUnits(graph, widths).map((u) => ({
    op: u.op,
    shape: u.shape,
    wbits: 32,
    abits: 32,
    latency: { meanMs: 0.002 + 1e-8 * rowOps(u.op, u.shape), stdMs: 0, count: 1 },
  }));
  const profile = buildLocalProfile(rows, INFO);
  const overheadOf = (g: typeof graph) => {
    const costed = g.nodes.filter((n) => !["input", "flatten", "dropout"].includes(n.op));
    const elements = costed.reduce((a, n) => a + n.outShape.reduce((x, y) => x * y, 1), 0);
    return 0.0015 * costed.length + 2e-7 * elements;
  };
  const calSet = profilingNetworks(graph, widths).networks.map((n) => n.graph);
  const cal = calibrateOverhead(profile, calSet, calSet.map(overheadOf));
  assert.ok(Math.abs(cal.overheadMs - 0.0015) < 1e-9, String(cal.overheadMs));
  assert.ok(Math.abs(cal.perElementMs - 2e-7) < 1e-12, String(cal.perElementMs));
  assert.ok(cal.rmsRelError < 1e-6);
  // Checked on networks the fit never saw: every group at one width.
  const checked = widths.map((w) => graphAtWidth(graph, w));
  assert.ok(checked.every((g) => !cal.points.some((p) => p.network === g.name)));
  const measured = checked.map((g) => floatLatencyMs(profile, g) + overheadOf(g));
  const calibrated = buildLocalProfile(addOverhead(rows, cal), INFO);
  for (const e of predictionErrors(calibrated, checked, measured)) {
    assert.ok(Math.abs(e) < 1e-3, String(e)); // rows are rounded to 4 digits
  }
  assert.throws(() => calibrateOverhead(profile, calSet, []), RangeError);
});

Deno.test("addOverhead() shifts the mean and the median of every row", () => {
  const [r] = addOverhead([{
    ...row("dense", 100, 0.01),
    latency: { meanMs: 0.01, medianMs: 0.009, stdMs: 0, count: 3 },
  }], { overheadMs: 0.002, perElementMs: 0.0001 }); // 10 output elements
  assert.deepEqual(r!.latency, { meanMs: 0.013, medianMs: 0.012, stdMs: 0, count: 3 });
});

Deno.test("runLocalProfile() measures a tiny model into a valid profile (2 rounds)", () => {
  const lines: string[] = [];
  const p = runLocalProfile([{ name: "dw", graph: depthwiseGraph }], INFO, {
    widths: [0.5, 1],
    reps: 2,
    warmup: 1,
    load: () => 0.5,
    log: (l) => lines.push(l),
  });
  assert.equal(p.measured.length, profileUnits(depthwiseGraph, [0.5, 1]).length);
  // At most 2 rounds x 2 stamped calls per network the shape occurs in.
  assert.ok(p.measured.every((r) => r.latency.medianMs! > 0 && r.latency.count <= 4 * 4 * 2));
  // Calibrated on the two mixed networks only, not on dw@0.5/0.5 or dw@1/1.
  const on = /stamped calls of (.*) \(same session/.exec(p.provenance.notes["measured"]!)?.[1];
  assert.deepEqual(on?.split(", ").sort(), ["dw@0.5/1", "dw@1/0.5"]);
  assert.match(p.provenance.method, /Machine load: 1-min load average 0\.5 before/);
  assert.match(p.provenance.method, /In-session check/);
  assert.ok(lines.some((l) => l.startsWith("per-call overhead")));
  assert.deepEqual(parseProfile(JSON.parse(JSON.stringify(p))), p);
});

Deno.test("runLocalProfileAlongside() times more networks in the same rounds, outside the profile", () => {
  const other = graphAtWidth(residualGraph, 0.5);
  const alone = runLocalProfile([{ name: "dw", graph: depthwiseGraph }], INFO, {
    widths: [0.5, 1],
    reps: 2,
    warmup: 1,
  });
  const run = runLocalProfileAlongside([{ name: "dw", graph: depthwiseGraph }], INFO, [other], {
    widths: [0.5, 1],
    reps: 2,
    warmup: 1,
  });
  // Same shapes as without the extra network: residualGraph's layers give no row.
  assert.deepEqual(run.profile.measured.map((r) => r.shape), alone.measured.map((r) => r.shape));
  const networks = (p: typeof alone) => /\((\d+) networks/.exec(p.provenance.method)?.[1];
  assert.ok(networks(alone) !== undefined);
  assert.equal(networks(run.profile), networks(alone));
  assert.equal(run.alongside.length, 1);
  const [s] = run.alongside;
  assert.equal(s!.totals.length, 2 * DEFAULT_NETWORK_BURST); // 2 rounds x burst plain calls
  assert.equal(s!.nodes.length, other.nodes.length);
  assert.ok(s!.totals.every((ms) => ms > 0));
});

Deno.test("runLocalProfile(): plain-call calibration and longer bursts are options", () => {
  const p = runLocalProfile([{ name: "dw", graph: depthwiseGraph }], INFO, {
    widths: [0.5, 1],
    reps: 2,
    warmup: 1,
    burst: 3,
    calibration: "plain",
  });
  // At most 2 rounds x 3 stamped calls per network the shape occurs in (4 networks, 2 places).
  assert.ok(p.measured.every((r) => r.latency.count >= 1 && r.latency.count <= 6 * 4 * 2));
  assert.match(p.provenance.method, /then 3 pairs of \(stamped, plain\) calls/);
  assert.match(
    p.provenance.notes["measured"]!,
    /fenced mean plain call minus the sum of the rows of dw@/,
  );
  assert.match(p.provenance.method, /what a plain call costs beyond its layers' rows/);
});
