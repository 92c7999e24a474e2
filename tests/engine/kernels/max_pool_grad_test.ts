import { assertMatchesCpu, seeded, tf } from "./_compare.ts";

const CASES: Array<[[number, number, number, number], number, number]> = [
  [[3, 7, 9, 2], 2, 2],
  [[1, 8, 8, 3], 2, 2],
  [[3, 7, 9, 2], 3, 2],
  [[1, 9, 7, 2], 3, 1],
  [[3, 7, 9, 2], 2, 3],
];

Deno.test("MaxPoolGrad on wasm matches cpu, ties (relu zeros) going to the first maximum", async () => {
  for (const [xShape, k, strides] of CASES) {
    for (const pad of ["same", "valid"] as const) {
      for (const relu of [false, true]) {
        await assertMatchesCpu(`x ${xShape} k${k} s${strides} ${pad} relu=${relu}`, () => {
          const raw = tf.tensor4d(seeded(xShape, 5), xShape);
          const x = relu ? tf.relu(raw) : raw;
          const y = tf.maxPool(x, k, strides, pad);
          const dy = tf.tensor4d(seeded(y.shape, 3), y.shape);
          return tf.grad((a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, k, strides, pad))(x, dy);
        });
      }
    }
  }
});
