import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { syntheticDataset } from "../../../engine/data/synthetic.ts";
import { forward } from "../../../engine/exec/forward.ts";
import { disposeWeights } from "../../../engine/exec/weights.ts";
import { maskHooks } from "../../../engine/prune/masks.ts";
import { uniformConfig } from "../../../engine/quant/act_targets.ts";
import { quantize } from "../../../engine/quant/ptq.ts";
import { qatFineTune } from "../../../engine/quant/qat.ts";
import { TINY_GRAPH, TINY_SETTINGS, tinyWeights } from "./_tiny_model.ts";

await initBackend();

const data = { height: 8, width: 8, numClasses: 4, noise: 0.5 };
const train = syntheticDataset({ n: 256, seed: 11, ...data });
const common = { train, batchSize: 32, lr: 5e-3, settings: TINY_SETTINGS } as const;

Deno.test("qatFineTune() at W4A4 lowers the training loss and leaks no tensors", async () => {
  const weights = tinyWeights(21);
  const config = uniformConfig(TINY_GRAPH, { wbits: 4, abits: 4 });
  const before = tf.memory().numTensors;
  const r = await qatFineTune(TINY_GRAPH, weights, config, { ...common, epochs: 3 });
  assert.equal(tf.memory().numTensors, before);
  assert.equal(r.steps, 3 * 8);
  assert.ok(r.history[2]!.loss < 0.8 * r.history[0]!.loss, JSON.stringify(r.history));
  assert.deepEqual(Object.keys(r.activations).sort(), ["flatten", "input", "relu1"]);
  for (const p of Object.values(r.activations)) {
    assert.equal(p.bits, 4);
    assert.ok(Number.isFinite(p.scale[0]!) && p.scale[0]! > 0);
  }
  const q = quantize(TINY_GRAPH, weights, config, { activations: r.activations });
  assert.equal(q.calibration, "given");
  assert.deepEqual(q.activationParams.relu1, r.activations.relu1);
  q.dispose();
  disposeWeights(weights);
});

Deno.test("qatFineTune() keeps masked channels at zero and leaves their kernels untouched", async () => {
  const weights = tinyWeights(22);
  const mask = Float32Array.from([1, 0, 1, 1, 0, 1, 1, 1]);
  const masks = maskHooks(TINY_GRAPH, { conv1: mask }).masks!;
  const kernelBefore = weights.conv1!.kernel!.arraySync() as number[][][][];
  const config = uniformConfig(TINY_GRAPH, { wbits: 8, abits: 8 });
  const r = await qatFineTune(TINY_GRAPH, weights, config, { ...common, epochs: 1, masks });
  const kernelAfter = weights.conv1!.kernel!.arraySync() as number[][][][];
  const column = (k: number[][][][], c: number) => k.flat(2).map((row) => row[c]);
  assert.deepEqual(column(kernelAfter, 1), column(kernelBefore, 1));
  assert.notDeepEqual(column(kernelAfter, 0), column(kernelBefore, 0));
  const q = quantize(TINY_GRAPH, weights, config, { activations: r.activations, masks });
  const x = tf.tensor4d(train.images.subarray(0, 4 * 64), [4, 8, 8, 1]);
  let relu2: number[][][][] = [];
  const hooks = q.hooks();
  forward(q.graph, q.weights, x, {
    hooks: {
      ...hooks,
      output: (node, y) => {
        const out = hooks.output!(node, y);
        if (node.name === "relu2") relu2 = out.arraySync() as number[][][][];
        return out;
      },
    },
  }).dispose();
  const values = relu2.flat(2);
  assert.ok(values.length > 0 && values.every((px) => px[1] === 0 && px[4] === 0));
  assert.ok(values.some((px) => px[0] !== 0));
  x.dispose();
  q.dispose();
  disposeWeights(weights);
});

Deno.test("qatFineTune() with lsq learns activation step sizes without leaking", async () => {
  const weights = tinyWeights(23);
  const config = uniformConfig(TINY_GRAPH, { wbits: 4, abits: 4 });
  const before = tf.memory().numTensors;
  const r = await qatFineTune(TINY_GRAPH, weights, config, { ...common, epochs: 2, lsq: true });
  assert.equal(tf.memory().numTensors, before);
  assert.ok(r.history[1]!.loss < r.history[0]!.loss, JSON.stringify(r.history));
  for (const p of Object.values(r.activations)) {
    assert.equal(p.zeroPoint[0], 0);
    assert.ok(Number.isFinite(p.scale[0]!) && p.scale[0]! > 0);
  }
  assert.equal(r.activations.relu1!.signed, false); // post-ReLU: unsigned
  disposeWeights(weights);
});

Deno.test("qatFineTune() at 32 bits is a plain fine-tune", async () => {
  const weights = tinyWeights(24);
  const r = await qatFineTune(
    TINY_GRAPH,
    weights,
    uniformConfig(TINY_GRAPH, { wbits: 32, abits: 32 }),
    { ...common, epochs: 2 },
  );
  assert.deepEqual(r.activations, {});
  assert.ok(r.history[1]!.loss < r.history[0]!.loss);
  disposeWeights(weights);
});

Deno.test("qatFineTune() rejects a data set smaller than one batch", async () => {
  const weights = tinyWeights(25);
  const tiny = syntheticDataset({ n: 8, seed: 1, ...data });
  await assert.rejects(
    () =>
      qatFineTune(TINY_GRAPH, weights, uniformConfig(TINY_GRAPH, { wbits: 8, abits: 8 }), {
        train: tiny,
        epochs: 1,
        batchSize: 32,
      }),
    RangeError,
  );
  disposeWeights(weights);
});
