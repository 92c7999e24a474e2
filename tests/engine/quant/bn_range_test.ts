import assert from "node:assert/strict";
import { rangeFromBatchNorm, tensorRange } from "../../../engine/quant/bn_range.ts";
import { gaussian } from "./_rand.ts";

Deno.test("rangeFromBatchNorm() gives beta ± k|gamma| per channel without activation", () => {
  const r = rangeFromBatchNorm({ gamma: [2, -0.5], beta: [1, -3], k: 3 });
  assert.deepEqual(Array.from(r.min), [-5, -4.5]);
  assert.deepEqual(Array.from(r.max), [7, -1.5]);
  assert.deepEqual(tensorRange(r), { min: -5, max: 7 });
});

Deno.test("rangeFromBatchNorm() clips at 0 after ReLU and at [0, 6] after ReLU6", () => {
  const relu = rangeFromBatchNorm({ gamma: [2, 1], beta: [1, -5], k: 3, activation: "relu" });
  assert.deepEqual(Array.from(relu.min), [0, 0]);
  assert.deepEqual(Array.from(relu.max), [7, 0]); // channel 1 is always off
  const r6 = rangeFromBatchNorm({ gamma: [2, 0.5], beta: [1, 7], k: 3, activation: "relu6" });
  assert.deepEqual(Array.from(r6.min), [0, 5.5]);
  assert.deepEqual(Array.from(r6.max), [6, 6]);
});

Deno.test("rangeFromBatchNorm() with the default k covers N(beta, gamma^2) samples", () => {
  const r = rangeFromBatchNorm({ gamma: [0.7], beta: [0.2] }); // k = 4
  const xs = gaussian(21, 100000, 0.2, 0.7);
  const outside = xs.filter((x) => x < r.min[0]! || x > r.max[0]!).length;
  assert.ok(outside < 20, `${outside} of 100000 outside`); // expected ~6
});

Deno.test("rangeFromBatchNorm() rejects mismatched lengths, k <= 0 and unknown activations", () => {
  assert.throws(() => rangeFromBatchNorm({ gamma: [1, 2], beta: [0] }), RangeError);
  assert.throws(() => rangeFromBatchNorm({ gamma: [1], beta: [0], k: 0 }), RangeError);
  assert.throws(
    () => rangeFromBatchNorm({ gamma: [1], beta: [0], activation: "softmax" as "relu" }),
    /softmax/,
  );
});
