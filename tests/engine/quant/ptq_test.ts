import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { batches } from "../../../engine/data/batches.ts";
import type { Dataset } from "../../../engine/data/dataset.ts";
import { syntheticDataset } from "../../../engine/data/synthetic.ts";
import { forward } from "../../../engine/exec/forward.ts";
import {
  cloneWeights,
  disposeWeights,
  type Weights,
  weightsFromLayersModel,
} from "../../../engine/exec/weights.ts";
import { graphFromLayersModel } from "../../../engine/models/from_layers.ts";
import type { Graph } from "../../../engine/models/ir.ts";
import { buildZooModel } from "../../../engine/models/zoo.ts";
import { activationTargets, uniformConfig } from "../../../engine/quant/act_targets.ts";
import { evaluateGraph } from "../../../engine/quant/evaluate_graph.ts";
import { foldBatchNorms } from "../../../engine/quant/fold_model.ts";
import { quantize } from "../../../engine/quant/ptq.ts";
import { qatFineTune } from "../../../engine/quant/qat.ts";
import { computeQParams } from "../../../engine/quant/qparams.ts";
import { fakeQuantWeight } from "../../../engine/quant/weight_channels.ts";
import { TINY_GRAPH, TINY_SETTINGS, tinyWeights } from "./_tiny_model.ts";
import { uniform } from "./_rand.ts";

await initBackend();

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

/** Gives every batch norm non-trivial statistics (fresh zoo models have identity BNs). */
function perturbBatchNorms(graph: Graph, weights: Weights): void {
  graph.nodes.filter((n) => n.op === "batchnorm").forEach((n, i) => {
    const t = weights[n.name]!;
    const c = n.outShape.at(-1)!;
    const set = (v: tf.Variable, lo: number, hi: number, s: number) =>
      v.assign(tf.tensor1d(uniform(s, c, lo, hi)));
    set(t.gamma!, 0.5, 1.5, 10 * i);
    set(t.beta!, -0.3, 0.3, 10 * i + 1);
    set(t.movingMean!, -0.5, 0.5, 10 * i + 2);
    set(t.movingVariance!, 0.5, 2, 10 * i + 3);
  });
}

for (const name of ["resnet8", "mobilenet-tiny"] as const) {
  Deno.test(`foldBatchNorms() removes every batch norm of ${name} and keeps outputs within 1e-5`, () => {
    const model = buildZooModel(name, { seed: 2 });
    const graph = graphFromLayersModel(model);
    const weights = weightsFromLayersModel(model, graph);
    model.dispose();
    perturbBatchNorms(graph, weights);
    const f = foldBatchNorms(graph, weights);
    assert.ok(f.graph.nodes.every((n) => n.op !== "batchnorm"));
    assert.equal(f.folded.size, graph.nodes.filter((n) => n.op === "batchnorm").length);
    const x = tf.randomUniform([4, 28, 28, 1], 0, 1, "float32", 5) as tf.Tensor4D;
    const want = forward(graph, weights, x);
    const got = forward(f.graph, f.weights, x);
    assert.ok(maxAbsDiff(got, want) < 1e-5, `diff ${maxAbsDiff(got, want)}`);
    tf.dispose([x, want, got]);
    disposeWeights(weights);
    disposeWeights(f.weights);
  });
}

Deno.test("foldBatchNorms() keeps a batch norm after a ReLU, with the planner's reason", () => {
  const graph: Graph = {
    name: "g",
    output: "fc",
    nodes: [
      { name: "in", op: "input", inputs: [], outShape: [3] },
      {
        name: "a",
        op: "dense",
        inputs: ["in"],
        outShape: [2],
        units: 2,
        useBias: false,
        activation: "relu",
      },
      {
        name: "bn",
        op: "batchnorm",
        inputs: ["a"],
        outShape: [2],
        epsilon: 1e-3,
        center: true,
        scale: true,
      },
      { name: "r", op: "activation", inputs: ["bn"], outShape: [2], activation: "relu" },
      {
        name: "fc",
        op: "dense",
        inputs: ["r"],
        outShape: [1],
        units: 1,
        useBias: false,
        activation: "linear",
      },
    ],
  };
  const one = (n: number) => tf.variable(tf.ones([n]));
  const weights: Weights = {
    a: { kernel: tf.variable(tf.ones([3, 2])) },
    bn: { gamma: one(2), beta: one(2), movingMean: one(2), movingVariance: one(2) },
    fc: { kernel: tf.variable(tf.ones([2, 1])) },
  };
  const f = foldBatchNorms(graph, weights);
  assert.equal(f.folded.size, 0);
  const d = f.plan.get("bn")!;
  assert.ok(!d.fold && /relu/.test(d.reason), JSON.stringify(d));
  disposeWeights(weights);
  disposeWeights(f.weights);
});

let trained: { weights: Weights; train: Dataset; test: Dataset; float: number } | undefined;

/** The tiny model, trained briefly on a noisy synthetic 4-class task (shared by tests). */
async function trainedTiny() {
  if (trained) return trained;
  const opts = { height: 8, width: 8, numClasses: 4, noise: 0.6 };
  const train = syntheticDataset({ n: 512, seed: 1, ...opts });
  const test = syntheticDataset({ n: 512, seed: 2, ...opts });
  const weights = tinyWeights(3);
  const float32 = uniformConfig(TINY_GRAPH, { wbits: 32, abits: 32 });
  await qatFineTune(TINY_GRAPH, weights, float32, {
    train,
    epochs: 4,
    lr: 5e-3,
    batchSize: 32,
    settings: TINY_SETTINGS,
  });
  const float = evaluateGraph(TINY_GRAPH, weights, test).accuracy;
  trained = { weights, train, test, float };
  return trained;
}

function calibrationBatches(ds: Dataset, n: number): tf.Tensor4D[] {
  return [...batches(ds, { batchSize: n })].slice(0, 2).map((b) =>
    tf.tensor4d(b.x, [b.size, ds.height, ds.width, ds.channels])
  );
}

Deno.test("quantize() at W8A8 with calibration data stays within 1 point of float", async () => {
  const { weights, train, test, float } = await trainedTiny();
  assert.ok(float > 0.6, `float accuracy ${float}: the task was not learned`);
  const data = calibrationBatches(train, 128);
  const q = quantize(TINY_GRAPH, weights, uniformConfig(TINY_GRAPH, { wbits: 8, abits: 8 }), {
    calibration: { data, observer: "minmax" },
  });
  const acc = q.evaluate(test).accuracy;
  assert.equal(q.calibration, "data");
  assert.ok(Math.abs(float - acc) <= 0.01, `float ${float}, W8A8 ${acc}`);
  assert.deepEqual(Object.keys(q.activationParams).sort(), ["flatten", "input", "relu1"]);
  tf.dispose(data);
  q.dispose();
});

Deno.test("quantize() without data derives finite activation ranges from batch norms", async () => {
  const { weights, test, float } = await trainedTiny();
  const q = quantize(TINY_GRAPH, weights, uniformConfig(TINY_GRAPH, { wbits: 8, abits: 8 }));
  assert.equal(q.calibration, "data-free");
  for (const [name, p] of Object.entries(q.activationParams)) {
    assert.ok(Number.isFinite(p.scale[0]!) && p.scale[0]! > 1e-6, `${name} scale ${p.scale}`);
    assert.ok(p.scale[0]! < 10, `${name} scale ${p.scale}`);
  }
  assert.equal(q.activationParams.relu1!.zeroPoint[0], 0); // post-ReLU: range starts at 0
  const acc = q.evaluate(test).accuracy;
  assert.ok(float - acc <= 0.03, `float ${float}, data-free W8A8 ${acc}`);
  q.dispose();
});

Deno.test("quantize() hooks fake-quantize each kernel with its per-channel min-max params", () => {
  const weights = tinyWeights(4);
  const q = quantize(TINY_GRAPH, weights, uniformConfig(TINY_GRAPH, { wbits: 4, abits: 8 }), {
    calibration: { weightObserver: "minmax" },
  });
  const node = q.graph.nodes.find((n) => n.name === "conv2")!;
  const kernel = q.weights.conv2!.kernel!;
  const data = kernel.dataSync();
  const min = new Float32Array(8).fill(Infinity), max = new Float32Array(8).fill(-Infinity);
  data.forEach((v, i) => {
    min[i % 8] = Math.min(min[i % 8]!, v);
    max[i % 8] = Math.max(max[i % 8]!, v);
  });
  const want = computeQParams(min, max, 4, { symmetric: true, axis: 3 });
  assert.deepEqual(q.weightParams.conv2, want);
  const hooked = q.hooks().weight!(node, "kernel", kernel);
  const expected = fakeQuantWeight(kernel, "conv2d", want);
  assert.deepEqual(Array.from(hooked.dataSync()), Array.from(expected.dataSync()));
  hooked.dataSync().forEach((v, i) => {
    const code = v / want.scale[i % 8]!;
    assert.ok(Math.abs(code - Math.round(code)) < 1e-4 && code >= -8 && code <= 7);
  });
  const materialized = q.quantizedWeights();
  assert.deepEqual(
    Array.from(materialized.conv2!.kernel!.dataSync()),
    Array.from(expected.dataSync()),
  );
  tf.dispose([hooked, expected]);
  disposeWeights(materialized);
  q.dispose();
  disposeWeights(weights);
});

Deno.test("quantize() at 32 bits everywhere computes the float model", () => {
  const weights = tinyWeights(5);
  const q = quantize(TINY_GRAPH, weights, uniformConfig(TINY_GRAPH, { wbits: 32, abits: 32 }));
  assert.deepEqual(q.weightParams, {});
  assert.deepEqual(q.activationParams, {});
  const x = tf.randomUniform([3, 8, 8, 1], 0, 1, "float32", 2) as tf.Tensor4D;
  const want = forward(TINY_GRAPH, weights, x);
  const got = forward(q.graph, q.weights, x, { hooks: q.hooks() });
  assert.ok(maxAbsDiff(got, want) < 1e-5);
  tf.dispose([x, want, got]);
  q.dispose();
  disposeWeights(weights);
});

Deno.test("activationTargets() stores a tensor read by two layers at the smaller abits", () => {
  const config = uniformConfig(TINY_GRAPH, { wbits: 8, abits: 8 });
  const t = activationTargets(TINY_GRAPH, {
    layers: {
      ...config.layers,
      conv2: { wbits: 8, abits: 4, width: 1 },
      logits: { wbits: 8, abits: 32, width: 1 },
    },
  });
  assert.deepEqual([...t].sort(), [["input", 8], ["relu1", 4]]);
  const graph = { ...TINY_GRAPH, nodes: [...TINY_GRAPH.nodes] };
  const shared = activationTargets(graph, {
    layers: { conv1: { wbits: 8, abits: 6, width: 1 } },
  });
  assert.equal(shared.get("input"), 6);
});

Deno.test("quantize() rejects a configuration naming a layer that does not compute", () => {
  const weights = tinyWeights(6);
  assert.throws(
    () => quantize(TINY_GRAPH, weights, { layers: { relu1: { wbits: 8, abits: 8, width: 1 } } }),
    /relu1/,
  );
  assert.throws(
    () =>
      quantize(TINY_GRAPH, weights, uniformConfig(TINY_GRAPH, { wbits: 8, abits: 8 }), {
        calibration: { data: [] },
      }),
    RangeError,
  );
  disposeWeights(weights);
});

Deno.test("quantize() leaves the float weights untouched and leaks no tensors", () => {
  const weights = tinyWeights(7);
  const before = cloneWeights(weights);
  const count = tf.memory().numTensors;
  const q = quantize(TINY_GRAPH, weights, uniformConfig(TINY_GRAPH, { wbits: 4, abits: 4 }));
  const ds = syntheticDataset({ n: 16, seed: 3, height: 8, width: 8, numClasses: 4 });
  q.evaluate(ds);
  q.dispose();
  assert.equal(tf.memory().numTensors, count);
  for (const [layer, t] of Object.entries(weights)) {
    assert.deepEqual(
      Array.from(t.kernel?.dataSync() ?? []),
      Array.from(before[layer]!.kernel?.dataSync() ?? []),
    );
  }
  disposeWeights(weights);
  disposeWeights(before);
});

Deno.test("quantize() calibrates with MSE below 8 bits and min-max at 8 by default", async () => {
  const { weights, train } = await trainedTiny();
  const data = calibrationBatches(train, 128);
  const params = (abits: number, observer?: "minmax" | "mse") =>
    quantize(TINY_GRAPH, weights, uniformConfig(TINY_GRAPH, { wbits: 8, abits }), {
      calibration: { data, ...(observer ? { observer } : {}) },
    });
  const scale = (q: ReturnType<typeof params>) => {
    const s = q.activationParams.relu1!.scale[0]!;
    q.dispose();
    return s;
  };
  const [a4, a4mse, a4minmax] = [
    scale(params(4)),
    scale(params(4, "mse")),
    scale(params(4, "minmax")),
  ];
  const [a8, a8minmax, a8mse] = [
    scale(params(8)),
    scale(params(8, "minmax")),
    scale(params(8, "mse")),
  ];
  tf.dispose(data);
  // The two observers must disagree for the default's choice to show.
  assert.notEqual(a4mse, a4minmax);
  assert.notEqual(a8mse, a8minmax);
  assert.equal(a4, a4mse);
  assert.equal(a8, a8minmax);
});
