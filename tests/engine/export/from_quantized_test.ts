import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import type { Configuration, LayerChoice } from "../../../engine/cost/config.ts";
import { forward } from "../../../engine/exec/forward.ts";
import {
  disposeWeights,
  type Weights,
  weightsFromArrays,
  weightsFromLayersModel,
  weightsToArrays,
} from "../../../engine/exec/weights.ts";
import { activationQuantHooks } from "../../../engine/export/activation_hooks.ts";
import { exportModel, loadExport } from "../../../engine/export/disk.ts";
import { foldBatchNormsBackward } from "../../../engine/export/fold_graph.ts";
import { exportInputOf } from "../../../engine/export/from_quantized.ts";
import { minMaxQuantState } from "../../../engine/export/min_max_state.ts";
import { graphFromLayersModel } from "../../../engine/models/from_layers.ts";
import { type Graph, isComputeNode } from "../../../engine/models/ir.ts";
import { buildZooModel } from "../../../engine/models/zoo.ts";
import { quantize } from "../../../engine/quant/ptq.ts";
import { createRng } from "../../../engine/rng.ts";

await initBackend("cpu");

/** resnet8 (seeded init) with non-trivial batch-norm statistics. */
function resnet8(): { graph: Graph; weights: Weights } {
  const model = buildZooModel("resnet8", { seed: 4 });
  const graph = graphFromLayersModel(model);
  const weights = weightsFromLayersModel(model, graph);
  model.dispose();
  const rng = createRng(6);
  for (const n of graph.nodes.filter((n) => n.op === "batchnorm")) {
    const c = n.outShape.at(-1)!;
    const t = weights[n.name]!;
    t.movingMean!.assign(tf.tensor1d(Float32Array.from({ length: c }, () => 0.2 * rng.normal())));
    t.movingVariance!.assign(tf.tensor1d(Float32Array.from({ length: c }, () => 0.5 + rng.next())));
  }
  return { graph, weights };
}

/** 8/8 everywhere, except the residual split after block 1: its projection reads at 4. */
function splitConfig(graph: Graph): Configuration {
  const layers: Record<string, LayerChoice> = {};
  for (const n of graph.nodes.filter(isComputeNode)) {
    layers[n.name] = { wbits: n.name === "block2_proj" ? 4 : 8, abits: 8, width: 1 };
  }
  layers.block2_proj = { wbits: 4, abits: 4, width: 1 };
  return { layers };
}

const input = () => {
  const rng = createRng(8);
  return tf.tensor4d(Float32Array.from({ length: 6 * 784 }, () => rng.next()), [6, 28, 28, 1]);
};

Deno.test("minMaxQuantState() and quantize() store a shared tensor at its readers' smallest abits", () => {
  const { graph, weights } = resnet8();
  const config = splitConfig(graph);
  const x = input();
  const q = quantize(graph, weights, config, { calibration: { data: [x] } });
  const arrays = weightsToArrays(weights);
  const folded = foldBatchNormsBackward(graph, arrays);
  const state = minMaxQuantState(folded.graph, {
    weights: folded.weights,
    config,
    calibration: [x],
  });
  const bits = (acts: Readonly<Record<string, { bits: number }>>) =>
    Object.fromEntries(Object.entries(acts).map(([k, p]) => [k, p.bits]));
  assert.equal(q.activationParams.block1_relu2!.bits, 4); // read by block2_conv1 (8), proj (4)
  assert.deepEqual(bits(state.activations), bits(q.activationParams));
  q.dispose();
  disposeWeights(weights);
  x.dispose();
});

Deno.test("an export of quantize()'s state reloads to exactly its fake-quant predictions", async () => {
  const { graph, weights } = resnet8();
  const x = input();
  const q = quantize(graph, weights, splitConfig(graph), { calibration: { data: [x] } });
  const want = forward(q.graph, q.weights, x, { hooks: q.hooks() });
  const exported = exportInputOf(q);
  q.dispose();
  const dir = await Deno.makeTempDir({ prefix: "tailor-ptq-export-" });
  try {
    await exportModel(dir, exported);
    const loaded = await loadExport(dir);
    const after = weightsFromArrays(loaded.weights);
    const got = forward(loaded.graph, after, x, {
      hooks: activationQuantHooks(loaded.activations),
    });
    assert.deepEqual(Array.from(got.dataSync()), Array.from(want.dataSync()));
    tf.dispose([got, want]);
    disposeWeights(after);
  } finally {
    disposeWeights(weights);
    x.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});
