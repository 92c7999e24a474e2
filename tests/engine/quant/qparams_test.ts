import assert from "node:assert/strict";
import {
  computeQParams,
  quantRange,
  roundHalfEven,
  SCALE_EPS,
} from "../../../engine/quant/qparams.ts";

const f = Math.fround;

Deno.test("quantRange() gives signed [-2^(b-1), 2^(b-1)-1] and unsigned [0, 2^b-1]", () => {
  assert.deepEqual(quantRange(2, true), { qmin: -2, qmax: 1 });
  assert.deepEqual(quantRange(8, true), { qmin: -128, qmax: 127 });
  assert.deepEqual(quantRange(8, false), { qmin: 0, qmax: 255 });
  assert.deepEqual(quantRange(16, false), { qmin: 0, qmax: 65535 });
  assert.throws(() => quantRange(32, true), RangeError);
  assert.throws(() => quantRange(1, true), RangeError);
});

Deno.test("roundHalfEven() rounds ties to the even neighbour", () => {
  assert.deepEqual(
    [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6].map(roundHalfEven).map((v) => v + 0),
    [
      0,
      2,
      2,
      0,
      -2,
      -2,
      2,
      -3,
    ],
  );
});

Deno.test("computeQParams() affine: scale = range / (qmax - qmin), zp = qmin - round(min / scale)", () => {
  const p = computeQParams([-1], [2], 8, { symmetric: false });
  assert.equal(p.scale[0], f(3 / 255));
  assert.equal(p.zeroPoint[0], 85); // -round(-1 / (3/255)) = 85
  assert.equal(p.signed, false);
  assert.equal(p.axis, undefined);
  const s4 = computeQParams([-1], [0.5], 4, { symmetric: false, signed: true });
  assert.equal(s4.scale[0], f(1.5 / 15));
  assert.equal(s4.zeroPoint[0], 2); // -8 - round(-1 / 0.1) = -8 + 10
});

Deno.test("computeQParams() includes 0 in the range of all-positive or all-negative data", () => {
  const pos = computeQParams([2], [5], 8, { symmetric: false });
  assert.equal(pos.scale[0], f(5 / 255));
  assert.equal(pos.zeroPoint[0], 0);
  const neg = computeQParams([-2], [-1], 8, { symmetric: false });
  assert.equal(neg.scale[0], f(2 / 255));
  assert.equal(neg.zeroPoint[0], 255);
});

Deno.test("computeQParams() symmetric: scale = max|x| / ((qmax - qmin) / 2), zp 0 or 2^(b-1)", () => {
  const s = computeQParams([-3], [1], 8, { symmetric: true });
  assert.equal(s.scale[0], f(3 / 127.5));
  assert.equal(s.zeroPoint[0], 0);
  assert.equal(s.signed, true);
  const u = computeQParams([-3], [1], 8, { symmetric: true, signed: false });
  assert.equal(u.scale[0], f(3 / 127.5));
  assert.equal(u.zeroPoint[0], 128);
  const u4 = computeQParams([0], [3], 4, { symmetric: true, signed: false });
  assert.equal(u4.scale[0], f(3 / 7.5));
  assert.equal(u4.zeroPoint[0], 8);
});

Deno.test("computeQParams() keeps the scale >= float32 eps and handles unobserved ranges", () => {
  const z = computeQParams([0], [0], 8, { symmetric: false });
  assert.equal(z.scale[0], SCALE_EPS);
  assert.equal(SCALE_EPS, 1.1920928955078125e-7);
  assert.equal(z.zeroPoint[0], 0);
  const none = computeQParams([Infinity], [-Infinity], 8, { symmetric: true });
  assert.equal(none.scale[0], 1);
  assert.equal(none.zeroPoint[0], 0);
});

Deno.test("computeQParams() gives one scale per channel with an axis", () => {
  const p = computeQParams([-1, -2, 0], [1, 1, 4], 4, { symmetric: true, axis: 3 });
  assert.deepEqual(Array.from(p.scale), [f(1 / 7.5), f(2 / 7.5), f(4 / 7.5)]);
  assert.equal(p.axis, 3);
});

Deno.test("computeQParams() rejects bad bit-widths, min > max and mismatched arrays", () => {
  assert.throws(() => computeQParams([0], [1], 9, { symmetric: true }), RangeError);
  assert.throws(() => computeQParams([2], [1], 8, { symmetric: true }), /min 2 > max 1/);
  assert.throws(() => computeQParams([0, 0], [1], 8, { symmetric: true, axis: 0 }), RangeError);
  assert.throws(() => computeQParams([0, 0], [1, 1], 8, { symmetric: true }), RangeError);
});

Deno.test("computeQParams() at 32 bits gives unit scales (float, unused)", () => {
  const p = computeQParams([-5], [5], 32, { symmetric: true });
  assert.equal(p.bits, 32);
  assert.equal(p.scale[0], 1);
});
