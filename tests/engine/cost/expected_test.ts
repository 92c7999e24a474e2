import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { expectedCost } from "../../../engine/cost/expected.ts";
import { loadProfile } from "../../../engine/profile/load.ts";
import { graphFromLayersModel } from "../../../engine/models/from_layers.ts";
import { buildZooModel } from "../../../engine/models/zoo.ts";
import { networkCost } from "../../../engine/cost/network.ts";
import { crossOptions } from "../../../engine/cost/options.ts";
import { buildCostTable, COST_KINDS, tableCost } from "../../../engine/cost/table.ts";
import { depthwiseGraph, oneConvGraph, residualGraph } from "../../fixtures/graphs.ts";
import { tinyProfile } from "./_profile.ts";

await initBackend();

const close = (x: number, y: number, rel = 1e-5) =>
  assert.ok(Math.abs(x - y) <= rel * Math.max(1, Math.abs(y)), `${x} != ${y}`);

/** Every joint choice of a table (small tables only). */
function* joint(sizes: readonly number[]): Generator<number[]> {
  const idx = sizes.map(() => 0);
  for (;;) {
    yield [...idx];
    let i = 0;
    while (i < sizes.length && ++idx[i]! === sizes[i]) idx[i++] = 0;
    if (i === sizes.length) return;
  }
}

Deno.test("expectedCost() of one layer is the dot product of p with its option costs", () => {
  const table = buildCostTable(
    oneConvGraph,
    tinyProfile(),
    crossOptions(oneConvGraph, tinyProfile(), {
      wbits: [8, 4],
      abits: [8, 4],
    }),
  );
  // supported: w8a8, w4a8, w4a4 at width 1 (the output layer is pinned)
  assert.deepEqual(table.options[0], [
    { wbits: 8, abits: 8, width: 1 },
    { wbits: 4, abits: 8, width: 1 },
    { wbits: 4, abits: 4, width: 1 },
  ]);
  const p = [0.2, 0.3, 0.5];
  const got = tf.tidy(() => expectedCost(table, [tf.tensor1d(p)], "latency").dataSync()[0]!);
  const hand = 0.2 * 6.922 + 0.3 * 3.466 + 0.5 * ((10 + 1728) / 1000);
  close(got, hand);
});

Deno.test("tableCost() equals networkCost() for every joint choice", () => {
  const profile = tinyProfile();
  for (const graph of [residualGraph, depthwiseGraph]) {
    const table = buildCostTable(
      graph,
      profile,
      crossOptions(graph, profile, {
        wbits: [8, 4],
        abits: [8],
        widths: [0.5, 1],
      }),
    );
    for (const choice of joint(table.options.map((o) => o.length))) {
      const layers = Object.fromEntries(
        table.layers.map((n, c) => [n, table.options[c]![choice[c]!]!]),
      );
      let cost;
      try {
        cost = networkCost(graph, profile, { layers });
      } catch {
        continue; // mismatched widths at an add: not a valid configuration
      }
      close(tableCost(table, choice, "latency"), cost.totals.latencyMs, 1e-12);
      close(tableCost(table, choice, "energy"), cost.totals.energyMj!, 1e-12);
      assert.equal(tableCost(table, choice, "flash"), cost.totals.flashBytes);
      assert.equal(tableCost(table, choice, "bops"), cost.totals.bops);
    }
  }
});

Deno.test("expectedCost() is the exact expectation when a layer's input width is random", () => {
  const profile = tinyProfile();
  const table = buildCostTable(
    depthwiseGraph,
    profile,
    crossOptions(depthwiseGraph, profile, {
      wbits: [8, 4],
      abits: [8],
      widths: [0.25, 0.5, 1],
    }),
  );
  const probs = table.options.map((o, c) =>
    Array.from({ length: o.length }, (_, i) => (i + 1 + c) / 1)
  ).map((v) => v.map((x) => x / v.reduce((a, b) => a + b, 0)));
  for (const kind of COST_KINDS) {
    let hand = 0;
    for (const choice of joint(table.options.map((o) => o.length))) {
      const pr = choice.reduce((acc, i, c) => acc * probs[c]![i]!, 1);
      hand += pr * tableCost(table, choice, kind);
    }
    const got = tf.tidy(() =>
      expectedCost(table, probs.map((p) => tf.tensor1d(p)), kind).dataSync()[0]!
    );
    close(got, hand, 1e-5);
  }
});

Deno.test("expectedCost() passes non-zero gradients to the logits", () => {
  const profile = tinyProfile();
  const table = buildCostTable(
    residualGraph,
    profile,
    crossOptions(residualGraph, profile, {
      wbits: [8, 4],
      abits: [8],
      widths: [0.5, 1],
    }),
  );
  const before = tf.memory().numTensors;
  const logits = tf.tidy(() => table.options.map((o) => tf.variable(tf.zeros([o.length]))));
  const { value, grads } = tf.variableGrads(() =>
    expectedCost(table, logits.map((l) => tf.softmax(l)), "latency")
  );
  for (const l of logits.slice(0, 2)) {
    const g = grads[l.name]!.dataSync();
    assert.ok(g.some((x) => Math.abs(x) > 1e-6), `zero gradient for ${l.name}`);
  }
  value.dispose();
  Object.values(grads).forEach((g) => g.dispose());
  logits.forEach((l) => l.dispose());
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("expectedCost() rejects probability vectors of the wrong size", () => {
  const table = buildCostTable(oneConvGraph, tinyProfile(), { layers: {} });
  assert.throws(() => expectedCost(table, [tf.tensor1d([0.5, 0.5])], "latency"), RangeError);
});

Deno.test("expectedCost() handles a producer with a single width (no one-hot of depth 1)", async () => {
  await initBackend();
  const model = buildZooModel("cnn-s", { seed: 1 });
  const graph = graphFromLayersModel(model);
  model.dispose();
  const profile = await loadProfile("cortex-m7-stm32h743");
  const one = { wbits: 8, abits: 8, width: 1 };
  const layers = Object.fromEntries(
    graph.nodes.filter((n) => n.op === "conv2d" || n.op === "dense").map((n) => [n.name, [one, {
      ...one,
      wbits: 4,
    }]]),
  );
  const table = buildCostTable(graph, profile, { layers });
  const probs = table.layers.map(() => tf.tensor1d([0.5, 0.5]));
  const e = expectedCost(table, probs, "flash");
  const got = e.dataSync()[0]!;
  tf.dispose([e, ...probs]);
  assert.ok(Number.isFinite(got) && got > 0, `expected flash ${got}`);
});
