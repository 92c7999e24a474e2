/**
 * Encoding and decoding of one tensor: float32 little-endian bytes, or bit-packed codes
 * with float32 scales and int32 zero points.
 *
 * @module
 */
import type { WeightArray, WeightName } from "../exec/weights.ts";
import { type GraphNode, isComputeNode } from "../models/ir.ts";
import { dequantizeArray, quantizeArray } from "../quant/int_quant.ts";
import type { QParams } from "../quant/qparams.ts";
import { channelView } from "../quant/weight_channels.ts";
import { packCodes, unpackCodes } from "./bitpack.ts";

/** An encoded tensor. */
export type EncodedTensor =
  | { readonly kind: "float32"; readonly bytes: Uint8Array }
  | {
    readonly kind: "packed";
    readonly codes: Uint8Array;
    readonly scale: Uint8Array;
    readonly zeroPoint: Uint8Array | null;
    readonly params: QParams;
    readonly viewShape: number[];
  };

/** Little-endian bytes of float32 values. */
export function float32Bytes(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return out;
}

/** Little-endian bytes of int32 values. */
export function int32Bytes(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setInt32(i * 4, values[i]!, true);
  return out;
}

/** float32 values of little-endian bytes. */
export function readFloat32(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** int32 values of little-endian bytes. */
export function readInt32(bytes: Uint8Array): Int32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Int32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt32(i * 4, true);
  return out;
}

/** The shape quant params of a weight apply to: the channel view for kernels. */
export function quantViewShape(
  node: GraphNode,
  name: WeightName,
  shape: readonly number[],
): number[] {
  if (name === "kernel" && isComputeNode(node)) return [...channelView(node.op, shape).shape];
  return [...shape];
}

/** Encodes one weight: packed when `params` has fewer than 32 bits, else float32. */
export function encodeTensor(
  node: GraphNode,
  name: WeightName,
  w: WeightArray,
  params: QParams | undefined,
): EncodedTensor {
  const size = w.shape.reduce((a, b) => a * b, 1);
  if (size !== w.data.length) {
    throw new RangeError(
      `Cannot export "${node.name}/${name}": ${w.data.length} values for shape [${w.shape}]`,
    );
  }
  if (params === undefined || params.bits === 32) {
    return { kind: "float32", bytes: float32Bytes(w.data) };
  }
  const viewShape = quantViewShape(node, name, w.shape);
  if (name === "kernel" && isComputeNode(node) && params.axis !== undefined) {
    const axis = channelView(node.op, w.shape).axis;
    if (params.axis !== axis && params.axis !== axis - viewShape.length) {
      throw new RangeError(
        `Cannot export "${node.name}/kernel" per channel along axis ${params.axis}: ` +
          `the output channels of a ${node.op} kernel are axis ${axis} of [${viewShape}]`,
      );
    }
  }
  const q = quantizeArray(w.data, viewShape, params);
  const zeroPoint = params.zeroPoint.every((z) => z === 0) ? null : int32Bytes(params.zeroPoint);
  return {
    kind: "packed",
    codes: packCodes(q.codes, params.bits, { signed: params.signed }),
    scale: float32Bytes(params.scale),
    zeroPoint,
    params,
    viewShape,
  };
}

/** Dequantizes packed codes: exactly `dequantizeArray(quantizeArray(w))`, i.e. fake quant. */
export function decodePacked(
  codeBytes: Uint8Array,
  count: number,
  params: QParams,
  viewShape: readonly number[],
): Float32Array {
  const codes = unpackCodes(codeBytes, count, params.bits, { signed: params.signed });
  return dequantizeArray({ codes, shape: viewShape, params });
}
