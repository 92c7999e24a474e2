import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { forward } from "../../../engine/exec/forward.ts";
import { disposeWeights, weightsFromLayersModel } from "../../../engine/exec/weights.ts";
import { graphFromLayersModel } from "../../../engine/models/from_layers.ts";
import { buildZooModel, type ZooName } from "../../../engine/models/zoo.ts";
import { channelMacs, globalMasks } from "../../../engine/prune/allocate.ts";
import { dependencyGroups } from "../../../engine/prune/channels.ts";
import { maskHooks } from "../../../engine/prune/masks.ts";
import { pruneToRatio } from "../../../engine/prune/prune_to_ratio.ts";
import { graphMacs, prunedGraph as pruned, surgery } from "../../../engine/prune/surgery.ts";

await initBackend();

const x = tf.randomUniform([4, 28, 28, 1], 0, 1, "float32", 7) as tf.Tensor4D;
const y = tf.oneHot(tf.tensor1d([0, 3, 5, 9], "int32"), 10) as tf.Tensor2D;
const data = [{ x, y }];

for (const name of ["resnet8", "mobilenet-tiny"] as ZooName[]) {
  for (const allocation of ["uniform", "global", "global-macs", "sensitivity"] as const) {
    // Sensitivity allocation ranks within groups by any criterion alike: l1 suffices.
    for (const criterion of allocation === "sensitivity" ? ["l1"] : ["l1", "l1-bn", "taylor"]) {
      Deno.test(`half-MACs plan on ${name} (${criterion}, ${allocation}) is <= 50% MACs with valid shapes`, () => {
        const model = buildZooModel(name, { seed: 1 });
        const graph = graphFromLayersModel(model);
        const weights = weightsFromLayersModel(model, graph);
        model.dispose();
        const r = pruneToRatio(graph, weights, { criterion, macsRatio: 0.5, allocation, data });
        assert.ok(r.macs.after <= 0.5 * r.macs.before, `${r.macs.after / r.macs.before}`);
        assert.ok(r.macs.after > 0.45 * r.macs.before, `overshoot ${r.macs.after / r.macs.before}`);
        for (const g of dependencyGroups(graph).filter((g) => g.prunable)) {
          const kept = r.masks[g.id]!.reduce((a, b) => a + b, 0);
          assert.equal(kept, r.widths[g.id], g.id);
          assert.ok(kept >= 1 && kept <= g.channels, g.id);
        }
        const small = surgery(graph, weights, r.masks);
        assert.equal(graphMacs(small.graph), r.macs.after);
        for (const node of small.graph.nodes) {
          const w = small.weights[node.name]?.kernel;
          if (w !== undefined) {
            assert.equal(
              w.shape.at(-1),
              node.op === "depthwise" ? 1 : node.outShape.at(-1),
              node.name,
            );
          }
        }
        const a = forward(small.graph, small.weights, x);
        const b = forward(graph, weights, x, { hooks: maskHooks(graph, r.masks) });
        assert.deepEqual(a.shape, [4, 10]);
        const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
        assert.ok(diff < 1e-4, `surgery vs masks ${diff}`);
        tf.dispose([a, b]);
        disposeWeights(small.weights);
        disposeWeights(weights);
      });
    }
  }
}

Deno.test("globalMasks() removes the lowest normalised scores first and respects minKeep", () => {
  const model = buildZooModel("resnet8", { seed: 1 });
  const graph = graphFromLayersModel(model);
  model.dispose();
  const groups = dependencyGroups(graph).filter((g) => g.prunable);
  // Group block3_conv1 scores are tiny but uniform: normalised they equal every other group's.
  const scores = Object.fromEntries(groups.map((g) => {
    const s = Float32Array.from({ length: g.channels }, (_, c) => 1 + c / g.channels);
    return [g.id, g.id === "block3_conv1" ? s.map((v) => v * 1e-6) : s];
  }));
  const before = graphMacs(graph);
  const masks = globalMasks(graph, groups, scores, 0.5 * before, 0.5);
  for (const g of groups) {
    const m = masks[g.id]!;
    const kept = m.reduce((a, b) => a + b, 0);
    assert.ok(kept >= Math.ceil(g.channels / 2), `${g.id} keeps ${kept}`);
    // Within a group the removed channels are the lowest-scored (the first ones here).
    const firstKept = m.indexOf(1);
    assert.ok(m.slice(firstKept).every((v) => v === 1), `${g.id} mask ${m}`);
  }
  assert.ok(
    masks.block3_conv1!.reduce((a, b) => a + b, 0) < 64,
    "scale-free: tiny scores are not all pruned first",
  );
  assert.throws(() => globalMasks(graph, groups, scores, before / 2, 0), /fraction 0/);
});

globalThis.addEventListener("unload", () => tf.dispose([x, y]));

Deno.test("channelMacs() is the MACs one channel of a group costs, and global-macs cuts costly channels first", () => {
  const model = buildZooModel("mobilenet-tiny", { seed: 1 });
  const graph = graphFromLayersModel(model);
  model.dispose();
  const groups = dependencyGroups(graph).filter((g) => g.prunable);
  const cost = channelMacs(graph, groups);
  for (const g of groups) {
    const one = Object.fromEntries(groups.map((h) => [h.id, new Float32Array(h.channels).fill(1)]));
    one[g.id]![g.channels - 1] = 0;
    assert.equal(cost.get(g.id), graphMacs(graph) - graphMacs(pruned(graph, one)), g.id);
    assert.ok(cost.get(g.id)! > 0, g.id);
  }
  // Equal scores everywhere: plain global ranking cannot tell groups apart, global-macs
  // takes the channels of the costliest group first.
  const scores = Object.fromEntries(
    groups.map((g) => [g.id, new Float32Array(g.channels).fill(1)]),
  );
  const costliest = [...cost].sort((a, b) => b[1] - a[1])[0]![0];
  const before = graphMacs(graph);
  const first = globalMasks(graph, groups, scores, before - 1, 0.25, true);
  const removed = groups.filter((g) => first[g.id]!.includes(0)).map((g) => g.id);
  assert.deepEqual(removed, [costliest]);
});

Deno.test("globalMasks() refuses a MACs target its minKeep floor cannot reach", () => {
  const model = buildZooModel("mobilenet-tiny", { seed: 1 });
  const graph = graphFromLayersModel(model);
  model.dispose();
  const groups = dependencyGroups(graph).filter((g) => g.prunable);
  const scores = Object.fromEntries(
    groups.map((g) => [g.id, new Float32Array(g.channels).fill(1)]),
  );
  assert.throws(
    () => globalMasks(graph, groups, scores, 0.5 * graphMacs(graph), 0.8),
    /Cannot prune to .* MACs while keeping 0.8 of every group: .*lower minKeep/,
  );
});

Deno.test("uniform allocation spends the MACs its rounding leaves, one channel per group at most", () => {
  const model = buildZooModel("mobilenet-tiny", { seed: 1 });
  const graph = graphFromLayersModel(model);
  const weights = weightsFromLayersModel(model, graph);
  model.dispose();
  const groups = dependencyGroups(graph).filter((g) => g.prunable);
  const r = pruneToRatio(graph, weights, {
    criterion: "l1",
    macsRatio: 0.5,
    allocation: "uniform",
  });
  // Plain rounding of one keep-fraction (0.68) gives 11/22/43/43/87/87: 49.2% of the MACs.
  assert.deepEqual(r.widths, {
    conv1: 11,
    block1_pw: 22,
    block2_pw: 44,
    block3_pw: 43,
    block4_pw: 88,
    block5_pw: 88,
  });
  assert.ok(r.macs.after <= 0.5 * r.macs.before && r.macs.after > 0.499 * r.macs.before);
  // The group left at its rounded share could not take its channel within the budget.
  const wider: Record<string, number> = { ...r.widths, block3_pw: 44 };
  const widerMasks = Object.fromEntries(groups.map((g) => [
    g.id,
    Float32Array.from({ length: g.channels }, (_, c) => c < wider[g.id]! ? 1 : 0),
  ]));
  assert.ok(graphMacs(pruned(graph, widerMasks)) > 0.5 * r.macs.before);
  disposeWeights(weights);
});
