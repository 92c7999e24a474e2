/**
 * Builds the bytes of an export (pure apart from building the topology with tfjs-layers):
 * `buildExport(input) → {files}` with `model.json`, `weights.bin` and `tailor.json`.
 *
 * @module
 */
import type { Configuration } from "../cost/config.ts";
import { WEIGHT_NAMES, type WeightName } from "../exec/weights.ts";
import { type Graph, isComputeNode, nodeByName } from "../models/ir.ts";
import { MODEL_JSON, type ModelJson, WEIGHTS_BIN } from "../models/model_json.ts";
import type { QParams } from "../quant/qparams.ts";
import type { tf } from "../backend.ts";
import { crc32, sha256Hex } from "./checksum.ts";
import {
  FORMAT_VERSION,
  kerasWeightName,
  qparamsToJson,
  type QuantState,
  type Segment,
  TAILOR_JSON,
  type TailorBody,
  type TailorJson,
  type TensorRecord,
  type WeightArrays,
} from "./format.ts";
import { encodeTensor } from "./_encode.ts";
import { topologyFromGraph } from "./topology.ts";

/** What {@linkcode buildExport} writes. */
export interface ExportInput {
  /** The graph as evaluated (pruned / batch-norm-folded already, if at all). */
  readonly graph: Graph;
  /** Its float weights (before fake quantization). */
  readonly weights: WeightArrays;
  /** Per-layer choices (wbits / abits / width), stored as metadata and checked. */
  readonly config: Configuration;
  /** The quant params the fake-quant evaluation used. */
  readonly quant: QuantState;
}

/** The files of an export, by name relative to the export directory. */
export interface ExportFiles {
  readonly files: Map<string, Uint8Array>;
}

function checkConfig(input: ExportInput): void {
  const { graph, config, quant } = input;
  for (const [layer, choice] of Object.entries(config.layers)) {
    const node = nodeByName(graph, layer);
    if (!isComputeNode(node)) {
      throw new RangeError(`Cannot export: config names "${layer}", a ${node.op}, not a layer`);
    }
    const p = quant.weights[layer]?.kernel;
    const bits = p?.bits ?? 32;
    if (bits !== choice.wbits) {
      throw new RangeError(
        `Cannot export "${layer}": config says wbits ${choice.wbits}, ` +
          `its kernel quant params have ${p === undefined ? "none (float)" : `${bits} bits`}`,
      );
    }
  }
  for (const [layer, named] of Object.entries(quant.weights)) {
    for (const name of Object.keys(named)) {
      if (input.weights[layer]?.[name as WeightName] === undefined) {
        throw new RangeError(`Cannot export: quant params for "${layer}/${name}", no such weight`);
      }
    }
  }
  for (const node of Object.keys(quant.activations)) nodeByName(graph, node);
}

/**
 * Builds the export's files. Quantized tensors (those with non-32-bit params in
 * `quant.weights`) are stored as packed codes + scales (+ zero points when not all zero);
 * all other tensors as float32. Throws a RangeError when the config and the quant params
 * disagree or a tensor does not fit its params. Needs an initialized tfjs backend (for the
 * topology).
 *
 * @example
 * ```ts
 * import { initBackend } from "../backend.ts";
 * import { buildExport } from "./build.ts";
 * await initBackend("cpu");
 * const graph = { name: "g", output: "fc", nodes: [
 *   { name: "in", op: "input", inputs: [], outShape: [2] },
 *   { name: "fc", op: "dense", inputs: ["in"], outShape: [1], units: 1, useBias: false, activation: "linear" },
 * ] } as const;
 * const weights = { fc: { kernel: { shape: [2, 1], data: new Float32Array([0.5, -1]) } } };
 * const quant = { weights: { fc: { kernel: { bits: 4, signed: true, scale: new Float32Array([0.125]), zeroPoint: new Int32Array([0]) } } }, activations: {} } as const;
 * const { files } = await buildExport({ graph, weights, config: { layers: { fc: { wbits: 4, abits: 8, width: 1 } } }, quant });
 * console.assert(files.get("weights.bin")!.length === 1 + 4); // 2 packed 4-bit codes + 1 scale
 * ```
 */
export async function buildExport(input: ExportInput): Promise<ExportFiles> {
  checkConfig(input);
  const { graph } = input;
  const parts: Uint8Array[] = [];
  const manifest: tf.io.WeightsManifestEntry[] = [];
  const tensors: TensorRecord[] = [];
  let offset = 0;
  const segment = (bytes: Uint8Array): Segment => {
    const s = { file: WEIGHTS_BIN, offset, length: bytes.length, crc32: crc32(bytes) };
    parts.push(bytes);
    offset += bytes.length;
    return s;
  };
  for (const layer of Object.keys(input.weights)) nodeByName(graph, layer);
  for (const node of graph.nodes) {
    const named = input.weights[node.name];
    if (named === undefined) continue;
    for (const name of WEIGHT_NAMES) {
      const w = named[name];
      if (w === undefined) continue;
      const params: QParams | undefined = input.quant.weights[node.name]?.[name];
      const keras = kerasWeightName(node.name, name, node.op === "depthwise");
      const enc = encodeTensor(node, name, w, params);
      if (enc.kind === "float32") {
        tensors.push({
          layer: node.name,
          name,
          shape: [...w.shape],
          encoding: "float32",
          data: segment(enc.bytes),
        });
        manifest.push({ name: keras, shape: [...w.shape], dtype: "float32" });
        continue;
      }
      const codes = segment(enc.codes);
      manifest.push({
        name: `${keras}/codes`,
        shape: [enc.codes.length],
        dtype: "int32",
        quantization: { dtype: "uint8", scale: 1, min: 0 },
      });
      const scale = segment(enc.scale);
      manifest.push({ name: `${keras}/scale`, shape: [enc.scale.length / 4], dtype: "float32" });
      const zeroPoint = enc.zeroPoint === null ? null : segment(enc.zeroPoint);
      if (enc.zeroPoint !== null) {
        manifest.push({
          name: `${keras}/zero_point`,
          shape: [enc.zeroPoint.length / 4],
          dtype: "int32",
        });
      }
      tensors.push({
        layer: node.name,
        name,
        shape: [...w.shape],
        encoding: "packed",
        bits: enc.params.bits,
        signed: enc.params.signed,
        viewShape: enc.viewShape,
        axis: enc.params.axis ?? null,
        codes,
        scale,
        zeroPoint,
      });
    }
  }
  const weightsBin = new Uint8Array(offset);
  let at = 0;
  for (const p of parts) {
    weightsBin.set(p, at);
    at += p.length;
  }
  const modelJson: ModelJson & { userDefinedMetadata: unknown } = {
    modelTopology: topologyFromGraph(graph),
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: manifest }],
    format: "layers-model",
    generatedBy: `Tailor ${FORMAT_VERSION}`,
    convertedBy: null,
    userDefinedMetadata: { tailor: { format: FORMAT_VERSION, metadata: TAILOR_JSON } },
  };
  const modelBytes = new TextEncoder().encode(JSON.stringify(modelJson));
  const activations = Object.fromEntries(
    Object.entries(input.quant.activations).map(([k, p]) => [k, qparamsToJson(p)]),
  );
  const body: TailorBody = {
    graph,
    config: input.config,
    biasEncoding: "float32",
    files: [
      { path: MODEL_JSON, bytes: modelBytes.length, sha256: await sha256Hex(modelBytes) },
      { path: WEIGHTS_BIN, bytes: weightsBin.length, sha256: await sha256Hex(weightsBin) },
    ],
    tensors,
    activations,
  };
  const bodyText = JSON.stringify(body);
  const tailor: TailorJson = {
    format: FORMAT_VERSION,
    bodySha256: await sha256Hex(new TextEncoder().encode(bodyText)),
    body,
  };
  const files = new Map<string, Uint8Array>([
    [MODEL_JSON, modelBytes],
    [WEIGHTS_BIN, weightsBin],
    [TAILOR_JSON, new TextEncoder().encode(JSON.stringify(tailor))],
  ]);
  return { files };
}
