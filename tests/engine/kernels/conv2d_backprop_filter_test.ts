import { assertMatchesCpu, CONV_CASES, PADS, seeded, tf } from "./_compare.ts";

Deno.test("Conv2DBackpropFilter on wasm matches cpu over strides, pads and odd sizes", async () => {
  for (const [xShape, k] of CONV_CASES) {
    const fShape = [k, k, xShape[3], 4] as [number, number, number, number];
    for (const strides of [1, 2]) {
      for (const pad of PADS) {
        await assertMatchesCpu(`x ${xShape} k${k} s${strides} ${JSON.stringify(pad)}`, () => {
          const x = tf.tensor4d(seeded(xShape, 1), xShape);
          const f = tf.tensor4d(seeded(fShape, 2), fShape);
          const y = tf.conv2d(x, f, strides, pad);
          const dy = tf.tensor4d(seeded(y.shape, 3), y.shape);
          return tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, {
            strides,
            pad,
            dataFormat: "NHWC",
            filterShape: fShape,
          }) as tf.Tensor;
        });
      }
    }
  }
});

Deno.test("tf.grads of conv2d w.r.t. the filter on wasm matches cpu", async () => {
  for (const strides of [1, 2]) {
    for (const pad of ["same", "valid"] as const) {
      await assertMatchesCpu(`grads s${strides} ${pad}`, () => {
        const x = tf.tensor4d(seeded([3, 9, 7, 3], 4), [3, 9, 7, 3]);
        const f = tf.tensor4d(seeded([3, 3, 3, 5], 5), [3, 3, 3, 5]);
        const conv = (a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad)));
        return tf.grads(conv)([x, f])[1] as tf.Tensor;
      });
    }
  }
});

Deno.test("Conv2DBackpropFilter on wasm handles NCHW data", async () => {
  await assertMatchesCpu("NCHW", () => {
    const x = tf.tensor4d(seeded([2, 7, 9, 3], 6), [2, 7, 9, 3]);
    const f = tf.tensor4d(seeded([3, 3, 3, 2], 7), [3, 3, 3, 2]);
    const y = tf.conv2d(x, f, 2, "same");
    const dy = tf.tensor4d(seeded(y.shape, 8), y.shape);
    return tf.engine().runKernel("Conv2DBackpropFilter", {
      x: tf.transpose(x, [0, 3, 1, 2]),
      dy: tf.transpose(dy, [0, 3, 1, 2]),
    }, { strides: 2, pad: "same", dataFormat: "NCHW", filterShape: [3, 3, 3, 2] }) as tf.Tensor;
  });
});

Deno.test("both Conv2DBackpropFilter formulations (im2col, batch-as-channels) match cpu", async () => {
  const { defaultFilterGradMode, setFilterGradMode } = await import(
    "../../../engine/kernels/conv2d_backprop_filter.ts"
  );
  try {
    for (const mode of ["im2col", "conv"] as const) {
      setFilterGradMode(() => mode);
      for (const [xShape, k] of CONV_CASES) {
        const fShape = [k, k, xShape[3], 3] as [number, number, number, number];
        for (const strides of [1, 2]) {
          for (const pad of PADS) {
            const label = `${mode} x ${xShape} k${k} s${strides} ${JSON.stringify(pad)}`;
            await assertMatchesCpu(label, () => {
              const x = tf.tensor4d(seeded(xShape, 1), xShape);
              const y = tf.conv2d(x, tf.zeros(fShape) as tf.Tensor4D, strides, pad);
              const dy = tf.tensor4d(seeded(y.shape, 3), y.shape);
              return tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, {
                strides,
                pad,
                dataFormat: "NHWC",
                filterShape: fShape,
              }) as tf.Tensor;
            });
          }
        }
      }
    }
  } finally {
    setFilterGradMode(defaultFilterGradMode);
  }
});
