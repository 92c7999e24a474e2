import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { fakeQuant, fakeQuantMask } from "../../../engine/quant/fake_quant.ts";
import { computeQParams, type QParams, roundHalfEven } from "../../../engine/quant/qparams.ts";
import { fakeQuantWeight } from "../../../engine/quant/weight_channels.ts";

await initBackend();

/** Values of a tensor as a plain array, -0 normalized to 0, then disposed. */
function values(t: tf.Tensor): number[] {
  const v = Array.from(t.dataSync(), (x) => x + 0);
  t.dispose();
  return v;
}

function params(
  bits: QParams["bits"],
  signed: boolean,
  scale: number[],
  zeroPoint: number[] = scale.map(() => 0),
  axis?: number,
): QParams {
  const p = {
    bits,
    signed,
    scale: Float32Array.from(scale),
    zeroPoint: Int32Array.from(zeroPoint),
  };
  return axis === undefined ? p : { ...p, axis };
}

Deno.test("fakeQuant() rounds ties x*inv_scale = 0.5, 1.5, 2.5, -0.5, -1.5 to even", () => {
  const x = tf.tensor1d([0.25, 0.75, 1.25, -0.25, -0.75, -1.25, 1.75]);
  assert.deepEqual(values(fakeQuant(x, params(8, true, [0.5]))), [0, 1, 1, 0, -1, -1, 2]);
  x.dispose();
});

Deno.test("fakeQuant() clamps at qmin and qmax of a signed 4-bit range", () => {
  const x = tf.tensor1d([10, -10, 3.5, -4, 3.8]);
  const p = params(4, true, [0.5]); // range [-8, 7]
  assert.deepEqual(values(fakeQuant(x, p)), [3.5, -4, 3.5, -4, 3.5]);
  assert.deepEqual(values(fakeQuantMask(x, p)), [0, 0, 1, 1, 0]);
  x.dispose();
});

Deno.test("fakeQuant() applies an asymmetric zero point on an unsigned range", () => {
  const x = tf.tensor1d([-1.5, -2, 0, 6, 7, 0.2]);
  const p = params(4, false, [0.5], [3]); // codes [0, 15] <-> [-1.5, 6]
  assert.deepEqual(values(fakeQuant(x, p)), [-1.5, -1.5, 0, 6, 6, 0]);
  assert.deepEqual(values(fakeQuantMask(x, p)), [1, 0, 1, 1, 0, 1]);
  x.dispose();
});

Deno.test("fakeQuant() quantizes conv weights [kh,kw,cin,cout] per channel on axis 3", () => {
  const w = tf.tensor4d([1.2, 1.2, -3.1, 5], [1, 1, 2, 2]);
  // channel 0 scale 0.5: 2.4 -> 2, -6.2 -> -6; channel 1 scale 2: 0.6 -> 1, 2.5 -> 2
  const y = fakeQuant(w, params(8, true, [0.5, 2], [0, 0], 3));
  assert.deepEqual(values(y), [1, 2, -3, 4]);
  w.dispose();
});

Deno.test("fakeQuant() quantizes dense weights [in,units] per channel on axis 1", () => {
  const w = tf.tensor2d([0.26, 0.26, 0.26, -0.74, -0.74, -0.74], [2, 3]);
  const y = fakeQuant(w, params(8, false, [0.1, 0.2, 0.5], [10, 5, 2], 1));
  // 2.6->3, 1.3->1, 0.52->1 ; -7.4->-7, -3.7->-4, -1.48->-1; codes +zp, all in range
  const f = Math.fround;
  assert.deepEqual(values(y), [
    f(3 * f(0.1)),
    f(1 * f(0.2)),
    0.5,
    f(-7 * f(0.1)),
    f(-4 * f(0.2)),
    -0.5,
  ]);
  w.dispose();
});

Deno.test("fakeQuantWeight() treats depthwise channels as cin * mult, channel c*mult+m", () => {
  const w = tf.tensor4d([1, 1, 1, 1, 2, 2, 2, 2], [1, 2, 2, 2]); // [kh=1,kw=2,cin=2,mult=2]
  const p = params(8, true, [1, 0.75, 3, 4], [0, 0, 0, 0], 2);
  const f = Math.fround;
  const inv = (s: number) => f(1 / s);
  const q = (x: number, s: number) => roundHalfEven(f(x * inv(s))) * s;
  assert.deepEqual(values(fakeQuantWeight(w, "depthwise", p)), [
    q(1, 1),
    q(1, 0.75),
    q(1, 3),
    q(1, 4),
    q(2, 1),
    q(2, 0.75),
    q(2, 3),
    q(2, 4),
  ]);
  assert.throws(() => fakeQuantWeight(w, "depthwise", { ...p, axis: 3 }), RangeError);
  w.dispose();
});

Deno.test("fakeQuant() at 32 bits is the identity, with gradient 1", () => {
  const x = tf.tensor1d([1e-7, 3.3, -1e30]);
  const p = params(32, true, [1]);
  assert.deepEqual(values(fakeQuant(x, p)), values(x.clone()));
  const g = tf.grad((v: tf.Tensor) => fakeQuant(v, p).sum())(x);
  assert.deepEqual(values(g), [1, 1, 1]);
  x.dispose();
});

Deno.test("fakeQuant() at 16 bits stays within half a step of the input", () => {
  const data = Float32Array.from({ length: 200 }, (_, i) => Math.sin(i * 1.7) * 3);
  const p = computeQParams([-3], [3], 16, { symmetric: true });
  const x = tf.tensor1d(data);
  const y = values(fakeQuant(x, p));
  const maxErr = Math.max(...y.map((v, i) => Math.abs(v - data[i]!)));
  assert.ok(maxErr <= p.scale[0]! / 2 + 1e-9, `max error ${maxErr}`);
  assert.ok(p.scale[0]! < 1e-4);
  x.dispose();
});

Deno.test("fakeQuant() passes the gradient straight through inside the range only", () => {
  const x = tf.tensor1d([-1.5, -2, 0, 6, 7, 0.2]);
  const p = params(4, false, [0.5], [3]);
  const g = tf.grad((v: tf.Tensor) => fakeQuant(v, p).mul(tf.scalar(3)).sum())(x);
  assert.deepEqual(values(g), [3, 0, 3, 3, 0, 3]);
  x.dispose();
});

Deno.test("fakeQuant() leaks no tensors across a gradient step", () => {
  const x = tf.tensor2d([0.1, -3, 2, 9], [2, 2]);
  const p = params(3, true, [0.5, 1], [0, 0], 1);
  const before = tf.memory().numTensors;
  tf.grad((v: tf.Tensor) => fakeQuant(v, p).square().sum())(x).dispose();
  fakeQuant(x, p).dispose();
  assert.equal(tf.memory().numTensors, before);
  x.dispose();
});

Deno.test("fakeQuant() rejects int tensors, unknown bit-widths and mismatched scales", () => {
  const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
  assert.throws(() => fakeQuant(x.toInt(), params(8, true, [1])), TypeError);
  assert.throws(() => fakeQuant(x, params(9 as QParams["bits"], true, [1])), RangeError);
  assert.throws(() => fakeQuant(x, params(8, true, [1, 1, 1], [0, 0, 0], 1)), RangeError);
  assert.throws(() => fakeQuant(x, params(8, true, [1, 1])), RangeError);
  x.dispose();
});
