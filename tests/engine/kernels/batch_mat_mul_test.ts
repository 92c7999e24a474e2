import { assertMatchesCpu, seeded, tf } from "./_compare.ts";

Deno.test("BatchMatMul on wasm matches cpu with every transpose combination and batch", async () => {
  for (const batch of [1, 3]) {
    for (const transposeA of [false, true]) {
      for (const transposeB of [false, true]) {
        await assertMatchesCpu(`b${batch} tA=${transposeA} tB=${transposeB}`, () => {
          const aShape = transposeA ? [batch, 7, 5] : [batch, 5, 7];
          const bShape = transposeB ? [batch, 3, 7] : [batch, 7, 3];
          const a = tf.tensor3d(seeded(aShape, 1), aShape as [number, number, number]);
          const b = tf.tensor3d(seeded(bShape, 2), bShape as [number, number, number]);
          return tf.matMul(a, b, transposeA, transposeB);
        });
      }
    }
  }
});

Deno.test("tf.grads of a dense layer on wasm matches cpu", async () => {
  for (const which of [0, 1]) {
    await assertMatchesCpu(`grad ${which}`, () => {
      const x = tf.tensor2d(seeded([6, 9], 3), [6, 9]);
      const w = tf.tensor2d(seeded([9, 4], 4), [9, 4]);
      const f = (a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.square(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D)));
      return tf.grads(f)([x, w])[which] as tf.Tensor;
    });
  }
});
