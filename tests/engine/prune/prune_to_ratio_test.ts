import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { disposeWeights, weightsFromLayersModel } from "../../../engine/exec/weights.ts";
import { graphFromLayersModel } from "../../../engine/models/from_layers.ts";
import { buildZooModel } from "../../../engine/models/zoo.ts";
import { pruneToRatio } from "../../../engine/prune/prune_to_ratio.ts";
import { graphMacs, surgery } from "../../../engine/prune/surgery.ts";

await initBackend();

const model = buildZooModel("resnet8", { seed: 2 });
const graph = graphFromLayersModel(model);
const weights = weightsFromLayersModel(model, graph);

Deno.test("pruneToRatio() with l1 halves resnet8's MACs and keeps the highest-L1 channels", () => {
  const r = pruneToRatio(graph, weights, { criterion: "l1", macsRatio: 0.5 });
  assert.ok(r.macs.after <= 0.5 * r.macs.before, `${r.macs.after} / ${r.macs.before}`);
  assert.ok(r.macs.after > 0.4 * r.macs.before, "far below the target");
  const scores = r.scores.conv1!, mask = r.masks.conv1!;
  const keptMin = Math.min(...scores.filter((_, i) => mask[i] === 1));
  const prunedMax = Math.max(...scores.filter((_, i) => mask[i] === 0));
  assert.ok(keptMin >= prunedMax);
  const small = surgery(graph, weights, r.masks);
  assert.equal(graphMacs(small.graph), r.macs.after);
  disposeWeights(small.weights);
});

Deno.test("pruneToRatio() keeps listed groups whole and prunes the others harder", () => {
  const plain = pruneToRatio(graph, weights, { criterion: "l1", macsRatio: 0.5 });
  const r = pruneToRatio(graph, weights, { criterion: "l1", macsRatio: 0.5, keepWhole: ["conv1"] });
  assert.equal(r.widths.conv1, 16);
  assert.ok(plain.widths.conv1! < 16, "the plain run already keeps conv1 whole: vacuous");
  assert.ok(r.macs.after <= 0.5 * r.macs.before);
  const others = Object.keys(r.widths).filter((id) => id !== "conv1");
  assert.ok(others.every((id) => r.widths[id]! <= plain.widths[id]!));
  assert.ok(others.some((id) => r.widths[id]! < plain.widths[id]!));
  assert.throws(
    () => pruneToRatio(graph, weights, { criterion: "l1", macsRatio: 0.5, keepWhole: ["nope"] }),
    /"nope"/,
  );
  assert.throws(
    () => pruneToRatio(graph, weights, { criterion: "l1", macsRatio: 0.02, keepWhole: ["conv1"] }),
    /whole/,
  );
  assert.throws(
    () =>
      pruneToRatio(graph, weights, {
        criterion: "l1",
        macsRatio: 0.5,
        allocation: "global",
        keepWhole: ["conv1"],
      }),
    /minKeep/,
  );
});

Deno.test("pruneToRatio() keeps the given widths per group", () => {
  const r = pruneToRatio(graph, weights, { criterion: "bn-gamma", widths: { conv1: 4 } });
  assert.equal(r.masks.conv1!.reduce((a, b) => a + b, 0), 4);
  assert.equal(r.widths.block2_conv1, 32);
});

Deno.test("pruneToRatio() refuses a data criterion without data and bad targets", () => {
  assert.throws(
    () => pruneToRatio(graph, weights, { criterion: "integrated-gradients", macsRatio: 0.5 }),
    /needs data/,
  );
  assert.throws(() => pruneToRatio(graph, weights, { criterion: "l1", macsRatio: 0 }), /ratio 0/);
  assert.throws(() => pruneToRatio(graph, weights, { criterion: "l1" }), TypeError);
  assert.throws(
    () => pruneToRatio(graph, weights, { criterion: "l1", widths: { logits: 5 } }),
    /"logits"/,
  );
});

globalThis.addEventListener("unload", () => {
  disposeWeights(weights);
  tf.disposeVariables();
});
