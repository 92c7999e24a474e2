import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import type { ComputeNode } from "../../../engine/models/ir.ts";
import { weightQParams } from "../../../engine/quant/calibrate.ts";
import { computeQParams, type QParams } from "../../../engine/quant/qparams.ts";
import { fakeQuantWeight } from "../../../engine/quant/weight_channels.ts";
import {
  channelQuantError,
  mseClipRanges,
  mseWeightQParams,
} from "../../../engine/quant/weight_clip.ts";
import { gaussian } from "./_rand.ts";

await initBackend("cpu");

const dense = (units: number): ComputeNode => ({
  name: "fc",
  op: "dense",
  inputs: ["in"],
  outShape: [units],
  units,
  useBias: false,
  activation: "linear",
});

/** Squared error of fake-quantizing `kernel` with `p`, per output channel (dense). */
function fakeQuantErrors(kernel: tf.Tensor2D, p: QParams): number[] {
  return tf.tidy(() => {
    const d = tf.sub(fakeQuantWeight(kernel, "dense", p), kernel);
    return Array.from(tf.sum(tf.square(d), 0).dataSync());
  });
}

Deno.test("mseWeightQParams() beats min-max on a heavy-tailed channel at 4 bits", () => {
  // channel 0: 255 normal weights and one 12-sigma outlier; channel 1: plain normal.
  const a = gaussian(1, 256, 0, 0.05), b = gaussian(2, 256, 0, 0.05);
  a[17] = 0.6;
  const data = new Float32Array(512);
  for (let i = 0; i < 256; i++) [data[2 * i], data[2 * i + 1]] = [a[i]!, b[i]!];
  const kernel = tf.tensor2d(data, [256, 2]);
  const mse = mseWeightQParams(dense(2), kernel, 4);
  const minmax = weightQParams(dense(2), kernel, 4, { observer: "minmax" });
  const [eMse, eMinMax] = [fakeQuantErrors(kernel, mse), fakeQuantErrors(kernel, minmax)];
  assert.ok(eMse[0]! < 0.9 * eMinMax[0]!, `mse ${eMse[0]} vs min-max ${eMinMax[0]}`);
  assert.ok(mse.scale[0]! < minmax.scale[0]!, "the outlier channel is clipped");
  assert.ok(eMse[1]! <= eMinMax[1]!, `mse ${eMse[1]} vs min-max ${eMinMax[1]}`);
  kernel.dispose();
});

Deno.test("channelQuantError() equals the squared error of fakeQuant with the same scale", () => {
  const data = gaussian(3, 64, 0, 1);
  const s = computeQParams([-1.3], [1.3], 4, { symmetric: true }).scale[0]!;
  const p: QParams = {
    bits: 4,
    signed: true,
    scale: Float32Array.of(s),
    zeroPoint: Int32Array.of(0),
  };
  const kernel = tf.tensor2d(data, [64, 1]);
  const want = fakeQuantErrors(kernel, p)[0]!;
  assert.ok(Math.abs(channelQuantError(data, 0, 1, s, 4) - want) < 1e-6 * Math.max(1, want));
  kernel.dispose();
});

Deno.test("mseClipRanges() never does worse than the full range, channel by channel", () => {
  const data = gaussian(4, 9 * 16, 0, 1); // a depthwise-like 3x3 kernel, 16 channels
  const { min, max } = mseClipRanges(data, 16, 4);
  for (let c = 0; c < 16; c++) {
    let m = 0;
    for (let i = c; i < data.length; i += 16) m = Math.max(m, Math.abs(data[i]!));
    const full = computeQParams([-m], [m], 4, { symmetric: true }).scale[0]!;
    const best = computeQParams([min[c]!], [max[c]!], 4, { symmetric: true }).scale[0]!;
    assert.equal(min[c], -max[c]!);
    assert.ok(max[c]! <= m && max[c]! > 0);
    assert.ok(channelQuantError(data, c, 16, best, 4) <= channelQuantError(data, c, 16, full, 4));
  }
});

Deno.test("mseClipRanges() keeps a zero channel at zero and rejects a bad split", () => {
  const { min, max } = mseClipRanges(new Float32Array(8), 2, 4);
  assert.deepEqual([...min, ...max].map(Math.abs), [0, 0, 0, 0]);
  assert.throws(() => mseClipRanges(new Float32Array(7), 2, 4), /7 values into 2 channels/);
  assert.throws(() => mseClipRanges(new Float32Array(8), 2, 4, { grid: 0 }), RangeError);
});

Deno.test("weightQParams() with observer mse clips per depthwise channel (view axis 2)", () => {
  const node: ComputeNode = {
    name: "dw",
    op: "depthwise",
    inputs: ["in"],
    outShape: [4, 4, 4],
    kernel: [3, 3],
    strides: [1, 1],
    dilation: [1, 1],
    padding: "same",
    depthMultiplier: 2,
    useBias: false,
    activation: "linear",
  };
  const kernel = tf.tensor4d(gaussian(5, 36, 0, 1), [3, 3, 2, 2]);
  const p = weightQParams(node, kernel, 4, { observer: "mse" });
  assert.equal(p.axis, 2);
  assert.equal(p.scale.length, 4);
  kernel.dispose();
});
