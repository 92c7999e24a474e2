/**
 * Integer quantization of float32 arrays (for export): `quantizeArray` gives the integer
 * codes, `dequantizeArray` maps them back, and `dequantize(quantize(x))` equals
 * `fakeQuant(x)` bit for bit (same float32 reciprocal, product and rounding).
 *
 * @module
 */
import { checkQParams, type QParams, quantRange, roundHalfEven } from "./qparams.ts";
import { inverseScales } from "./fake_quant.ts";

/** Integer codes of a tensor with the parameters that decode them. */
export interface QuantizedArray {
  /** One integer code per element, in `[qmin, qmax]`, row-major like the input. */
  readonly codes: Int32Array;
  /** Shape of the tensor. */
  readonly shape: readonly number[];
  /** Parameters the codes were made with. */
  readonly params: QParams;
}

/** Channel of each flat index: `floor(i / inner) % channels` (0 for per-tensor params). */
function channelIndexer(params: QParams, shape: readonly number[]): (i: number) => number {
  const { channels, axis } = checkQParams(params, shape);
  if (axis === undefined) return () => 0;
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  return (i) => Math.floor(i / inner) % channels;
}

function checkLength(length: number, shape: readonly number[]): void {
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== length) {
    throw new RangeError(`Cannot read ${length} values as shape [${shape}] (${size} elements)`);
  }
}

/**
 * Integer codes `clamp(round_half_even(x * inv_scale) + zp, qmin, qmax)` of `values`
 * (row-major, `shape`). Throws a RangeError for 32 bits (float is not integer-coded).
 *
 * @example
 * ```ts
 * import { quantizeArray } from "./int_quant.ts";
 * const params = { bits: 4, signed: false, scale: new Float32Array([0.5]), zeroPoint: new Int32Array([2]) } as const;
 * const q = quantizeArray(new Float32Array([-1, 0.75, 9]), [3], params);
 * console.assert(q.codes.join() === "0,4,15");
 * ```
 */
export function quantizeArray(
  values: Float32Array,
  shape: readonly number[],
  params: QParams,
): QuantizedArray {
  checkLength(values.length, shape);
  if (params.bits === 32) {
    throw new RangeError("Cannot integer-quantize to 32 bits: 32 bits means float");
  }
  const { qmin, qmax } = quantRange(params.bits, params.signed);
  const channelOf = channelIndexer(params, shape);
  const inv = inverseScales(params.scale);
  const codes = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const c = channelOf(i);
    const q = roundHalfEven(Math.fround(values[i]! * inv[c]!)) + params.zeroPoint[c]!;
    codes[i] = q < qmin ? qmin : q > qmax ? qmax : q;
  }
  return { codes, shape: [...shape], params };
}

/**
 * Float32 values `(code - zp) * scale` of integer codes.
 *
 * @example
 * ```ts
 * import { dequantizeArray, quantizeArray } from "./int_quant.ts";
 * const params = { bits: 8, signed: true, scale: new Float32Array([0.1]), zeroPoint: new Int32Array([0]) } as const;
 * const x = dequantizeArray(quantizeArray(new Float32Array([0.26]), [1], params));
 * console.assert(x[0] === Math.fround(3 * Math.fround(0.1)));
 * ```
 */
export function dequantizeArray(q: QuantizedArray): Float32Array {
  checkLength(q.codes.length, q.shape);
  const channelOf = channelIndexer(q.params, q.shape);
  const out = new Float32Array(q.codes.length);
  for (let i = 0; i < out.length; i++) {
    const c = channelOf(i);
    out[i] = (q.codes[i]! - q.params.zeroPoint[c]!) * q.params.scale[c]!;
  }
  return out;
}
