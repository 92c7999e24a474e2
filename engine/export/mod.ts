/**
 * The compressed-model export ("tailor-export/v1"): bit-packed integer weights with
 * per-channel scales and zero points, a stock tfjs `model.json` (topology + a manifest
 * describing the bytes) and `tailor.json` (graph, config, quant params, checksums).
 * Loading dequantizes to exactly the fake-quantized weights; a damaged export is an
 * {@linkcode ExportFormatError} naming the file.
 *
 * @example
 * ```ts ignore
 * import { exportModel, loadExport } from "./engine/export/mod.ts";
 * await exportModel("out/m", { graph, weights, config, quant });
 * const loaded = await loadExport("out/m");
 * ```
 *
 * @module
 */
export { codeRange, MAX_PACK_BITS, packCodes, packedByteLength, unpackCodes } from "./bitpack.ts";
export { crc32, sha256Hex } from "./checksum.ts";
export { ExportFormatError, type ExportProblem } from "./errors.ts";
export {
  type FileRecord,
  type FloatTensorRecord,
  FORMAT_VERSION,
  kerasWeightName,
  type PackedTensorRecord,
  qparamsFromJson,
  type QParamsJson,
  qparamsToJson,
  type QuantState,
  type Segment,
  TAILOR_JSON,
  type TailorBody,
  type TailorJson,
  type TensorRecord,
  type WeightArrays,
  type WeightQParams,
} from "./format.ts";
export { layersModelFromGraph, topologyFromGraph } from "./topology.ts";
export { buildExport, type ExportFiles, type ExportInput } from "./build.ts";
export { type LoadedExport, parseExport, parseTailorJson } from "./parse.ts";
export { exportModel, loadExport } from "./disk.ts";
export { activationQuantHooks } from "./activation_hooks.ts";
export { foldBatchNormsBackward, type FoldedGraph } from "./fold_graph.ts";
export { completeConfig, kernelQParams, minMaxQuantState } from "./min_max_state.ts";
export { exportInputOf } from "./from_quantized.ts";
