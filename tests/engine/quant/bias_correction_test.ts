import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { forward } from "../../../engine/exec/forward.ts";
import { disposeWeights, type Weights } from "../../../engine/exec/weights.ts";
import type { Graph } from "../../../engine/models/ir.ts";
import { uniformConfig } from "../../../engine/quant/act_targets.ts";
import { quantize } from "../../../engine/quant/ptq.ts";
import { resolveBiasCorrection } from "../../../engine/quant/ptq_bias.ts";
import { TINY_GRAPH, tinyWeights } from "./_tiny_model.ts";
import { uniform } from "./_rand.ts";

await initBackend("cpu");

const fc = {
  name: "fc",
  op: "dense",
  inputs: ["flat"],
  outShape: [2],
  units: 2,
  useBias: false,
  activation: "linear",
} as const;

/** input [1, 1, 4] → flatten → dense(2, no bias). */
const DENSE: Graph = {
  name: "dense",
  output: "fc",
  nodes: [
    { name: "in", op: "input", inputs: [], outShape: [1, 1, 4] },
    { name: "flat", op: "flatten", inputs: ["in"], outShape: [4] },
    fc,
  ],
};

/**
 * At 4 bits (min-max, per channel) every weight rounds down: channel 0 `[1, .3, .3, .3]`
 * (scale 1/7.5) becomes `[.9333, .2667, .2667, .2667]`, channel 1 `[.75, .33, .54, 0]`
 * (scale 0.1) becomes `[.7, .3, .5, 0]`.
 */
const KERNEL = [[1, 0.75], [0.3, 0.33], [0.3, 0.54], [0.3, 0]];
const DELTA = [[-1 / 15, -0.05], [-1 / 30, -0.03], [-1 / 30, -0.04], [-1 / 30, 0]];

function denseWeights(): Weights {
  return { fc: { kernel: tf.variable(tf.tensor2d(KERNEL)) } };
}

function meanOutput(graph: Graph, weights: Weights, x: tf.Tensor4D, hooks = {}): number[] {
  return tf.tidy(() => Array.from(tf.mean(forward(graph, weights, x, { hooks }), 0).dataSync()));
}

Deno.test("empirical bias correction removes a known mean shift of a 4-bit dense layer", () => {
  const x = tf.tensor4d(uniform(1, 64 * 4, 0.5, 1.5), [64, 1, 1, 4]);
  const weights = denseWeights();
  const config = uniformConfig(DENSE, { wbits: 4, abits: 32 });
  const calibration = { data: [x], weightObserver: "minmax" } as const;
  const plain = quantize(DENSE, weights, config, {
    calibration: { ...calibration, biasCorrection: "none" },
  });
  const q = quantize(DENSE, weights, config, {
    calibration: { ...calibration, biasCorrection: "empirical" },
  });
  const xMean = tf.tidy(() => Array.from(tf.mean(tf.reshape(x, [-1, 4]), 0).dataSync()));
  const want = [0, 1].map((o) => -DELTA.reduce((s, row, i) => s + row[o]! * xMean[i]!, 0));
  assert.ok(want[0]! > 0.15, `the shift to remove is large: ${want}`);
  const fNode = q.graph.nodes.find((n) => n.name === "fc")!;
  assert.ok(fNode.op === "dense" && fNode.useBias, "a bias was added to the layer");
  const bias = Array.from(q.weights.fc!.bias!.dataSync());
  bias.forEach((b, o) => assert.ok(Math.abs(b - want[o]!) < 1e-5, `bias ${bias} vs ${want}`));
  const float = meanOutput(DENSE, weights, x);
  const before = meanOutput(plain.graph, plain.weights, x, plain.hooks());
  const after = meanOutput(q.graph, q.weights, x, q.hooks());
  assert.ok(Math.abs(before[0]! - float[0]!) > 0.15, `uncorrected ${before} vs float ${float}`);
  after.forEach((v, o) => assert.ok(Math.abs(v - float[o]!) < 1e-5, `${after} vs ${float}`));
  plain.dispose();
  q.dispose();
  disposeWeights(weights);
  x.dispose();
});

Deno.test("data-free bias correction uses E[ReLU(N(beta, gamma²))] of the batch norm before", () => {
  const graph: Graph = {
    name: "bn-dense",
    output: "fc",
    nodes: [
      { name: "in", op: "input", inputs: [], outShape: [1, 1, 4] },
      {
        name: "bn",
        op: "batchnorm",
        inputs: ["in"],
        outShape: [1, 1, 4],
        epsilon: 1e-3,
        center: true,
        scale: true,
      },
      { name: "relu", op: "activation", inputs: ["bn"], outShape: [1, 1, 4], activation: "relu" },
      { name: "flat", op: "flatten", inputs: ["relu"], outShape: [4] },
      { ...fc, useBias: true },
    ],
  };
  const ones = () => tf.variable(tf.ones([4]));
  const weights: Weights = {
    bn: {
      gamma: ones(),
      beta: tf.variable(tf.zeros([4])),
      movingMean: ones(),
      movingVariance: ones(),
    },
    fc: { kernel: tf.variable(tf.tensor2d(KERNEL)), bias: tf.variable(tf.tensor1d([0.1, -0.1])) },
  };
  const config = uniformConfig(graph, { wbits: 4, abits: 32 });
  const q = quantize(graph, weights, config, { calibration: { weightObserver: "minmax" } });
  const halfNormalMean = 1 / Math.sqrt(2 * Math.PI);
  const want = [0, 1].map((o) =>
    [0.1, -0.1][o]! - DELTA.reduce((s, row) => s + row[o]! * halfNormalMean, 0)
  );
  const bias = Array.from(q.weights.fc!.bias!.dataSync());
  bias.forEach((b, o) => assert.ok(Math.abs(b - want[o]!) < 1e-6, `bias ${bias} vs ${want}`));
  q.dispose();
  disposeWeights(weights);
});

Deno.test("sequential empirical correction matches the float mean logits of a W4A8 residual net", () => {
  const weights = tinyWeights(5);
  const x = tf.tensor4d(uniform(2, 32 * 64, 0, 1), [32, 8, 8, 1]);
  const config = uniformConfig(TINY_GRAPH, { wbits: 4, abits: 8 });
  const none = quantize(TINY_GRAPH, weights, config, {
    calibration: { data: [x], biasCorrection: "none" },
  });
  const q = quantize(TINY_GRAPH, weights, config, { calibration: { data: [x] } });
  const float = meanOutput(TINY_GRAPH, weights, x);
  const before = meanOutput(none.graph, none.weights, x, none.hooks());
  const after = meanOutput(q.graph, q.weights, x, q.hooks());
  const err = (m: number[]) => Math.max(...m.map((v, i) => Math.abs(v - float[i]!)));
  assert.ok(err(after) < 1e-4, `corrected mean logits ${after} vs float ${float}`);
  assert.ok(err(before) > 10 * err(after), `uncorrected error ${err(before)}`);
  none.dispose();
  q.dispose();
  disposeWeights(weights);
  x.dispose();
});

Deno.test("resolveBiasCorrection(): auto follows the calibration; empirical needs data", () => {
  const opts = (hasData: boolean, activationsGiven: boolean) => ({ hasData, activationsGiven });
  assert.equal(resolveBiasCorrection("auto", opts(true, false)), "empirical");
  assert.equal(resolveBiasCorrection("auto", opts(false, false)), "data-free");
  assert.equal(resolveBiasCorrection("auto", opts(true, true)), "none");
  assert.equal(resolveBiasCorrection("data-free", opts(true, false)), "data-free");
  assert.throws(
    () => resolveBiasCorrection("empirical", opts(false, false)),
    /without calibration data/,
  );
});

Deno.test("quantize() with given activation params (after QAT) leaves the biases alone", () => {
  const weights = denseWeights();
  const config = uniformConfig(DENSE, { wbits: 4, abits: 8 });
  const given = {
    flat: { bits: 8, signed: false, scale: Float32Array.of(0.01), zeroPoint: Int32Array.of(0) },
  } as const;
  const q = quantize(DENSE, weights, config, { activations: given });
  assert.equal(q.calibration, "given");
  assert.equal(q.weights.fc!.bias, undefined);
  q.dispose();
  disposeWeights(weights);
});

Deno.test("quantize() with empirical bias correction leaks no tensors and keeps the input", () => {
  const weights = tinyWeights(6);
  const x = tf.tensor4d(uniform(3, 8 * 64, 0, 1), [8, 8, 8, 1]);
  const kernel = Array.from(weights.conv1!.kernel!.dataSync());
  const count = tf.memory().numTensors;
  const q = quantize(TINY_GRAPH, weights, uniformConfig(TINY_GRAPH, { wbits: 4, abits: 8 }), {
    calibration: { data: [x] },
  });
  q.dispose();
  assert.equal(tf.memory().numTensors, count);
  assert.deepEqual(Array.from(weights.conv1!.kernel!.dataSync()), kernel);
  assert.equal(x.isDisposed, false);
  x.dispose();
  disposeWeights(weights);
});

Deno.test("bias correction skips the layers reading the network input unless asked", () => {
  const weights = tinyWeights(7);
  const x = tf.tensor4d(uniform(4, 16 * 64, 0, 1), [16, 8, 8, 1]);
  const config = uniformConfig(TINY_GRAPH, { wbits: 4, abits: 8 });
  const bias = (q: ReturnType<typeof quantize>) => Array.from(q.weights.conv1!.bias!.dataSync());
  const none = quantize(TINY_GRAPH, weights, config, {
    calibration: { data: [x], biasCorrection: "none" },
  });
  const skip = quantize(TINY_GRAPH, weights, config, { calibration: { data: [x] } });
  const all = quantize(TINY_GRAPH, weights, config, {
    calibration: { data: [x], correctInputLayers: true },
  });
  assert.deepEqual(bias(skip), bias(none));
  assert.notDeepEqual(bias(all), bias(none));
  assert.notDeepEqual(
    Array.from(skip.weights.conv2!.bias!.dataSync()),
    Array.from(none.weights.conv2!.bias!.dataSync()),
  );
  [none, skip, all].forEach((q) => q.dispose());
  disposeWeights(weights);
  x.dispose();
});
