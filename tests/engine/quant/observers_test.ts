import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { fakeQuant } from "../../../engine/quant/fake_quant.ts";
import { MseObserver } from "../../../engine/quant/mse_observer.ts";
import { MinMaxObserver, type Observer } from "../../../engine/quant/observer.ts";
import { PercentileObserver } from "../../../engine/quant/percentile_observer.ts";
import { computeQParams, type QParams } from "../../../engine/quant/qparams.ts";
import { gaussian, uniform } from "./_rand.ts";

await initBackend();

function observe(obs: Observer, data: Float32Array, shape: number[] = [data.length]): void {
  const t = tf.tensor(data, shape);
  obs.observe(t);
  t.dispose();
}

function quantMse(data: Float32Array, p: QParams): number {
  return tf.tidy(() => {
    const x = tf.tensor1d(data);
    return tf.mean(tf.square(tf.sub(fakeQuant(x, p), x))).dataSync()[0]!;
  });
}

Deno.test("MinMaxObserver tracks the running min and max over batches", () => {
  const obs = new MinMaxObserver();
  observe(obs, Float32Array.from([0.5, -1, 2]));
  observe(obs, Float32Array.from([3, 0]));
  const { min, max } = obs.range();
  assert.deepEqual([min[0], max[0]], [-1, 3]);
  assert.deepEqual(
    obs.qparams(8, { symmetric: false }),
    computeQParams([-1], [3], 8, { symmetric: false }),
  );
  obs.reset();
  assert.equal(obs.qparams(8, { symmetric: true }).scale[0], 1); // nothing observed
});

Deno.test("MinMaxObserver per channel (NHWC axis 3) gives per-channel and per-tensor qparams", () => {
  const obs = new MinMaxObserver({ axis: 3 });
  observe(obs, Float32Array.from([1, -2, 0.5, 4, 0, -1]), [2, 1, 1, 3]);
  const p = obs.qparams(4, { symmetric: true, perChannelAxis: 3 });
  assert.deepEqual(p, computeQParams([0, -2, -1], [4, 0, 0.5], 4, { symmetric: true, axis: 3 }));
  const t = obs.qparams(4, { symmetric: true });
  assert.deepEqual(t, computeQParams([-2], [4], 4, { symmetric: true }));
  assert.throws(() => obs.qparams(4, { symmetric: true, perChannelAxis: 1 }), /watched axis 3/);
  assert.throws(() => observe(obs, new Float32Array(4), [1, 1, 1, 4]), RangeError);
});

Deno.test("PercentileObserver clips at the requested percentile of uniform data", () => {
  const obs = new PercentileObserver({ percentile: 99 });
  const data = Float32Array.from({ length: 10000 }, (_, i) => i);
  observe(obs, data.subarray(0, 5000));
  observe(obs, data.subarray(5000)); // grows the histogram range
  const p = obs.qparams(8, { symmetric: false });
  const hi = p.scale[0]! * 255; // affine, min clipped at ~100 -> range includes 0
  assert.ok(Math.abs(hi - 9900) < 10, `upper clip ${hi}`);
  assert.equal(p.zeroPoint[0], 0);
});

Deno.test("PercentileObserver ignores a rare outlier that min-max follows", () => {
  const data = new Float32Array(20001);
  data.set(gaussian(1, 20000));
  data[20000] = 1000;
  const pct = new PercentileObserver(), mm = new MinMaxObserver();
  observe(pct, data);
  observe(mm, data);
  const ps = pct.qparams(8, { symmetric: true }).scale[0]!;
  assert.ok(ps * 127.5 < 6, `percentile clip ${ps * 127.5}`);
  assert.equal(mm.qparams(8, { symmetric: true }).scale[0], Math.fround(1000 / 127.5));
});

Deno.test("PercentileObserver keeps counts exact when the range grows downward and upward", () => {
  const obs = new PercentileObserver({ percentile: 75, bins: 64 });
  observe(obs, uniform(2, 1000, 0, 1));
  observe(obs, uniform(3, 1000, -100, -99));
  observe(obs, uniform(4, 2000, 0, 1));
  // 1000 of 4000 values lie in [-100, -99]: the 25% quantile is the top of that block
  const p = obs.qparams(8, { symmetric: false });
  const lo = -p.zeroPoint[0]! * p.scale[0]!;
  assert.ok(lo < -98 && lo > -101, `lower clip ${lo}`);
});

Deno.test("MseObserver clips heavy tails at low bits and beats min-max on the data's MSE", () => {
  const data = new Float32Array(8001);
  data.set(gaussian(9, 8000));
  data[8000] = 12;
  const mse = new MseObserver(), mm = new MinMaxObserver();
  observe(mse, data);
  observe(mm, data);
  const pm = mse.qparams(4, { symmetric: true }), pmm = mm.qparams(4, { symmetric: true });
  assert.ok(pm.scale[0]! < pmm.scale[0]! / 2, `${pm.scale[0]} vs ${pmm.scale[0]}`);
  assert.ok(quantMse(data, pm) < quantMse(data, pmm) / 3);
});

Deno.test("MseObserver keeps (nearly) the full range of uniform data at 8 bits", () => {
  const data = uniform(11, 5000, -1, 1);
  const mse = new MseObserver();
  observe(mse, data);
  const p = mse.qparams(8, { symmetric: true });
  assert.ok(p.scale[0]! * 127.5 > 0.95, `range ${p.scale[0]! * 127.5}`);
});

Deno.test("MseObserver per channel gives scales proportional to each channel's spread", () => {
  const n = 4000;
  const g = gaussian(13, 2 * n);
  const data = Float32Array.from(g, (v, i) => (i % 2 === 0 ? v : v * 10)); // [n, 2]
  const obs = new MseObserver({ axis: 1 });
  observe(obs, data, [n, 2]);
  const p = obs.qparams(4, { symmetric: true, perChannelAxis: 1 });
  const ratio = p.scale[1]! / p.scale[0]!;
  assert.ok(ratio > 8 && ratio < 12.5, `ratio ${ratio}`);
  assert.throws(() => obs.qparams(4, { symmetric: true }), /built per channel/);
});

Deno.test("histogram observers reject bad options and unobserved qparams are torch's defaults", () => {
  assert.throws(() => new PercentileObserver({ percentile: 40 }), RangeError);
  assert.throws(() => new MseObserver({ grid: 0 }), RangeError);
  assert.throws(() => new MseObserver({ bins: 3 }), RangeError);
  const p = new MseObserver().qparams(8, { symmetric: false });
  assert.deepEqual([p.scale[0], p.zeroPoint[0]], [1, 0]);
  const obs = new PercentileObserver();
  observe(obs, new Float32Array(10)); // all zeros
  assert.equal(obs.qparams(8, { symmetric: true }).zeroPoint[0], 0);
  assert.throws(() => obs.qparams(8, { symmetric: true, perChannelAxis: 0 }), /per tensor/);
});
