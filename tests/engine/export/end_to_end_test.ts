import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { networkCost } from "../../../engine/cost/network.ts";
import type { Configuration, LayerChoice } from "../../../engine/cost/config.ts";
import { activationQuantHooks } from "../../../engine/export/activation_hooks.ts";
import { exportModel, loadExport } from "../../../engine/export/disk.ts";
import { foldBatchNormsBackward } from "../../../engine/export/fold_graph.ts";
import type { QuantState, WeightArrays } from "../../../engine/export/format.ts";
import { forward } from "../../../engine/exec/forward.ts";
import { composeHooks, type ExecHooks } from "../../../engine/exec/hooks.ts";
import {
  disposeWeights,
  weightsFromArrays,
  weightsFromLayersModel,
  weightsToArrays,
} from "../../../engine/exec/weights.ts";
import { graphFromLayersModel } from "../../../engine/models/from_layers.ts";
import { type Graph, isComputeNode } from "../../../engine/models/ir.ts";
import { buildZooModel } from "../../../engine/models/zoo.ts";
import { loadProfile } from "../../../engine/profile/load.ts";
import { computeQParams, type QParams } from "../../../engine/quant/qparams.ts";
import { fakeQuantWeight } from "../../../engine/quant/weight_channels.ts";
import { createRng } from "../../../engine/rng.ts";
import { perChannelParams } from "./_fixture.ts";

await initBackend();

/** resnet8 (random init, perturbed batch-norm statistics), batch norms folded. */
function foldedResnet8(): { graph: Graph; weights: WeightArrays } {
  const model = buildZooModel("resnet8", { seed: 3 });
  const graph = graphFromLayersModel(model);
  const vars = weightsFromLayersModel(model, graph);
  const arrays = weightsToArrays(vars);
  disposeWeights(vars);
  model.dispose();
  const rng = createRng(5);
  for (const named of Object.values(arrays)) {
    named.movingMean?.data.forEach((_, i, a) => (a[i] = 0.2 * rng.normal()));
    named.movingVariance?.data.forEach((_, i, a) => (a[i] = 0.5 + rng.next()));
    named.gamma?.data.forEach((_, i, a) => (a[i] = 0.5 + rng.next()));
  }
  return foldBatchNormsBackward(graph, arrays);
}

function mixedConfig(graph: Graph): Configuration {
  const layers: Record<string, LayerChoice> = {};
  for (const n of graph.nodes.filter(isComputeNode)) {
    layers[n.name] = { wbits: n.name.startsWith("block") ? 4 : 8, abits: 8, width: 1 };
  }
  return { layers };
}

function weightQuant(graph: Graph, weights: WeightArrays, config: Configuration) {
  const out: Record<string, { kernel: QParams }> = {};
  for (const n of graph.nodes.filter(isComputeNode)) {
    out[n.name] = {
      kernel: perChannelParams(n.op, weights[n.name]!.kernel!, config.layers[n.name]!.wbits),
    };
  }
  return out;
}

/** 8-bit affine params of every activation / add / input output, from one float batch. */
function calibrate(graph: Graph, weights: WeightArrays, x: tf.Tensor4D) {
  const ranges = new Map<string, [number, number]>();
  const w = weightsFromArrays(weights);
  const hooks: ExecHooks = {
    output: (node, y) => {
      if (node.op === "input" || node.op === "activation" || node.op === "add") {
        ranges.set(node.name, [y.min().dataSync()[0]!, y.max().dataSync()[0]!]);
      }
      return y;
    },
  };
  forward(graph, w, x, { hooks }).dispose();
  disposeWeights(w);
  const acts: Record<string, QParams> = {};
  for (const [name, [lo, hi]] of ranges) {
    acts[name] = computeQParams([lo], [hi], 8, { symmetric: false });
  }
  return acts;
}

function fakeQuantHooks(quant: QuantState): ExecHooks {
  const weight: ExecHooks["weight"] = (node, name, w) => {
    const p = quant.weights[node.name]?.[name];
    return p === undefined || !isComputeNode(node) ? w : fakeQuantWeight(w, node.op, p);
  };
  return composeHooks({ weight }, activationQuantHooks(quant.activations));
}

const { graph, weights } = foldedResnet8();
const config = mixedConfig(graph);
const rng = createRng(11);
const x = tf.tensor4d(Float32Array.from({ length: 8 * 28 * 28 }, () => rng.next()), [8, 28, 28, 1]);
const quant: QuantState = {
  weights: weightQuant(graph, weights, config),
  activations: calibrate(graph, weights, x),
};

Deno.test("an exported mixed 4/8-bit resnet8 predicts exactly as its fake-quant evaluation", async () => {
  const before = weightsFromArrays(weights);
  const want = forward(graph, before, x, { hooks: fakeQuantHooks(quant) });
  const dir = await Deno.makeTempDir({ prefix: "tailor-e2e-" });
  try {
    await exportModel(dir, { graph, weights, config, quant });
    const loaded = await loadExport(dir);
    const after = weightsFromArrays(loaded.weights);
    const got = forward(loaded.graph, after, x, {
      hooks: activationQuantHooks(loaded.activations),
    });
    const [g, w] = [got.dataSync(), want.dataSync()];
    assert.deepEqual(new Uint32Array(g.buffer), new Uint32Array(w.buffer));
    assert.deepEqual(
      Array.from(got.argMax(1).dataSync()),
      Array.from(want.argMax(1).dataSync()),
    );
    tf.dispose([got, want]);
    disposeWeights(after);
  } finally {
    disposeWeights(before);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the export's weights.bin is within 2% of the cost model's flash prediction", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tailor-e2e-" });
  try {
    const sizes = await exportModel(dir, { graph, weights, config, quant });
    const predicted = networkCost(graph, await loadProfile("bitfusion-45nm"), config).totals
      .flashBytes;
    const onDisk = sizes.get("weights.bin")!;
    console.log(`weights.bin ${onDisk} B, cost model ${predicted} B`);
    assert.ok(Math.abs(onDisk - predicted) / predicted <= 0.02, `${onDisk} vs ${predicted}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("folding removes every resnet8 batch norm (the export stores one bias each)", () => {
  assert.ok(!graph.nodes.some((n) => n.op === "batchnorm"));
});
