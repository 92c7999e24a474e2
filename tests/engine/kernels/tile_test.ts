import { assertMatchesCpu, seeded, tf } from "./_compare.ts";

Deno.test("Tile on wasm matches cpu for every axis repeated, float and int", async () => {
  const cases: Array<[number[], number[]]> = [
    [[1, 1, 1, 5], [3, 4, 2, 1]],
    [[2, 3, 1, 2], [2, 1, 3, 2]],
    [[3], [4]],
    [[2, 3], [1, 1]],
  ];
  for (const [shape, reps] of cases) {
    await assertMatchesCpu(
      `float ${shape} x ${reps}`,
      () => tf.tile(tf.tensor(seeded(shape, 1), shape), reps),
    );
    await assertMatchesCpu(
      `int ${shape} x ${reps}`,
      () =>
        tf.tile(tf.range(0, shape.reduce((a, b) => a * b, 1), 1, "int32").reshape(shape), reps)
          .toFloat(),
    );
  }
});

Deno.test("tf.grads of batch norm (uses Tile) on wasm matches cpu", async () => {
  await assertMatchesCpu("bn grads", () => {
    const x = tf.tensor4d(seeded([3, 5, 4, 6], 2), [3, 5, 4, 6]);
    const f = (a: tf.Tensor) => {
      const { mean, variance } = tf.moments(a, [0, 1, 2]);
      const y = tf.batchNorm(a, mean, variance, tf.zeros([6]), tf.ones([6]), 1e-3);
      return tf.sum(tf.mul(y, tf.tensor(seeded(y.shape, 7), y.shape)));
    };
    return tf.grad(f)(x);
  });
});
