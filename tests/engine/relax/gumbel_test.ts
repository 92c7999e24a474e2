import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import {
  BANNED_LOGIT,
  entropy,
  gumbelNoise,
  gumbelSoftmax,
  sampleGate,
  straightThrough,
} from "../../../engine/relax/gumbel.ts";
import { createRng } from "../../../engine/rng.ts";

await initBackend("cpu");

Deno.test("Gumbel-max sampling picks each option as often as its softmax probability", () => {
  const logits = [0.5, -1, 1.5, 0];
  const z = logits.reduce((s, v) => s + Math.exp(v), 0);
  const p = logits.map((v) => Math.exp(v) / z);
  const rng = createRng(7);
  const counts = [0, 0, 0, 0];
  const draws = 20000;
  for (let i = 0; i < draws; i++) {
    const g = gumbelNoise(4, rng);
    let best = 0;
    for (let k = 1; k < 4; k++) if (logits[k]! + g[k]! > logits[best]! + g[best]!) best = k;
    counts[best]!++;
  }
  counts.forEach((c, k) => assert.ok(Math.abs(c / draws - p[k]!) < 0.012, `option ${k}`));
});

Deno.test("gumbelSoftmax() at a low temperature averages to the softmax over many seeded draws", () => {
  const logits = tf.tensor1d([1, 0, -1]);
  const rng = createRng(3);
  const sum = [0, 0, 0];
  const n = 3000;
  for (let i = 0; i < n; i++) {
    const y = gumbelSoftmax(logits, 0.05, gumbelNoise(3, rng));
    y.dataSync().forEach((v, k) => (sum[k]! += v));
    y.dispose();
  }
  const p = tf.softmax(logits).dataSync();
  sum.forEach((s, k) => assert.ok(Math.abs(s / n - p[k]!) < 0.03, `option ${k}: ${s / n}`));
  logits.dispose();
});

Deno.test("gumbelSoftmax() without noise is the tempered softmax and rejects tau <= 0", () => {
  const y = gumbelSoftmax(tf.tensor1d([0, Math.log(3)]), 1);
  assert.deepEqual(Array.from(y.dataSync()).map((v) => Math.round(v * 1e6) / 1e6), [0.25, 0.75]);
  assert.throws(() => gumbelSoftmax(tf.tensor1d([0]), 0), RangeError);
});

Deno.test("straightThrough() is one-hot forward and passes the gradient to the soft gate", () => {
  const soft = tf.tensor1d([0.2, 0.5, 0.3]);
  assert.deepEqual(Array.from(straightThrough(soft).dataSync()), [0, 1, 0]);
  const g = tf.grad((s: tf.Tensor) => tf.sum(tf.mul(straightThrough(s as tf.Tensor1D), [1, 2, 3])))(
    soft,
  );
  assert.deepEqual(Array.from(g.dataSync()), [1, 2, 3]);
});

Deno.test("sampleGate() with two paths lets gradients reach exactly two options", () => {
  const v = tf.variable(tf.tensor1d([0.1, 0.3, -0.2, 0.4, 0]));
  const rng = createRng(11);
  for (let i = 0; i < 5; i++) {
    const { grads } = tf.variableGrads(() => {
      const g = sampleGate(v as unknown as tf.Tensor1D, v.dataSync() as Float32Array, {
        tau: 1,
        rng,
        paths: 2,
      });
      assert.equal(Array.from(g.dataSync()).reduce((a, b) => a + b, 0), 1);
      return tf.sum(tf.mul(g, [1, 2, 3, 4, 5]));
    }, [v]);
    const nonzero = Array.from(grads[v.name]!.dataSync()).filter((x) => Math.abs(x) > 1e-9);
    assert.ok(nonzero.length <= 2, `step ${i}: ${nonzero.length} options got gradient`);
  }
});

Deno.test("sampleGate() never selects a banned option", () => {
  const logits = tf.tensor1d([0, BANNED_LOGIT, 0]);
  const rng = createRng(1);
  for (let i = 0; i < 50; i++) {
    for (const paths of ["all", 1, 2] as const) {
      const g = sampleGate(logits, logits.dataSync() as Float32Array, { tau: 1, rng, paths });
      assert.ok(g.dataSync()[1]! < 1e-6);
      g.dispose();
    }
  }
});

Deno.test("entropy() is log n for a uniform distribution and 0 for one-hot", () => {
  assert.ok(Math.abs(entropy([0.25, 0.25, 0.25, 0.25]) - Math.log(4)) < 1e-12);
  assert.equal(entropy([0, 1, 0]), 0);
});
