import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { IdxFormatError, parseIdx } from "../../../engine/data/idx.ts";
import { createRng } from "../../../engine/rng.ts";
import { idxBytes } from "../../fixtures/idx_bytes.ts";

Deno.test("parseIdx() reads a 1-D ubyte array", () => {
  const arr = parseIdx(idxBytes(0x08, [4], [0, 9, 200, 255]), "l.idx");
  assert.deepEqual(arr.dims, [4]);
  assert.ok(arr.data instanceof Uint8Array);
  assert.deepEqual(Array.from(arr.data), [0, 9, 200, 255]);
});

Deno.test("parseIdx() reads a 3-D ubyte array in row-major order", () => {
  const values = Array.from({ length: 2 * 3 * 2 }, (_, i) => i * 10);
  const arr = parseIdx(idxBytes(0x08, [2, 3, 2], values), "img.idx");
  assert.deepEqual(arr.dims, [2, 3, 2]);
  assert.deepEqual(Array.from(arr.data), values);
});

Deno.test("parseIdx() decodes big-endian int32, int16, int8, float32 and float64", () => {
  const i32 = parseIdx(idxBytes(0x0c, [3], [-1, 0x01020304, -2147483648]), "a");
  assert.ok(i32.data instanceof Int32Array);
  assert.deepEqual(Array.from(i32.data), [-1, 0x01020304, -2147483648]);
  assert.deepEqual(Array.from(parseIdx(idxBytes(0x0b, [2], [-300, 300]), "b").data), [-300, 300]);
  assert.deepEqual(Array.from(parseIdx(idxBytes(0x09, [2], [-5, 5]), "c").data), [-5, 5]);
  const f32 = parseIdx(idxBytes(0x0d, [2, 2], [1.5, -0.25, 3, 1e-3]), "d");
  assert.ok(f32.data instanceof Float32Array);
  assert.deepEqual(Array.from(f32.data), Array.from(Float32Array.of(1.5, -0.25, 3, 1e-3)));
  assert.deepEqual(Array.from(parseIdx(idxBytes(0x0e, [1], [Math.PI]), "e").data), [Math.PI]);
});

Deno.test("parseIdx() inflates gzipped bytes", () => {
  const plain = idxBytes(0x08, [2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
  const arr = parseIdx(gzipSync(plain), "x.gz");
  assert.deepEqual(arr.dims, [2, 2, 2]);
  assert.deepEqual(Array.from(arr.data), [1, 2, 3, 4, 5, 6, 7, 8]);
});

Deno.test("parseIdx() with a limit keeps the first records and reports the file's dims", () => {
  const values = Array.from({ length: 5 * 4 }, (_, i) => i);
  const plain = idxBytes(0x08, [5, 2, 2], values);
  for (const bytes of [plain, gzipSync(plain)]) {
    const arr = parseIdx(bytes, "x", { limit: 2 });
    assert.deepEqual(arr.dims, [2, 2, 2]);
    assert.deepEqual(arr.fileDims, [5, 2, 2]);
    assert.deepEqual(Array.from(arr.data), values.slice(0, 8));
  }
  assert.equal(parseIdx(plain, "x", { limit: 9 }).fileDims, undefined);
});

Deno.test("parseIdx() with a limit inflates only a prefix of a large gzip stream", () => {
  const n = 5000;
  const rng = createRng(4); // incompressible, so the gzip stream is long
  const values = Array.from({ length: n * 64 }, () => rng.int(256));
  const gz = gzipSync(idxBytes(0x08, [n, 8, 8], values));
  const arr = parseIdx(gz, "big.gz", { limit: 3 });
  assert.deepEqual(Array.from(arr.data), values.slice(0, 3 * 64));
  // A corrupt tail is not read when a prefix suffices.
  const damaged = gz.slice();
  damaged.fill(0xff, gz.length - 200, gz.length - 8);
  assert.deepEqual(
    Array.from(parseIdx(damaged, "big.gz", { limit: 3 }).data),
    values.slice(0, 192),
  );
  assert.throws(() => parseIdx(damaged, "big.gz"), IdxFormatError);
});

function assertIdxError(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof IdxFormatError, `not an IdxFormatError: ${e}`);
    assert.equal(e.source, "data/bad-file.idx");
    assert.match(e.message, /data\/bad-file\.idx/);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

Deno.test("parseIdx() rejects a bad magic number, naming the file", () => {
  const bytes = idxBytes(0x08, [1], [1]);
  bytes[0] = 0x50;
  assertIdxError(() => parseIdx(bytes, "data/bad-file.idx"), /bad magic/, /0x50/);
});

Deno.test("parseIdx() rejects an unknown dtype code", () => {
  const bytes = idxBytes(0x08, [1], [1]);
  bytes[2] = 0x0a;
  assertIdxError(() => parseIdx(bytes, "data/bad-file.idx"), /unknown dtype code 0x0a/);
});

Deno.test("parseIdx() reports a truncated payload with expected and actual byte counts", () => {
  const bytes = idxBytes(0x08, [3, 2, 2], new Array(12).fill(1)).subarray(0, 25);
  assertIdxError(
    () => parseIdx(bytes, "data/bad-file.idx"),
    /truncated/,
    /expected 28 bytes/,
    /got 25/,
    /\[3, 2, 2\]/,
  );
});

Deno.test("parseIdx() reports a truncated header", () => {
  const bytes = idxBytes(0x08, [3, 2, 2], []).subarray(0, 9);
  assertIdxError(() => parseIdx(bytes, "data/bad-file.idx"), /truncated header/, /expected 16/);
  assertIdxError(() => parseIdx(new Uint8Array(2), "data/bad-file.idx"), /truncated header/);
});

Deno.test("parseIdx() rejects dims whose product does not match the payload (trailing bytes)", () => {
  const bytes = idxBytes(0x0c, [2], [1, 2, 3]);
  assertIdxError(() => parseIdx(bytes, "data/bad-file.idx"), /4 trailing bytes/, /expected 16/);
});

Deno.test("parseIdx() rejects a corrupt gzip stream", () => {
  const gz = gzipSync(idxBytes(0x08, [4], [1, 2, 3, 4]));
  assertIdxError(() => parseIdx(gz.subarray(0, gz.length - 12), "data/bad-file.idx"), /gzip/);
});

Deno.test("parseIdx() rejects a negative limit", () => {
  assert.throws(() => parseIdx(idxBytes(0x08, [1], [1]), "x", { limit: -1 }), RangeError);
});
