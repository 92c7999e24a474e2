/**
 * The "tailor-export/v1" format: an export directory holds
 *
 * - `model.json`: a standard tfjs layers-model file. `modelTopology` is the Keras topology
 *   of the (possibly pruned and folded) graph; `weightsManifest` describes every byte of
 *   `weights.bin` truthfully: float32 tensors under their Keras names (`conv1/bias`), and
 *   for a quantized tensor its packed codes as a uint8 byte array (`conv1/kernel/codes`),
 *   its scales (`conv1/kernel/scale`, float32) and, when not all zero, its zero points
 *   (`conv1/kernel/zero_point`, int32). Stock tfjs can read the topology and the bytes; it
 *   cannot load a quantized model as a LayersModel (the kernel names do not match), which
 *   fails loudly rather than giving a wrong model. A float-only export loads in stock tfjs.
 * - `weights.bin`: the segments in manifest order, unpadded, little-endian. Codes are bit
 *   packed (see `bitpack.ts`) at the tensor's bits. Biases and batch-norm parameters are
 *   float32 (so that loading gives exactly the values the fake-quant evaluation used).
 * - `tailor.json`: `{format, bodySha256, body}`; `bodySha256` is the SHA-256 of
 *   `JSON.stringify(body)`. The body holds the graph IR, the configuration (per layer
 *   wbits / abits / width), every stored tensor (quant params, segment offsets, lengths and
 *   CRC-32s), the activation quant params by node name (the node's output is fake-quantized
 *   with them), and each other file's length and SHA-256.
 *
 * @module
 */
import type { Configuration } from "../cost/config.ts";
import type { WeightArray, WeightName } from "../exec/weights.ts";
import type { Graph } from "../models/ir.ts";
import type { QParams } from "../quant/qparams.ts";

/** The format tag this module writes and reads. */
export const FORMAT_VERSION = "tailor-export/v1";

/** File of the Tailor metadata. */
export const TAILOR_JSON = "tailor.json";

/** Weights of a graph as raw float32 arrays, by layer and weight name. */
export type WeightArrays = Readonly<Record<string, Partial<Record<WeightName, WeightArray>>>>;

/** Quant params of weight tensors, by layer and weight name. */
export type WeightQParams = Readonly<Record<string, Partial<Record<WeightName, QParams>>>>;

/** What the fake-quant evaluation used: weight and activation quant params. */
export interface QuantState {
  /** Weight quant params (kernels; per-channel params along the `channelView` axis). */
  readonly weights: WeightQParams;
  /** Activation quant params by node name: that node's output is fake-quantized. */
  readonly activations: Readonly<Record<string, QParams>>;
}

/** A byte range of a data file with its CRC-32. */
export interface Segment {
  readonly file: string;
  readonly offset: number;
  readonly length: number;
  readonly crc32: number;
}

/** A tensor stored as float32. */
export interface FloatTensorRecord {
  readonly layer: string;
  readonly name: WeightName;
  readonly shape: readonly number[];
  readonly encoding: "float32";
  readonly data: Segment;
}

/** A tensor stored as bit-packed integer codes with scales and zero points. */
export interface PackedTensorRecord {
  readonly layer: string;
  readonly name: WeightName;
  readonly shape: readonly number[];
  readonly encoding: "packed";
  readonly bits: number;
  readonly signed: boolean;
  /** The shape the quant params apply to (`channelView` for kernels; else `shape`). */
  readonly viewShape: readonly number[];
  /** Channel axis of `viewShape`; null for per-tensor params. */
  readonly axis: number | null;
  readonly codes: Segment;
  /** float32 scales, one per channel (one per tensor). */
  readonly scale: Segment;
  /** int32 zero points; null when every zero point is 0 (symmetric signed). */
  readonly zeroPoint: Segment | null;
}

/** One stored tensor. */
export type TensorRecord = FloatTensorRecord | PackedTensorRecord;

/** Length and SHA-256 of one file of the export. */
export interface FileRecord {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** Quant params as JSON (float32 scales are exact as JSON numbers). */
export interface QParamsJson {
  readonly bits: number;
  readonly signed: boolean;
  readonly scale: readonly number[];
  readonly zeroPoint: readonly number[];
  readonly axis?: number;
}

/** The checksummed part of `tailor.json`. */
export interface TailorBody {
  readonly graph: Graph;
  readonly config: Configuration;
  /** How biases are stored: always float32 in v1. */
  readonly biasEncoding: "float32";
  readonly files: readonly FileRecord[];
  readonly tensors: readonly TensorRecord[];
  readonly activations: Readonly<Record<string, QParamsJson>>;
}

/** The whole `tailor.json`. */
export interface TailorJson {
  readonly format: string;
  readonly bodySha256: string;
  readonly body: TailorBody;
}

/** Quant params to JSON. */
export function qparamsToJson(p: QParams): QParamsJson {
  const base = {
    bits: p.bits,
    signed: p.signed,
    scale: Array.from(p.scale),
    zeroPoint: Array.from(p.zeroPoint),
  };
  return p.axis === undefined ? base : { ...base, axis: p.axis };
}

/** Quant params from JSON (scales become the same float32 values). */
export function qparamsFromJson(j: QParamsJson): QParams {
  const base = {
    bits: j.bits as QParams["bits"],
    signed: j.signed,
    scale: Float32Array.from(j.scale),
    zeroPoint: Int32Array.from(j.zeroPoint),
  };
  return j.axis === undefined ? base : { ...base, axis: j.axis };
}

const KERAS_NAMES: Readonly<Record<WeightName, string>> = {
  kernel: "kernel",
  bias: "bias",
  gamma: "gamma",
  beta: "beta",
  movingMean: "moving_mean",
  movingVariance: "moving_variance",
};

/** The Keras weight name of a tensor (`conv1/kernel`, `dw/depthwise_kernel`, `bn/moving_mean`). */
export function kerasWeightName(layer: string, name: WeightName, depthwise: boolean): string {
  const short = name === "kernel" && depthwise ? "depthwise_kernel" : KERAS_NAMES[name];
  return `${layer}/${short}`;
}
