import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import {
  fenceStampedCalls,
  overheadSamples,
  unitSamples,
} from "../../../engine/profile/in_network.ts";
import { measureNetworks, stampCost } from "../../../engine/profile/measure_networks.ts";
import { graphAtWidth, profileUnits } from "../../../engine/profile/profiler.ts";
import { residualGraph } from "../../fixtures/graphs.ts";

await initBackend();

// residualGraph nodes: input, a, bn, relu, b, add, gap, fc.
const NODE_MS = [0.5, 10, 1, 2, 20, 3, 4, 5];

Deno.test("unitSamples() sums a layer's own nodes per call, per network it occurs in", () => {
  const units = profileUnits(residualGraph, [0.5, 1]);
  const calls = (scale: number) => ({
    totals: [100],
    nodes: NODE_MS.map((ms) => [ms * scale, 2 * ms * scale]), // two stamped calls
    tail: [7, 9],
  });
  const half = graphAtWidth(residualGraph, 0.5);
  const graphs = [residualGraph, half, residualGraph];
  const occ = unitSamples(units, graphs, [calls(1), calls(0.1), calls(2)]);
  const at = (op: string, cin: number, cout: number, k = 1) =>
    occ[
      units.findIndex((u) =>
        u.op === op && u.shape.cin === cin && u.shape.cout === cout && u.shape.kernel === k
      )
    ]!.map((o) => ({ network: o.network, samples: o.samples.map((x) => +x.toFixed(9)) }));
  assert.deepEqual(at("conv2d", 2, 4), [ // a + bn + relu at width 1, in networks 0 and 2
    { network: 0, samples: [13, 26] },
    { network: 2, samples: [26, 52] },
  ]);
  assert.deepEqual(at("conv2d", 2, 2), [{ network: 1, samples: [1.3, 2.6] }]); // width 0.5
  assert.deepEqual(at("conv2d", 4, 4, 3)[0], { network: 0, samples: [20, 40] });
  assert.deepEqual(at("conv2d", 2, 4, 3), []); // b at 2 -> 4 channels is in no network
  assert.deepEqual(at("dense", 4, 10)[0], { network: 0, samples: [5, 10] });
});

Deno.test("overheadSamples() is the input node plus the tail, per stamped call", () => {
  const units = profileUnits(residualGraph, [1]);
  const samples = { totals: [], nodes: NODE_MS.map((ms) => [ms, ms]), tail: [7, 9] };
  assert.deepEqual(overheadSamples(units, residualGraph, samples), [7.5, 9.5]);
  const wrong = { ...samples, nodes: samples.nodes.slice(1) };
  assert.throws(() => overheadSamples(units, residualGraph, wrong), RangeError);
  assert.throws(() => unitSamples(units, [residualGraph], [wrong]), RangeError);
  assert.throws(() => unitSamples(units, [residualGraph], []), RangeError);
});

Deno.test("fenceStampedCalls() drops whole calls, so the kept layers' means add up to the calls' mean", () => {
  // Three nodes, eight stamped calls; call 5 is preempted inside node 1 (+0.5 ms) and call 7
  // inside node 2 (+0.06 ms: an outlier for node 2 alone, not for the whole call).
  const base = [[0.1, 0.2, 0.05], [0.11, 0.19, 0.05], [0.1, 0.21, 0.05], [0.09, 0.2, 0.05]];
  const calls = [...base, ...base].map((c) => [...c]);
  calls[5]![1]! += 0.5;
  calls[7]![2]! += 0.06;
  const samples = {
    totals: [1, 2],
    nodes: [0, 1, 2].map((n) => calls.map((c) => c[n]!)),
    tail: calls.map(() => 0.01),
  };
  const kept = fenceStampedCalls(samples, 3);
  assert.equal(kept.tail.length, 7); // call 5 only
  assert.ok(kept.nodes.every((n) => n.length === 7));
  assert.deepEqual(kept.totals, [1, 2]); // plain calls untouched
  assert.ok(kept.nodes[2]!.some((x) => Math.abs(x - 0.11) < 1e-12)); // call 7 stays whole
  const mean = (x: readonly number[]) => x.reduce((a, b) => a + b, 0) / x.length;
  const callTotals = kept.tail.map((t, c) => kept.nodes.reduce((a, n) => a + n[c]!, t));
  const sumOfMeans = kept.nodes.reduce((a, n) => a + mean(n), mean(kept.tail));
  assert.ok(Math.abs(sumOfMeans - mean(callTotals)) < 1e-12);
  assert.throws(() => fenceStampedCalls(samples, -1), RangeError);
});

Deno.test("measureNetworks() stamps every node and subtracts the stamp's cost", () => {
  let t = 0;
  const now = () => t++; // every clock read takes 1 ms: a stamp costs (about) 1 ms
  const s = measureNetworks([residualGraph], { reps: 3, warmup: 1, burst: 2, now });
  const [n] = s.networks;
  assert.ok(Math.abs(s.stampCostMs - 1) < 1e-3, String(s.stampCostMs));
  assert.equal(n!.nodes.length, residualGraph.nodes.length);
  for (const series of n!.nodes) {
    assert.equal(series.length, 6); // 3 rounds x 2 stamped calls
    for (const x of series) assert.ok(Math.abs(x) < 1e-3, String(x)); // 1 tick - stamp cost
  }
  assert.deepEqual(n!.tail, [1, 1, 1, 1, 1, 1]);
  assert.deepEqual(n!.totals, [1, 1, 1, 1, 1, 1]);
  assert.ok(stampCost(() => {}, () => t++) > 0);
});

Deno.test("measureNetworks() on the real clock leaves no tensors behind", () => {
  const before = tf.memory().numTensors;
  const s = measureNetworks([residualGraph, graphAtWidth(residualGraph, 0.5)], {
    reps: 2,
    warmup: 1,
  });
  assert.equal(tf.memory().numTensors, before);
  assert.equal(s.networks[1]!.totals.length, 4);
  assert.ok(s.networks.every((n) => n.tail.every((x) => x >= 0)));
  assert.throws(() => measureNetworks([residualGraph], { reps: 0 }), RangeError);
});
