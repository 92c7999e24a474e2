import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { fakeQuant } from "../../../engine/quant/fake_quant.ts";
import { createLsqQuantizer } from "../../../engine/quant/lsq.ts";
import { SCALE_EPS } from "../../../engine/quant/qparams.ts";
import { gaussian } from "./_rand.ts";

await initBackend();

function close(a: number, b: number, tol = 1e-6): void {
  assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);
}

Deno.test("createLsqQuantizer() initialises s = 2 mean|v| / sqrt(Q_P)", () => {
  const w = tf.tensor1d([-1, 0.5, 2, -0.5]);
  const q = createLsqQuantizer(w, { bits: 4 }); // Q_P = 7, mean|v| = 1
  close(q.scale.dataSync()[0]!, 2 / Math.sqrt(7));
  close(q.gradScale, 1 / Math.sqrt(4 * 7), 1e-12);
  const u = createLsqQuantizer(w, { bits: 2, signed: false }); // Q_P = 3
  close(u.scale.dataSync()[0]!, 2 / Math.sqrt(3));
  const pc = createLsqQuantizer(tf.tensor2d([1, -4, 3, 0], [2, 2]), { bits: 8, axis: 1 });
  assert.deepEqual(pc.scale.shape, [1, 2]);
  close(pc.scale.dataSync()[0]!, 2 * 2 / Math.sqrt(127));
  close(pc.scale.dataSync()[1]!, 2 * 2 / Math.sqrt(127));
  [w, q, u, pc].forEach((t) => t.dispose());
});

Deno.test("LsqQuantizer.apply() equals fakeQuant() with its current qparams()", () => {
  const x = tf.tensor(gaussian(3, 96), [4, 4, 2, 3]);
  const q = createLsqQuantizer(x, { bits: 3, axis: 3 });
  const a = q.apply(x), b = fakeQuant(x, q.qparams());
  const plain = (t: tf.Tensor) => Array.from(t.dataSync(), (v) => v + 0); // -0 -> 0
  assert.deepEqual(plain(a), plain(b));
  assert.equal(q.qparams().axis, 3);
  [x, a, b].forEach((t) => t.dispose());
  q.dispose();
});

Deno.test("LSQ step-size gradient is round(v/s) - v/s inside, -Q_N below, Q_P above, times g", () => {
  const x = tf.tensor1d([0.3, 2.6, -20, 20]);
  const q = createLsqQuantizer(x, { bits: 3 }); // signed: [-4, 3]
  q.scale.assign(tf.scalar(1));
  const { grads } = tf.variableGrads(() => q.apply(x).sum() as tf.Scalar, [q.scale]);
  const expected = ((0 - 0.3) + (3 - 2.6) + -4 + 3) / Math.sqrt(4 * 3);
  close(grads[q.scale.name]!.dataSync()[0]!, expected, 1e-6);
  const dx = tf.grad((v: tf.Tensor) => q.apply(v).sum())(x);
  assert.deepEqual(Array.from(dx.dataSync()), [1, 1, 0, 0]);
  Object.values(grads).forEach((g) => g.dispose());
  [x, dx].forEach((t) => t.dispose());
  q.dispose();
});

Deno.test("LSQ per-channel gradient is reduced per channel", () => {
  const x = tf.tensor2d([0.3, 20, 2.6, -20], [2, 2]); // channel 0: 0.3, 2.6; channel 1: 20, -20
  const q = createLsqQuantizer(x, { bits: 3, axis: 1, gradScaleCount: 3 });
  q.scale.assign(tf.ones([1, 2]));
  const { grads } = tf.variableGrads(() => q.apply(x).sum() as tf.Scalar, [q.scale]);
  const g = grads[q.scale.name]!.dataSync();
  close(g[0]!, (-0.3 + 0.4) / Math.sqrt(9), 1e-6);
  close(g[1]!, (3 - 4) / Math.sqrt(9), 1e-6);
  Object.values(grads).forEach((t) => t.dispose());
  x.dispose();
  q.dispose();
});

Deno.test("LSQ training lowers the quantization error and clampScale() keeps s >= eps", () => {
  const x = tf.tensor1d(gaussian(5, 512));
  const q = createLsqQuantizer(x, { bits: 3 });
  q.scale.assign(tf.scalar(0.02)); // far too small: heavy clipping
  const loss = () => tf.tidy(() => tf.mean(tf.square(tf.sub(q.apply(x), x))) as tf.Scalar);
  const lossValue = () => {
    const l = loss();
    const v = l.dataSync()[0]!;
    l.dispose();
    return v;
  };
  const before = lossValue();
  const opt = tf.train.adam(0.05);
  const step = () => {
    opt.minimize(loss, false, [q.scale]);
    q.clampScale();
  };
  step(); // creates the optimizer's slots
  const tensorsBefore = tf.memory().numTensors;
  for (let i = 0; i < 60; i++) step();
  const after = lossValue();
  assert.ok(after < before / 4, `loss ${before} -> ${after}`);
  assert.equal(tf.memory().numTensors, tensorsBefore, "no tensor leaks per step");
  q.scale.assign(tf.scalar(-1));
  q.clampScale();
  assert.equal(q.scale.dataSync()[0], SCALE_EPS);
  x.dispose();
  q.dispose();
  opt.dispose();
});

Deno.test("createLsqQuantizer() rejects 32 bits and an axis outside the tensor", () => {
  const x = tf.tensor1d([1, 2]);
  assert.throws(() => createLsqQuantizer(x, { bits: 32 }), RangeError);
  assert.throws(() => createLsqQuantizer(x, { bits: 4, axis: 2 }), RangeError);
  x.dispose();
});
