import assert from "node:assert/strict";
import { compressTensor, decompressTensor, fromFloat16, toFloat16 } from "../../actors/fp16.ts";

Deno.test("toFloat16() keeps normal-range values within a relative error of 2^-11", () => {
  let seed = 1;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const xs = Float32Array.from({ length: 20000 }, () => {
    const mag = 2 ** (rand() * 29 - 14); // [2^-14, 2^15)
    return (rand() < 0.5 ? -1 : 1) * mag;
  });
  const back = fromFloat16(toFloat16(xs));
  for (let i = 0; i < xs.length; i++) {
    const rel = Math.abs(back[i]! - xs[i]!) / Math.abs(xs[i]!);
    assert.ok(rel <= 2 ** -11, `x=${xs[i]} -> ${back[i]} (relative error ${rel})`);
  }
});

Deno.test("toFloat16() keeps subnormal values within an absolute error of 2^-25", () => {
  const xs = Float32Array.from({ length: 1000 }, (_, i) => (i - 500) * 2 ** -24 / 37);
  const back = fromFloat16(toFloat16(xs));
  for (let i = 0; i < xs.length; i++) assert.ok(Math.abs(back[i]! - xs[i]!) <= 2 ** -25);
});

Deno.test("toFloat16() rounds to nearest even and maps overflow, infinity and NaN", () => {
  const xs = new Float32Array([
    1 + 2 ** -11,
    1 + 3 * 2 ** -11,
    65504,
    65520,
    1e6,
    -Infinity,
    NaN,
    -0,
    2 ** -25,
    3 * 2 ** -25,
  ]);
  const back = fromFloat16(toFloat16(xs));
  assert.equal(back[0], 1); // tie -> even mantissa
  assert.equal(back[1], 1 + 2 ** -9); // tie -> even mantissa (up)
  assert.equal(back[2], 65504);
  assert.equal(back[3], Infinity);
  assert.equal(back[4], Infinity);
  assert.equal(back[5], -Infinity);
  assert.ok(Number.isNaN(back[6]));
  assert.ok(Object.is(back[7], -0));
  assert.equal(back[8], 0); // half the smallest subnormal: tie -> even (0)
  assert.equal(back[9], 2 ** -23); // 1.5 smallest subnormals: tie -> even (2)
});

Deno.test("compressTensor() halves a float32 tensor and decompressTensor() restores it", () => {
  const t = {
    dtype: "float32" as const,
    shape: [2, 2],
    data: new Float32Array([0.5, -1, 2, 0.25]),
  };
  const c = compressTensor(t);
  assert.equal(c.dtype, "float16");
  assert.equal(c.data.byteLength, t.data.byteLength / 2);
  assert.deepEqual(decompressTensor(c), t);
  const i = { dtype: "int32" as const, shape: [1], data: new Int32Array([3]) };
  assert.equal(compressTensor(i), i);
});
