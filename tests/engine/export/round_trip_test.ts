import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { buildExport } from "../../../engine/export/build.ts";
import { parseExport } from "../../../engine/export/parse.ts";
import { graphFromLayersModel } from "../../../engine/models/from_layers.ts";
import { parseModelJson } from "../../../engine/models/model_json.ts";
import { dequantizeArray, quantizeArray } from "../../../engine/quant/int_quant.ts";
import { channelView } from "../../../engine/quant/weight_channels.ts";
import { tinyConfig, tinyGraph, tinyQuant, tinyWeights } from "./_fixture.ts";

await initBackend("cpu");

const weights = tinyWeights();
const quant = tinyQuant(weights);
const input = { graph: tinyGraph, weights, config: tinyConfig, quant };

function fakeQuantArray(kind: "conv2d" | "depthwise" | "dense", layer: string): Float32Array {
  const w = weights[layer]!.kernel!;
  const shape = channelView(kind, w.shape).shape;
  return dequantizeArray(quantizeArray(w.data, shape, quant.weights[layer]!.kernel!));
}

Deno.test("parseExport(buildExport()) gives the fake-quantized kernels bit for bit", async () => {
  const loaded = await parseExport((await buildExport(input)).files);
  const kinds = { conv: "conv2d", dw: "depthwise", fc: "dense" } as const;
  for (const [layer, kind] of Object.entries(kinds)) {
    const got = loaded.weights[layer]!.kernel!;
    assert.deepEqual(got.shape, weights[layer]!.kernel!.shape);
    const want = fakeQuantArray(kind, layer);
    assert.deepEqual(new Uint32Array(got.data.buffer), new Uint32Array(want.buffer), layer);
    assert.notDeepEqual(got.data, weights[layer]!.kernel!.data, `${layer} is quantized`);
  }
});

Deno.test("parseExport(buildExport()) keeps biases and batch-norm parameters as exact float32", async () => {
  const loaded = await parseExport((await buildExport(input)).files);
  assert.deepEqual(loaded.weights.conv!.bias, weights.conv!.bias);
  assert.deepEqual(loaded.weights.fc!.bias, weights.fc!.bias);
  assert.deepEqual(loaded.weights.bn, weights.bn);
});

Deno.test("parseExport(buildExport()) returns graph, config, weight and activation qparams", async () => {
  const loaded = await parseExport((await buildExport(input)).files);
  assert.deepEqual(loaded.graph, tinyGraph);
  assert.deepEqual(loaded.config, tinyConfig);
  assert.deepEqual(loaded.activations, quant.activations);
  assert.deepEqual(loaded.weightQParams, quant.weights);
});

Deno.test("buildExport() stores packed codes, float32 scales, zero points only when non-zero", async () => {
  const { files } = await buildExport(input);
  const packed = Math.ceil((3 * 3 * 2 * 4 * 4) / 8) + 4 * 4 + // conv codes + scales
    Math.ceil((3 * 3 * 8 * 8) / 8) + 8 * 4 + // depthwise codes + scales (zero points all 0)
    Math.ceil((8 * 3 * 3) / 8) + 4 + 4; // dense 3-bit codes + 1 scale + 1 zero point
  const floats = (4 + 4 * 8 + 3) * 4; // conv bias, bn (4 x 8), fc bias
  assert.equal(files.get("weights.bin")!.length, packed + floats);
});

Deno.test("buildExport() writes a model.json whose manifest describes weights.bin exactly", async () => {
  const { files } = await buildExport(input);
  const json = parseModelJson(files.get("model.json")!, "model.json");
  const bin = files.get("weights.bin")!;
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const buffer = bin.slice().buffer;
  const decoded = tf.io.decodeWeights(buffer, specs);
  const codes = decoded["conv/kernel/codes"]!.dataSync();
  assert.deepEqual(Array.from(codes), Array.from(bin.subarray(0, codes.length)));
  assert.deepEqual(decoded["bn/gamma"]!.dataSync(), weights.bn!.gamma!.data);
  assert.ok(specs.some((s) => s.name === "dw/depthwise_kernel/scale"));
  assert.ok(specs.some((s) => s.name === "fc/kernel/zero_point"));
  tf.dispose(Object.values(decoded));
});

Deno.test("buildExport() writes a topology stock tfjs rebuilds into the same graph", async () => {
  const { files } = await buildExport(input);
  const json = parseModelJson(files.get("model.json")!, "model.json");
  const model = await tf.models.modelFromJSON({
    modelTopology: json.modelTopology as tf.io.ModelJSON["modelTopology"],
  });
  assert.deepEqual(graphFromLayersModel(model), tinyGraph);
  model.dispose();
});

Deno.test("a quantized export does not load as a stock tfjs LayersModel (fails loudly)", async () => {
  const { files } = await buildExport(input);
  const json = parseModelJson(files.get("model.json")!, "model.json");
  const artifacts = {
    modelTopology: json.modelTopology as tf.io.ModelArtifacts["modelTopology"],
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: files.get("weights.bin")!.slice().buffer,
  };
  await assert.rejects(() => tf.loadLayersModel(tf.io.fromMemory(artifacts)));
});

Deno.test("a float-only export loads as a stock tfjs LayersModel with the same weights", async () => {
  const floatInput = {
    graph: tinyGraph,
    weights,
    config: { layers: {} },
    quant: { weights: {}, activations: {} },
  };
  const { files } = await buildExport(floatInput);
  const json = parseModelJson(files.get("model.json")!, "model.json");
  const model = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology as tf.io.ModelArtifacts["modelTopology"],
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: files.get("weights.bin")!.slice().buffer,
  }));
  assert.deepEqual(model.getLayer("dw").getWeights()[0]!.dataSync(), weights.dw!.kernel!.data);
  assert.deepEqual(
    model.getLayer("bn").getWeights()[3]!.dataSync(),
    weights.bn!.movingVariance!.data,
  );
  model.dispose();
});

Deno.test("buildExport() rejects a config whose wbits disagree with the quant params", async () => {
  const config = { layers: { ...tinyConfig.layers, conv: { wbits: 8, abits: 8, width: 1 } } };
  await assert.rejects(() => buildExport({ ...input, config }), /"conv": config says wbits 8/);
});

Deno.test("buildExport() rejects quant params for a weight that does not exist", async () => {
  const q = {
    ...quant,
    weights: { ...quant.weights, bn: { kernel: quant.weights.conv!.kernel! } },
  };
  await assert.rejects(() => buildExport({ ...input, quant: q }), /"bn\/kernel", no such weight/);
});

Deno.test("buildExport() rejects per-channel params along the wrong axis", async () => {
  const bad = {
    ...quant.weights.conv!.kernel!,
    axis: 2,
    scale: new Float32Array(2),
    zeroPoint: new Int32Array(2),
  };
  const q = { ...quant, weights: { ...quant.weights, conv: { kernel: bad } } };
  await assert.rejects(() => buildExport({ ...input, quant: q }), /along axis 2/);
});
