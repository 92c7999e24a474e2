import { assertMatchesCpu, CONV_CASES, PADS, seeded, tf } from "./_compare.ts";

Deno.test("Conv2DBackpropInput on wasm (conv of flipped filter) matches cpu", async () => {
  for (const [xShape, k] of CONV_CASES) {
    const fShape = [k, k, xShape[3], 4] as [number, number, number, number];
    for (const strides of [1, 2]) {
      for (const pad of PADS) {
        await assertMatchesCpu(`x ${xShape} k${k} s${strides} ${JSON.stringify(pad)}`, () => {
          const x = tf.tensor4d(seeded(xShape, 1), xShape);
          const f = tf.tensor4d(seeded(fShape, 2), fShape);
          const y = tf.conv2d(x, f, strides, pad);
          const dy = tf.tensor4d(seeded(y.shape, 3), y.shape);
          return tf.conv2dTranspose(dy, f, xShape, strides, pad);
        });
      }
    }
  }
});

Deno.test("tf.grads of conv2d w.r.t. the input on wasm matches cpu", async () => {
  for (const strides of [1, 2]) {
    for (const pad of ["same", "valid"] as const) {
      await assertMatchesCpu(`grads s${strides} ${pad}`, () => {
        const x = tf.tensor4d(seeded([3, 9, 7, 3], 4), [3, 9, 7, 3]);
        const f = tf.tensor4d(seeded([3, 3, 3, 5], 5), [3, 3, 3, 5]);
        const conv = (a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad)));
        return tf.grads(conv)([x, f])[0] as tf.Tensor;
      });
    }
  }
});

Deno.test("Conv2DBackpropInput on wasm handles NCHW data", async () => {
  await assertMatchesCpu("NCHW", () => {
    const f = tf.tensor4d(seeded([3, 3, 3, 2], 7), [3, 3, 3, 2]);
    const dy = tf.tensor4d(seeded([2, 2, 4, 5], 8), [2, 2, 4, 5]);
    return tf.engine().runKernel("Conv2DBackpropInput", { dy, filter: f }, {
      strides: 2,
      pad: "same",
      dataFormat: "NCHW",
      inputShape: [2, 3, 7, 9],
    }) as tf.Tensor;
  });
});
