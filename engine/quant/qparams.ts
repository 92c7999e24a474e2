/**
 * Quantization parameters (scale, zero point, integer range) and their computation from an
 * observed range, exactly as PyTorch's observers do it
 * (`torch/ao/quantization/observer.py::_calculate_qparams`), in float32 arithmetic.
 *
 * @module
 */

/** Bit-widths Tailor quantizes to; 32 means float (no quantization). */
export type BitWidth = 2 | 3 | 4 | 5 | 6 | 7 | 8 | 16 | 32;

/** Every supported bit-width, ascending. */
export const BIT_WIDTHS: readonly BitWidth[] = [2, 3, 4, 5, 6, 7, 8, 16, 32];

/** Smallest scale (`torch.finfo(torch.float32).eps`). */
export const SCALE_EPS: number = Math.fround(2 ** -23);

/**
 * Quantization parameters of one tensor: per tensor (one scale) or per channel along
 * `axis` (one scale per index of that axis).
 */
export interface QParams {
  /** Bit-width; 32 means float, every quantizer is then the identity. */
  readonly bits: BitWidth;
  /** Integer range: signed `[-2^(b-1), 2^(b-1)-1]` or unsigned `[0, 2^b-1]`. */
  readonly signed: boolean;
  /** Scales (float32), length 1 per tensor or one per channel. */
  readonly scale: Float32Array;
  /** Zero points (integers in the range), same length as `scale`. */
  readonly zeroPoint: Int32Array;
  /** Channel axis for per-channel parameters; absent for per-tensor parameters. */
  readonly axis?: number;
}

/** Options of {@linkcode computeQParams}. */
export interface QParamsOptions {
  /** Symmetric (zero point fixed) or affine (zero point fitted). */
  readonly symmetric: boolean;
  /** Integer range; @default symmetric (signed for symmetric, unsigned for affine) */
  readonly signed?: boolean;
  /** Channel axis when `min`/`max` hold one entry per channel; omit for per tensor. */
  readonly axis?: number;
}

/** True when `bits` is one of {@linkcode BIT_WIDTHS}. */
export function isBitWidth(bits: number): bits is BitWidth {
  return (BIT_WIDTHS as readonly number[]).includes(bits);
}

/** Throws a RangeError naming `bits` unless it is a supported bit-width. */
export function assertBitWidth(bits: number): asserts bits is BitWidth {
  if (!isBitWidth(bits)) {
    throw new RangeError(
      `Cannot quantize to ${bits} bits: expected one of ${BIT_WIDTHS.join(", ")}`,
    );
  }
}

/**
 * Integer range `{qmin, qmax}` of a bit-width: signed `[-2^(b-1), 2^(b-1)-1]`, unsigned
 * `[0, 2^b-1]`. Throws a RangeError for 32 bits (float has no integer range).
 *
 * @example
 * ```ts
 * import { quantRange } from "./qparams.ts";
 * console.assert(quantRange(4, true).qmin === -8 && quantRange(4, false).qmax === 15);
 * ```
 */
export function quantRange(bits: number, signed: boolean): { qmin: number; qmax: number } {
  assertBitWidth(bits);
  if (bits === 32) throw new RangeError("Cannot give an integer range for 32 bits (float)");
  return signed ? { qmin: -(2 ** (bits - 1)), qmax: 2 ** (bits - 1) - 1 } : {
    qmin: 0,
    qmax: 2 ** bits - 1,
  };
}

/** Round half to even (C `nearbyint` in the default rounding mode, `torch.round`). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x); // half up
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Parameters from observed ranges, as PyTorch's `_calculate_qparams` computes them (float32):
 * the range always includes 0 (`minNeg = min(min, 0)`, `maxPos = max(max, 0)`);
 * symmetric: `scale = max(-minNeg, maxPos) / ((qmax - qmin) / 2)`, zero point 0 for a
 * signed range and `2^(b-1)` for an unsigned one (torch's quint8 uses 128; with a custom
 * quint range torch would use `(qmin + qmax) // 2 = 2^(b-1) - 1` instead);
 * affine: `scale = (maxPos - minNeg) / (qmax - qmin)`,
 * `zp = clamp(qmin - round(minNeg / scale), qmin, qmax)`; scales are at least
 * {@linkcode SCALE_EPS}. Ranges that saw no data (`min = +Inf`, `max = -Inf`) give scale 1,
 * zero point 0, as torch does. For 32 bits the scale is 1 and the zero point 0 (unused).
 *
 * @example
 * ```ts
 * import { computeQParams } from "./qparams.ts";
 * const p = computeQParams([-1], [2], 8, { symmetric: false });
 * console.assert(p.zeroPoint[0] === 85); // 0 - round(-1 / (3 / 255))
 * ```
 */
export function computeQParams(
  min: ArrayLike<number>,
  max: ArrayLike<number>,
  bits: number,
  options: QParamsOptions,
): QParams {
  assertBitWidth(bits);
  if (min.length !== max.length || min.length === 0) {
    throw new RangeError(
      `Cannot compute qparams from ${min.length} minima and ${max.length} maxima`,
    );
  }
  if (options.axis === undefined && min.length !== 1) {
    throw new RangeError(`Cannot compute per-tensor qparams from ${min.length} ranges`);
  }
  const signed = options.signed ?? options.symmetric;
  const n = min.length;
  const scale = new Float32Array(n).fill(1);
  const zeroPoint = new Int32Array(n);
  const axisPart = options.axis === undefined ? {} : { axis: options.axis };
  if (bits === 32) return { bits, signed, scale, zeroPoint, ...axisPart };
  const { qmin, qmax } = quantRange(bits, signed);
  const f = Math.fround;
  for (let i = 0; i < n; i++) {
    const lo = f(min[i]!), hi = f(max[i]!);
    if (lo === Infinity && hi === -Infinity) continue; // nothing observed
    if (!(lo <= hi)) {
      throw new RangeError(`Cannot compute qparams from min ${lo} > max ${hi} (channel ${i})`);
    }
    const minNeg = Math.min(lo, 0), maxPos = Math.max(hi, 0);
    if (options.symmetric) {
      scale[i] = Math.max(f(Math.max(-minNeg, maxPos) / ((qmax - qmin) / 2)), SCALE_EPS);
      zeroPoint[i] = signed ? 0 : 2 ** (bits - 1);
    } else {
      const s = Math.max(f(f(maxPos - minNeg) / (qmax - qmin)), SCALE_EPS);
      scale[i] = s;
      const zp = qmin - roundHalfEven(f(minNeg / s));
      zeroPoint[i] = Math.min(Math.max(zp, qmin), qmax);
    }
  }
  return { bits, signed, scale, zeroPoint, ...axisPart };
}

/**
 * Checks that `params` fit a tensor of `shape` (axis in range, one scale per channel) and
 * returns the channel count (1 per tensor) and the normalized (non-negative) axis.
 */
export function checkQParams(
  params: QParams,
  shape: readonly number[],
): { channels: number; axis: number | undefined } {
  assertBitWidth(params.bits);
  if (params.scale.length !== params.zeroPoint.length) {
    throw new RangeError(
      `Cannot use ${params.scale.length} scales with ${params.zeroPoint.length} zero points`,
    );
  }
  if (params.axis === undefined) {
    if (params.scale.length !== 1) {
      throw new RangeError(`Cannot use ${params.scale.length} scales without a channel axis`);
    }
    return { channels: 1, axis: undefined };
  }
  const axis = params.axis < 0 ? params.axis + shape.length : params.axis;
  const channels = shape[axis];
  if (channels === undefined || axis < 0) {
    throw new RangeError(`Cannot use channel axis ${params.axis} on shape [${shape}]`);
  }
  if (params.scale.length !== channels) {
    throw new RangeError(
      `Cannot use ${params.scale.length} scales on axis ${params.axis} of shape [${shape}]`,
    );
  }
  return { channels, axis };
}
