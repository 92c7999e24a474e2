import assert from "node:assert/strict";
import { initBackend } from "../../../engine/backend.ts";
import { assertMatchesCpu, CONV_CASES, PADS, seeded, tf } from "./_compare.ts";

function gradCase(
  xShape: [number, number, number, number],
  fShape: [number, number, number, number],
  strides: number,
  pad: "same" | "valid" | tf.backend_util.ExplicitPadding,
) {
  return () => {
    const x = tf.tensor4d(seeded(xShape, 1), xShape);
    const f = tf.tensor4d(seeded(fShape, 2), fShape);
    const y = tf.depthwiseConv2d(x, f, strides, pad);
    const dy = tf.tensor4d(seeded(y.shape, 3), y.shape);
    const conv = (a: tf.Tensor, b: tf.Tensor) =>
      tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad);
    return tf.grads(conv)([x, f], dy)[0] as tf.Tensor;
  };
}

Deno.test("tf.grads of depthwiseConv2d w.r.t. the input on wasm matches cpu", async () => {
  for (const [xShape, k] of CONV_CASES) {
    for (const multiplier of [1, 2]) {
      const fShape = [k, k, xShape[3], multiplier] as [number, number, number, number];
      for (const strides of [1, 2]) {
        for (const pad of PADS) {
          const label = `x ${xShape} k${k} m${multiplier} s${strides} ${JSON.stringify(pad)}`;
          await assertMatchesCpu(label, gradCase(xShape, fShape, strides, pad));
        }
      }
    }
  }
});

Deno.test("DepthwiseConv2dNativeBackpropInput on wasm is the adjoint of a dilated depthwise conv", async () => {
  // The cpu kernel ignores dilations, so dilation 2 is checked by <dy, conv(x)> = <dx(dy), x>.
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
      const dx = tf.engine().runKernel("DepthwiseConv2dNativeBackpropInput", { dy, filter: f }, {
        strides: 1,
        dilations: 2,
        pad,
        inputShape: x.shape,
      }) as tf.Tensor;
      return [tf.sum(tf.mul(dy, y)).dataSync()[0], tf.sum(tf.mul(x, dx)).dataSync()[0]];
    }) as [number, number];
    assert.ok(
      Math.abs(lhs - rhs) < 1e-5 * Math.max(1, Math.abs(lhs)),
      `${fShape} ${pad}: ${lhs} vs ${rhs}`,
    );
  }
});
