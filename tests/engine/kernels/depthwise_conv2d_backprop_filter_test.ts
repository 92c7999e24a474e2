import assert from "node:assert/strict";
import { initBackend } from "../../../engine/backend.ts";
import { assertMatchesCpu, CONV_CASES, PADS, seeded, tf } from "./_compare.ts";

Deno.test("DepthwiseConv2dNativeBackpropFilter on wasm matches cpu", async () => {
  for (const [xShape, k] of CONV_CASES) {
    for (const multiplier of [1, 2]) {
      const fShape = [k, k, xShape[3], multiplier] as [number, number, number, number];
      for (const strides of [1, 2]) {
        for (const pad of PADS) {
          const label = `x ${xShape} k${k} m${multiplier} s${strides} ${JSON.stringify(pad)}`;
          await assertMatchesCpu(label, () => {
            const x = tf.tensor4d(seeded(xShape, 1), xShape);
            const f = tf.tensor4d(seeded(fShape, 2), fShape);
            const y = tf.depthwiseConv2d(x, f, strides, pad);
            const dy = tf.tensor4d(seeded(y.shape, 3), y.shape);
            return tf.engine().runKernel("DepthwiseConv2dNativeBackpropFilter", { x, dy }, {
              strides,
              dilations: 1,
              pad,
              filterShape: fShape,
            }) as tf.Tensor;
          });
        }
      }
    }
  }
});

Deno.test("tf.grads of depthwiseConv2d w.r.t. the filter on wasm matches cpu", async () => {
  for (const strides of [1, 2]) {
    await assertMatchesCpu(`grads s${strides}`, () => {
      const x = tf.tensor4d(seeded([3, 9, 7, 3], 4), [3, 9, 7, 3]);
      const f = tf.tensor4d(seeded([3, 3, 3, 2], 5), [3, 3, 3, 2]);
      const conv = (a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.square(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, "same")));
      return tf.grads(conv)([x, f])[1] as tf.Tensor;
    });
  }
});

Deno.test("DepthwiseConv2dNativeBackpropFilter on wasm is the adjoint of a dilated depthwise conv", async () => {
  // The cpu kernel ignores dilations, so dilation 2 is checked by <dy, conv(x, f)> = <dW, f>.
  await initBackend("wasm");
  for (
    const [fShape, pad] of [[[3, 3, 2, 1], "same"], [[3, 3, 2, 2], "valid"], [
      [2, 2, 2, 2],
      "same",
    ]] as const
  ) {
    const [lhs, rhs] = tf.tidy(() => {
      const x = tf.tensor4d(seeded([3, 9, 7, 2], 1), [3, 9, 7, 2]);
      const f = tf.tensor4d(seeded(fShape, 2), [...fShape]);
      const y = tf.depthwiseConv2d(x, f, 1, pad, "NHWC", 2);
      const dy = tf.tensor4d(seeded(y.shape, 3), y.shape);
      const dw = tf.engine().runKernel("DepthwiseConv2dNativeBackpropFilter", { x, dy }, {
        strides: 1,
        dilations: 2,
        pad,
        filterShape: [...fShape],
      }) as tf.Tensor;
      return [tf.sum(tf.mul(dy, y)).dataSync()[0], tf.sum(tf.mul(f, dw)).dataSync()[0]];
    }) as [number, number];
    assert.ok(
      Math.abs(lhs - rhs) < 1e-5 * Math.max(1, Math.abs(lhs)),
      `${fShape} ${pad}: ${lhs} vs ${rhs}`,
    );
  }
});
