import assert from "node:assert/strict";
import { leadingAxesCount } from "../../../engine/kernels/reduce_leading.ts";
import { assertMatchesCpu, seeded, tf } from "./_compare.ts";

Deno.test("leadingAxesCount() counts leading reduced axes and rejects other axis sets", () => {
  assert.equal(leadingAxesCount([0, 1, 2], [2, 3, 4, 5]), 3);
  assert.equal(leadingAxesCount([2, 0, 1], [2, 3, 4, 5]), 3);
  assert.equal(leadingAxesCount(0, [2, 3]), 1);
  assert.equal(leadingAxesCount([-4, -3], [2, 3, 4, 5]), 2, "negative axes");
  assert.equal(leadingAxesCount([0, 1, 2, 3], [2, 3, 4, 5]), 0, "all axes");
  assert.equal(leadingAxesCount([1, 2], [2, 3, 4, 5]), 0, "not leading");
  assert.equal(leadingAxesCount([0, 2], [2, 3, 4, 5]), 0, "gap");
});

// Sizes above the 4096-element threshold; channel counts with and without a remainder of 4.
const SHAPES: Array<[number, number, number, number]> = [
  [3, 19, 23, 7],
  [1, 33, 17, 8],
  [5, 11, 13, 1],
  [2, 64, 64, 3],
];

for (const op of ["sum", "mean"] as const) {
  Deno.test(`${op} over leading axes on wasm matches cpu (keepDims, 1-4 axes, odd sizes)`, async () => {
    for (const shape of SHAPES) {
      for (const axis of [[0, 1, 2], [0, 1], [0], [1, 0]]) {
        for (const keepDims of [false, true]) {
          await assertMatchesCpu(`${op} ${shape} axis ${axis} keep ${keepDims}`, () => {
            const x = tf.tensor4d(seeded(shape, 3), shape);
            const r = tf[op](x, axis, keepDims);
            assert.deepEqual(r.shape, tf.tidy(() => tf[op](tf.zeros(shape), axis, keepDims).shape));
            return r;
          });
        }
      }
    }
  });

  Deno.test(`${op} over other axes and int32 input on wasm still matches cpu`, async () => {
    const shape: [number, number, number, number] = [3, 19, 23, 7];
    for (const axis of [[1, 2], [3], [0, 3], [0, 1, 2, 3]]) {
      await assertMatchesCpu(`${op} ${shape} axis ${axis}`, () => {
        return tf[op](tf.tensor4d(seeded(shape, 4), shape), axis);
      });
    }
    await assertMatchesCpu(`${op} int32`, () => {
      const x = tf.cast(tf.mul(tf.tensor4d(seeded(shape, 5), shape), 100), "int32");
      return tf.cast(tf[op](x, [0, 1, 2]), "float32");
    });
  });
}
