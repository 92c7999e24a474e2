import assert from "node:assert/strict";
import { crc32, sha256Hex } from "../../../engine/export/checksum.ts";

const text = (s: string) => new TextEncoder().encode(s);

Deno.test("crc32() matches the zlib check values", () => {
  assert.equal(crc32(text("123456789")), 0xcbf43926);
  assert.equal(crc32(new Uint8Array()), 0);
  assert.equal(crc32(text("The quick brown fox jumps over the lazy dog")), 0x414fa339);
});

Deno.test("crc32() changes when one bit flips", () => {
  const a = text("tailor weights");
  const b = a.slice();
  b[3]! ^= 1;
  assert.notEqual(crc32(a), crc32(b));
});

Deno.test("sha256Hex() matches the FIPS 180-2 'abc' vector", async () => {
  assert.equal(
    await sha256Hex(text("abc")),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
});
