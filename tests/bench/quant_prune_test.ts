import assert from "node:assert/strict";
import { runPruneHalf } from "../../bench/quant_prune.ts";
import { runPruneDataFree } from "../../bench/quant_prune_datafree.ts";
import { initBackend, tf } from "../../engine/backend.ts";
import { syntheticDataset } from "../../engine/data/synthetic.ts";
import { execSettingsFromLayersModel } from "../../engine/exec/settings.ts";
import { disposeWeights, weightsFromLayersModel } from "../../engine/exec/weights.ts";
import { graphFromLayersModel } from "../../engine/models/from_layers.ts";
import { buildZooModel } from "../../engine/models/zoo.ts";

await initBackend();

const model = buildZooModel("mobilenet-tiny", { seed: 1 });
const graph = graphFromLayersModel(model);
const settings = execSettingsFromLayersModel(model);
const weights = weightsFromLayersModel(model, graph);
model.dispose();
const ctx = {
  graph,
  weights,
  settings,
  train: syntheticDataset({ n: 1024, seed: 2 }),
  test: syntheticDataset({ n: 64, seed: 3 }),
  log: () => {},
};

Deno.test("runPruneHalf(): stages and a soft phase share one epoch and end at half the MACs", async () => {
  const n = tf.memory().numTensors;
  const r = await runPruneHalf(ctx, { criterion: "l1", stages: 2, soft: 0.5, batchSize: 32 });
  assert.equal(tf.memory().numTensors, n);
  const e = r.extra as Record<string, unknown> & { perStage: Record<string, unknown>[] };
  assert.ok(Number(e.macsRatio) <= 0.5 && Number(e.macsRatio) > 0.45, `${e.macsRatio}`);
  assert.equal(e.perStage.length, 2);
  assert.ok(Number(e.perStage[0]!.macsRatio) <= 0.75, `${e.perStage[0]!.macsRatio}`);
  // 4 slices of 256 images, 8 steps of 32 each: every training image seen exactly once.
  assert.equal(e.finetuneExamples, 1024);
  for (const stage of e.perStage) {
    assert.equal(stage.softExamples, 256);
    assert.equal(stage.finetuneExamples, 512);
  }
  assert.ok(r.accuracy >= 0 && r.accuracy <= 1);
});

Deno.test("runPruneHalf(): soft 1 fades during the whole epoch, then cuts", async () => {
  const r = await runPruneHalf(ctx, {
    criterion: "l1",
    soft: 1,
    fade: 0.5,
    batchSize: 32,
    distill: false,
  });
  const e = r.extra;
  assert.ok(Number(e.macsRatio) <= 0.5, `${e.macsRatio}`);
  assert.equal(e.softExamples, 1024);
  assert.equal(e.finetuneExamples, 1024);
  assert.equal(e.fadeSteps, 16);
  // Nothing is trained after the cut: the final accuracy is the recalibrated one.
  assert.equal(100 * r.accuracy, e.accuracyAfterRecalibration);
});

Deno.test("runPruneHalf(): feature distillation at every activation, recorded, no leak", async () => {
  const n = tf.memory().numTensors;
  const r = await runPruneHalf(ctx, { criterion: "l1", featureDistill: 2, batchSize: 64 });
  assert.equal(tf.memory().numTensors, n);
  assert.equal(r.extra.featureDistill, 2);
  const activations = graph.nodes.filter((n) => n.op === "activation").map((n) => n.name);
  assert.equal(activations.length, 11);
  assert.deepEqual(r.extra.featureLayers, activations);
  const one = await runPruneHalf(ctx, {
    featureDistill: 1,
    featureLayers: ["block5_pw_relu"],
    batchSize: 64,
  });
  assert.deepEqual(one.extra.featureLayers, ["block5_pw_relu"]);
  const off = await runPruneHalf(ctx, { featureDistill: 0, batchSize: 64 });
  assert.equal(off.extra.featureDistill, undefined);
});

Deno.test("runPruneHalf(): dropout as trained by default, off on request", async () => {
  const on = await runPruneHalf(ctx, { criterion: "l1", batchSize: 64, distill: false });
  const off = await runPruneHalf(ctx, {
    criterion: "l1",
    batchSize: 64,
    distill: false,
    dropout: false,
  });
  assert.equal(on.extra.dropout, true);
  assert.equal(off.extra.dropout, false);
  // Same seed and data: only the dropout masks (rate 0.2 before the logits) differ.
  assert.ok(Number.isFinite(on.extra.finetuneLoss) && Number.isFinite(off.extra.finetuneLoss));
  assert.notEqual(on.extra.finetuneLoss, off.extra.finetuneLoss);
});

Deno.test("runPruneHalf(): compensate is recorded, leaks nothing and leaves the float weights", async () => {
  const n = tf.memory().numTensors;
  const before = weights.block5_pw_bn!.movingMean!.dataSync().slice();
  const opts = { criterion: "l1", batchSize: 64, distill: false, epochs: 0 } as const;
  const plain = await runPruneHalf(ctx, opts);
  const compensated = await runPruneHalf(ctx, { ...opts, compensate: true });
  assert.equal(tf.memory().numTensors, n);
  assert.deepEqual(weights.block5_pw_bn!.movingMean!.dataSync(), before);
  assert.equal(plain.extra.compensated, false);
  assert.equal(compensated.extra.compensated, true);
});

Deno.test("runPruneHalf() rejects bad stages, soft shares and feature-distillation settings", async () => {
  await assert.rejects(() => runPruneHalf(ctx, { stages: 0 }), /0 stages/);
  await assert.rejects(() => runPruneHalf(ctx, { soft: 1.5 }), /share 1.5/);
  await assert.rejects(
    () => runPruneHalf(ctx, { featureDistill: 1, stages: 2 }),
    /stages > 1/,
  );
  await assert.rejects(
    () => runPruneHalf(ctx, { featureDistill: 1, distill: false }),
    /without distillation/,
  );
  await assert.rejects(
    () => runPruneHalf(ctx, { featureDistill: 1, featureLayers: ["nope"], batchSize: 64 }),
    /layer "nope": no such layer/,
  );
});

globalThis.addEventListener("unload", () => disposeWeights(weights));

Deno.test("runPruneDataFree(): cuts every group to 7/8, compensates without data, no leak", () => {
  const n = tf.memory().numTensors;
  const r = runPruneDataFree(ctx);
  assert.equal(tf.memory().numTensors, n);
  const e = r.extra;
  assert.equal(e.keep, 0.875);
  assert.ok(Number(e.macsRatio) < 0.9 && Number(e.macsRatio) > 0.6, `${e.macsRatio}`);
  assert.deepEqual(e.layersNotCompensated, []);
  const both = e.accuracyCompensatedRecalibrated;
  for (const a of [100 * r.accuracy, e.accuracyUncompensated, e.accuracyRecalibrated, both]) {
    assert.ok(Number(a) >= 0 && Number(a) <= 100, `${a}`);
  }
});
