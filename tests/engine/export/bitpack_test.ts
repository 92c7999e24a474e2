import assert from "node:assert/strict";
import {
  codeRange,
  packCodes,
  packedByteLength,
  unpackCodes,
} from "../../../engine/export/bitpack.ts";
import { createRng } from "../../../engine/rng.ts";

const WIDTHS = [2, 3, 4, 5, 6, 7, 8, 16];
const LENGTHS = [0, 1, 2, 3, 5, 7, 9, 13, 31, 101, 1001];

function randomCodes(seed: number, n: number, bits: number, signed: boolean): Int32Array {
  const rng = createRng(seed);
  const { min, max } = codeRange(bits, signed);
  return Int32Array.from({ length: n }, () => min + Math.floor(rng.next() * (max - min + 1)));
}

Deno.test("packCodes() then unpackCodes() returns random codes of every width and length", () => {
  let seed = 1;
  for (const bits of WIDTHS) {
    for (const signed of [true, false]) {
      for (const n of LENGTHS) {
        const codes = randomCodes(seed++, n, bits, signed);
        const bytes = packCodes(codes, bits, { signed });
        assert.equal(bytes.length, Math.ceil((n * bits) / 8), `${bits} bits, n=${n}`);
        assert.deepEqual(unpackCodes(bytes, n, bits, { signed }), codes, `${bits} bits ${n}`);
      }
    }
  }
});

Deno.test("packCodes() round-trips the extreme codes of every width", () => {
  for (const bits of WIDTHS) {
    for (const signed of [true, false]) {
      const { min, max } = codeRange(bits, signed);
      const codes = Int32Array.from([min, max, min, 0, max, max, min]);
      const back = unpackCodes(packCodes(codes, bits, { signed }), 7, bits, { signed });
      assert.deepEqual(back, codes, `${bits} bits signed=${signed}`);
    }
  }
});

Deno.test("packCodes() lays codes out low bit first, little-endian, zero-padded", () => {
  // 4-bit: code 0 in the low nibble of byte 0.
  assert.deepEqual([...packCodes([1, 2, 3], 4, { signed: false })], [0x21, 0x03]);
  // 3-bit unsigned 5, 6, 7 = 101, 110, 111 -> stream bits 101 011 111 (low first) -> 0xf5, 0x01.
  assert.deepEqual([...packCodes([5, 6, 7], 3, { signed: false })], [0xf5, 0x01]);
  // 2-bit signed -2, 1 = 10, 01 -> 0b0110.
  assert.deepEqual([...packCodes([-2, 1], 2, { signed: true })], [0x06]);
  // 16-bit signed -2 = 0xfffe, little-endian.
  assert.deepEqual([...packCodes([-2, 0x1234], 16, { signed: true })], [0xfe, 0xff, 0x34, 0x12]);
  // 8-bit signed -128 = 0x80.
  assert.deepEqual([...packCodes([-128, 127], 8, { signed: true })], [0x80, 0x7f]);
});

Deno.test("packCodes() rejects a code outside the range of its width, naming it", () => {
  assert.throws(() => packCodes([0, 8], 4, { signed: true }), /code 8 at index 1/);
  assert.throws(() => packCodes([-1], 4, { signed: false }), /code -1 at index 0/);
  assert.throws(() => packCodes([256], 8, { signed: false }), RangeError);
  assert.throws(() => packCodes([0.5], 8, { signed: false }), RangeError);
});

Deno.test("packCodes() rejects bit-widths outside 1..16", () => {
  assert.throws(() => packCodes([0], 0, { signed: false }), /0-bit/);
  assert.throws(() => packCodes([0], 17, { signed: false }), /17-bit/);
  assert.throws(() => packedByteLength(3, 32), RangeError);
});

Deno.test("unpackCodes() rejects a byte array of the wrong length", () => {
  const bytes = packCodes([1, 2, 3], 4, { signed: false });
  assert.throws(() => unpackCodes(bytes.subarray(0, 1), 3, 4, { signed: false }), /from 1 bytes/);
  assert.throws(() => unpackCodes(new Uint8Array(3), 3, 4, { signed: false }), /expected 2/);
});
