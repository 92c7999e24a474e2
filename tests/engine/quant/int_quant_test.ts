import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { fakeQuant } from "../../../engine/quant/fake_quant.ts";
import { dequantizeArray, quantizeArray } from "../../../engine/quant/int_quant.ts";
import { type BitWidth, computeQParams } from "../../../engine/quant/qparams.ts";
import { uniform } from "./_rand.ts";

await initBackend();

Deno.test("quantizeArray() gives clamped, tie-to-even integer codes with the zero point", () => {
  const params = {
    bits: 4,
    signed: false,
    scale: new Float32Array([0.5]),
    zeroPoint: new Int32Array([2]),
  } as const;
  const q = quantizeArray(new Float32Array([-1, 0.75, 9, 0.25, -5]), [5], params);
  assert.deepEqual(Array.from(q.codes), [0, 4, 15, 2, 0]);
  assert.deepEqual(Array.from(dequantizeArray(q)), [-1, 1, 6.5, 0, -1]);
});

Deno.test("quantizeArray() indexes channels along the axis (dense weights, axis 1)", () => {
  const params = {
    bits: 8,
    signed: true,
    scale: new Float32Array([1, 0.5]),
    zeroPoint: new Int32Array([0, 0]),
    axis: 1,
  } as const;
  const q = quantizeArray(new Float32Array([3, 3, -2, -2, 1000, -1000]), [3, 2], params);
  assert.deepEqual(Array.from(q.codes), [3, 6, -2, -4, 127, -128]);
});

Deno.test("dequantizeArray(quantizeArray(x)) equals fakeQuant(x) exactly", () => {
  const shape = [3, 3, 4, 5];
  const data = uniform(7, 180, -3, 3);
  const x = tf.tensor(data, shape);
  for (const bits of [2, 3, 4, 5, 6, 7, 8, 16] as BitWidth[]) {
    for (const symmetric of [true, false]) {
      const mins = [-2.5, -3, -1, 0, -0.4], maxs = [2, 1, 3, 0.3, 2.8];
      for (const axis of [undefined, 3]) {
        const p = axis === undefined
          ? computeQParams([-3], [3], bits, { symmetric })
          : computeQParams(mins, maxs, bits, { symmetric, axis });
        const expected = fakeQuant(x, p);
        const got = dequantizeArray(quantizeArray(data, shape, p));
        assert.deepEqual(
          Array.from(got, (v) => v + 0),
          Array.from(expected.dataSync(), (v) => v + 0),
          `${bits} bits symmetric=${symmetric} axis=${axis}`,
        );
        expected.dispose();
      }
    }
  }
  x.dispose();
});

Deno.test("quantizeArray() rejects 32 bits and a shape that does not match the data", () => {
  const p = computeQParams([-1], [1], 32, { symmetric: true });
  assert.throws(() => quantizeArray(new Float32Array(2), [2], p), RangeError);
  const p8 = computeQParams([-1], [1], 8, { symmetric: true });
  assert.throws(() => quantizeArray(new Float32Array(3), [2], p8), /shape \[2\]/);
});
