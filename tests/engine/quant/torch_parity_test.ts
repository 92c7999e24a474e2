/**
 * Bit-exact parity with PyTorch (fixture from tests/fixtures/torch_fake_quant.py, torch 1.13
 * `fake_quantize_per_{tensor,channel}_affine`, `MinMaxObserver`, `PerChannelMinMaxObserver`),
 * on the wasm and the cpu backends.
 */
import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { fakeQuant } from "../../../engine/quant/fake_quant.ts";
import { dequantizeArray, quantizeArray } from "../../../engine/quant/int_quant.ts";
import { computeQParams, type QParams } from "../../../engine/quant/qparams.ts";
import { MinMaxObserver } from "../../../engine/quant/observer.ts";

interface FqCase {
  bits: QParams["bits"];
  signed: boolean;
  scale: number | number[];
  zeroPoint: number | number[];
  x: number[];
  y: number[];
  grad: number[];
  shape?: number[];
  axis?: number;
}
interface ObsCase {
  data: number[];
  bits: number;
  symmetric: boolean;
  signed: boolean;
  scale: number[];
  zeroPoint: number[];
  shape?: number[];
  axis?: number;
}
const fixture = JSON.parse(
  await Deno.readTextFile(new URL("../../fixtures/torch_fake_quant.json", import.meta.url)),
) as { perTensor: FqCase[]; perChannel: FqCase[]; observers: ObsCase[] };

function paramsOf(c: FqCase): QParams {
  const scale = Float32Array.from([c.scale].flat());
  const zeroPoint = Int32Array.from([c.zeroPoint].flat());
  const p = { bits: c.bits, signed: c.signed, scale, zeroPoint };
  return c.axis === undefined ? p : { ...p, axis: c.axis };
}

function checkCase(c: FqCase, label: string): void {
  const p = paramsOf(c);
  const shape = c.shape ?? [c.x.length];
  const x = tf.tensor(c.x, shape, "float32");
  const [y, g] = tf.tidy(() => [
    fakeQuant(x, p).dataSync(),
    tf.grad((v: tf.Tensor) => fakeQuant(v, p).sum())(x).dataSync(),
  ]);
  assert.deepEqual(Array.from(y!, (v) => v + 0), c.y.map((v) => v + 0), `${label} values`);
  assert.deepEqual(Array.from(g!), c.grad, `${label} gradient mask`);
  const q = quantizeArray(Float32Array.from(c.x), shape, p);
  assert.deepEqual(Array.from(dequantizeArray(q), (v) => v + 0), c.y.map((v) => v + 0));
  x.dispose();
}

for (const backend of ["wasm", "cpu"] as const) {
  Deno.test(`fakeQuant() equals torch fake_quantize_per_tensor_affine bit for bit (${backend})`, async () => {
    await initBackend(backend);
    assert.ok(fixture.perTensor.length >= 10);
    fixture.perTensor.forEach((c, i) => checkCase(c, `per-tensor case ${i} (${c.bits} bits)`));
  });

  Deno.test(`fakeQuant() equals torch fake_quantize_per_channel_affine bit for bit (${backend})`, async () => {
    await initBackend(backend);
    fixture.perChannel.forEach((c, i) => checkCase(c, `per-channel case ${i} (axis ${c.axis})`));
  });
}

Deno.test("computeQParams() and MinMaxObserver equal torch's observers' calculate_qparams", async () => {
  await initBackend();
  assert.ok(fixture.observers.length > 50);
  fixture.observers.forEach((c, i) => {
    const data = Float32Array.from(c.data);
    const opts = { symmetric: c.symmetric, signed: c.signed };
    const label = `observer case ${i}: ${c.bits} bits ${JSON.stringify(opts)}`;
    const observer = new MinMaxObserver(c.axis === undefined ? {} : { axis: c.axis });
    const t = tf.tensor(data, c.shape ?? [data.length]);
    observer.observe(t);
    t.dispose();
    const p = observer.qparams(
      c.bits,
      c.axis === undefined ? opts : { ...opts, perChannelAxis: c.axis },
    );
    assert.deepEqual(Array.from(p.scale), c.scale, label);
    assert.deepEqual(Array.from(p.zeroPoint), c.zeroPoint, label);
    if (c.axis === undefined) {
      const direct = computeQParams([Math.min(...data)], [Math.max(...data)], c.bits, opts);
      assert.deepEqual(direct.scale, p.scale, label);
    }
  });
});
