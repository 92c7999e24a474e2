import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { hutchinsonTraces } from "../../../engine/sensitivity/hutchinson.ts";

await initBackend();

/** L(θ) = ½ θᵀAθ over two blocks (sizes 6 and 4) with a dense symmetric A. */
function quadratic(seed: number) {
  const a = tf.tidy(() => {
    const m = tf.randomNormal([10, 10], 0, 1, "float32", seed);
    return tf.add(tf.matMul(m, m, false, true), tf.eye(10)); // SPD
  });
  const diag = a.arraySync() as number[][];
  const trace = (lo: number, hi: number) =>
    diag.slice(lo, hi).reduce((s, r, i) => s + r[lo + i]!, 0);
  const grad = ([p, q]: tf.Tensor[]) =>
    tf.tidy(() => {
      const g = tf.matMul(a, tf.concat([p!, q!]).reshape([10, 1])).reshape([10]);
      return [g.slice(0, 6), g.slice(6, 4)];
    });
  return { a, grad, traces: [trace(0, 6), trace(6, 10)] };
}

Deno.test("hutchinsonTraces() estimates each block's trace of a quadratic within 10%", () => {
  const { a, grad, traces } = quadratic(3);
  const params = [tf.randomNormal([6], 0, 1, "float32", 1), tf.zeros([4])];
  const r = hutchinsonTraces(grad, params, { eps: 1e-2, maxDraws: 400, minDraws: 400, seed: 7 });
  r.traces.forEach((t, i) => assert.ok(Math.abs(t / traces[i]! - 1) < 0.1, `${t} vs ${traces[i]}`));
  assert.equal(r.draws, 400);
  assert.ok(r.variances.every((v) => v > 0));
  [a, ...params].forEach((t) => t.dispose());
});

Deno.test("hutchinsonTraces() stops early when the running mean has settled", () => {
  const d = tf.tensor1d([1, 2, 3]); // diagonal: every draw is exact
  const r = hutchinsonTraces(([t]) => [tf.mul(d, t!)], [tf.zeros([3])], {
    eps: 0.5,
    maxDraws: 100,
  });
  assert.ok(r.draws < 10, `took ${r.draws} draws`);
  assert.ok(Math.abs(r.traces[0]! - 6) < 1e-4);
  d.dispose();
});

Deno.test("hutchinsonTraces() keeps the tensor count constant", () => {
  const { a, grad } = quadratic(5);
  const params = [tf.zeros([6]), tf.zeros([4])];
  const before = tf.memory().numTensors;
  hutchinsonTraces(grad, params, { eps: 1e-2, maxDraws: 5 });
  assert.equal(tf.memory().numTensors, before);
  [a, ...params].forEach((t) => t.dispose());
});

Deno.test("hutchinsonTraces() rejects a non-positive step", () => {
  assert.throws(() => hutchinsonTraces(() => [], [tf.zeros([1])], { eps: 0 }), RangeError);
});
