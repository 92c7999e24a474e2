import assert from "node:assert/strict";
import { initBackend } from "../../../engine/backend.ts";
import { CLIP_BY_VALUE_GRAD } from "../../../engine/kernels/clip_by_value_grad.ts";
import { assertMatchesCpu, seeded, tf } from "./_compare.ts";

function clipGrad(shape: number[], lo: number, hi: number): () => tf.Tensor {
  return () => {
    // Values in [-4, 4) on a 0.25 grid, so some sit exactly on the bounds.
    const x = tf.round(tf.mul(tf.tensor(seeded(shape, 1), shape), 32)).div(4);
    const dy = tf.tensor(seeded(shape, 2), shape);
    return tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.clipByValue(a, lo, hi), dy)))(x);
  };
}

Deno.test("the ClipByValue gradient on wasm matches cpu, bounds included", async () => {
  for (
    const [shape, lo, hi] of [[[3, 7, 9, 5], 0, 1.5], [[1, 5, 5, 2], -1, 1], [[17], 0, 6]] as const
  ) {
    await assertMatchesCpu(`clip ${shape} [${lo}, ${hi}]`, clipGrad([...shape], lo, hi));
  }
});

Deno.test("the ClipByValue gradient passes dy exactly on [min, max] and zeros outside", async () => {
  await initBackend("wasm");
  const x = tf.tensor1d([-1, 0, 0.5, 6, 6.5, NaN]);
  const dy = tf.tensor1d([2, 3, 4, 5, 6, 7]);
  const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.clipByValue(a, 0, 6), dy)))(x);
  assert.deepEqual(Array.from(g.dataSync()), [0, 3, 4, 5, 0, 0]);
  tf.dispose([x, dy, g]);
});

Deno.test("the fused ClipByValue gradient kernel rejects mismatched shapes", async () => {
  await initBackend("wasm");
  const x = tf.zeros([2, 3]);
  const dy = tf.zeros([3, 2]);
  assert.throws(
    () =>
      tf.engine().runKernel(CLIP_BY_VALUE_GRAD, { x, dy }, { clipValueMin: 0, clipValueMax: 6 }),
    RangeError,
  );
  tf.dispose([x, dy]);
});

Deno.test("the Relu6 gradient on wasm matches cpu: dy where 0 < x <= 6", async () => {
  const compute = () => {
    // Values on a 0.5 grid over [-2, 8), so 0 and 6 both occur.
    const x = tf.round(tf.mul(tf.tensor(seeded([4, 9, 9, 3], 1), [4, 9, 9, 3]), 10)).mul(0.5).add(
      3,
    );
    const dy = tf.tensor(seeded([4, 9, 9, 3], 2), [4, 9, 9, 3]);
    return tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.relu6(a), dy)))(x);
  };
  await assertMatchesCpu("relu6", compute);
  await initBackend("wasm");
  const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.relu6(a), tf.tensor1d([2, 3, 4, 5, 6]))))(
    tf.tensor1d([-1, 0, 3, 6, 6.5]),
  );
  assert.deepEqual(Array.from(g.dataSync()), [0, 0, 4, 5, 0]);
});
