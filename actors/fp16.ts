/**
 * Optional fp16 compression of gradients: float32 <-> IEEE 754 half precision, rounding to
 * nearest even. Halves the bytes of a gradient push at a relative error of at most 2^-11 for
 * magnitudes in [2^-14, 65504]; smaller magnitudes keep an absolute error of at most 2^-25,
 * larger ones become infinite.
 *
 * @module
 */
import type { WireTensor } from "./protocol.ts";

let table: Float32Array | null = null;

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/**
 * Rounds each float32 to the nearest half and returns the half bit patterns.
 *
 * @example
 * ```ts
 * import { fromFloat16, toFloat16 } from "./fp16.ts";
 * const back = fromFloat16(toFloat16(new Float32Array([1.5, -2, 65504])));
 * console.assert(back[0] === 1.5 && back[1] === -2 && back[2] === 65504);
 * ```
 */
export function toFloat16(values: Float32Array): Uint16Array {
  // The runtime's conversion (round to nearest even). The JavaScript conversion it replaced
  // gave the same bits on all 2^32 float32 patterns, NaN payloads included, 13x slower.
  const halves = new Float16Array(values);
  return new Uint16Array(halves.buffer, halves.byteOffset, halves.length);
}

/** Widens half bit patterns to float32 (exactly). */
export function fromFloat16(halves: Uint16Array): Float32Array {
  if (!table) {
    table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) table[h] = halfToFloat(h);
  }
  const t = table;
  const out = new Float32Array(halves.length);
  for (let i = 0; i < halves.length; i++) out[i] = t[halves[i]!]!;
  return out;
}

/** A float32 wire tensor as float16; other dtypes are returned unchanged. */
export function compressTensor(tensor: WireTensor): WireTensor {
  if (tensor.dtype !== "float32") return tensor;
  return { dtype: "float16", shape: tensor.shape, data: toFloat16(tensor.data as Float32Array) };
}

/** A float16 wire tensor as float32; other dtypes are returned unchanged. */
export function decompressTensor(tensor: WireTensor): WireTensor {
  if (tensor.dtype !== "float16") return tensor;
  return { dtype: "float32", shape: tensor.shape, data: fromFloat16(tensor.data as Uint16Array) };
}
