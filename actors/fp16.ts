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

function floatBitsToHalf(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 112; // rebias 127 -> 15
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1))) half++; // a carry may reach Infinity
  return sign | half;
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
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < bits.length; i++) out[i] = floatBitsToHalf(bits[i]!);
  return out;
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
