/**
 * Dense bit packing of integer codes: `count` codes of `bits` bits each, one after the
 * other, in little-endian bit order (code `i` occupies stream bits `[i*bits, (i+1)*bits)`,
 * low bit first; stream bit `k` is bit `k % 8` of byte `floor(k / 8)`). Signed codes are
 * stored as `bits`-bit two's complement and sign-extended on unpacking. The last byte is
 * zero-padded, so a packed array holds `ceil(count * bits / 8)` bytes.
 *
 * @module
 */

/** Largest bit-width {@linkcode packCodes} accepts. */
export const MAX_PACK_BITS = 16;

function checkBits(bits: number): void {
  if (!Number.isInteger(bits) || bits < 1 || bits > MAX_PACK_BITS) {
    throw new RangeError(`Cannot pack ${bits}-bit codes: expected an integer in 1..16`);
  }
}

/** Integer range of a `bits`-bit code: signed two's complement or unsigned. */
export function codeRange(bits: number, signed: boolean): { min: number; max: number } {
  checkBits(bits);
  return signed ? { min: -(2 ** (bits - 1)), max: 2 ** (bits - 1) - 1 } : {
    min: 0,
    max: 2 ** bits - 1,
  };
}

/** Bytes that `count` packed codes of `bits` bits take: `ceil(count * bits / 8)`. */
export function packedByteLength(count: number, bits: number): number {
  checkBits(bits);
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`Cannot pack ${count} codes: expected a non-negative integer`);
  }
  return Math.ceil((count * bits) / 8);
}

/**
 * Packs integer codes densely at `bits` bits each (1..16). Throws a RangeError naming the
 * first code outside the signed / unsigned range of `bits`.
 *
 * @example
 * ```ts
 * import { packCodes } from "./bitpack.ts";
 * const bytes = packCodes(Int32Array.from([1, -1, 0]), 4, { signed: true });
 * console.assert(bytes.length === 2 && bytes[0] === 0xf1 && bytes[1] === 0x00);
 * ```
 */
export function packCodes(
  codes: ArrayLike<number>,
  bits: number,
  options: { readonly signed: boolean },
): Uint8Array {
  const { min, max } = codeRange(bits, options.signed);
  const out = new Uint8Array(packedByteLength(codes.length, bits));
  const mask = 2 ** bits - 1;
  let acc = 0; // pending bits, low first (< 8 + 16 bits: fits a 32-bit int)
  let filled = 0;
  let pos = 0;
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    if (!Number.isInteger(c) || c < min || c > max) {
      throw new RangeError(
        `Cannot pack code ${c} at index ${i} in ${bits} ${
          options.signed ? "signed" : "unsigned"
        } bits: expected ${min}..${max}`,
      );
    }
    acc |= (c & mask) << filled;
    filled += bits;
    while (filled >= 8) {
      out[pos++] = acc & 0xff;
      acc >>>= 8;
      filled -= 8;
    }
  }
  if (filled > 0) out[pos] = acc & 0xff;
  return out;
}

/**
 * Unpacks `count` codes of `bits` bits from `bytes` (as {@linkcode packCodes} wrote them),
 * sign-extending signed codes. Throws a RangeError when `bytes` is not exactly
 * `ceil(count * bits / 8)` long.
 *
 * @example
 * ```ts
 * import { packCodes, unpackCodes } from "./bitpack.ts";
 * const codes = Int32Array.from([3, -4, 0, 1, -1]);
 * const back = unpackCodes(packCodes(codes, 3, { signed: true }), 5, 3, { signed: true });
 * console.assert(back.join() === codes.join());
 * ```
 */
export function unpackCodes(
  bytes: Uint8Array,
  count: number,
  bits: number,
  options: { readonly signed: boolean },
): Int32Array {
  const expected = packedByteLength(count, bits);
  if (bytes.length !== expected) {
    throw new RangeError(
      `Cannot unpack ${count} ${bits}-bit codes from ${bytes.length} bytes: expected ${expected}`,
    );
  }
  const out = new Int32Array(count);
  const mask = 2 ** bits - 1;
  const signBit = 2 ** (bits - 1);
  let acc = 0;
  let filled = 0;
  let pos = 0;
  for (let i = 0; i < count; i++) {
    while (filled < bits) {
      acc |= bytes[pos++]! << filled;
      filled += 8;
    }
    const v = acc & mask;
    acc >>>= bits;
    filled -= bits;
    out[i] = options.signed && v >= signBit ? v - 2 * signBit : v;
  }
  return out;
}
