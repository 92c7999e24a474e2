import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import {
  type BatchNormParams,
  foldBatchNormBackward,
  foldBatchNormForward,
  type LayerWeights,
} from "../../../engine/quant/bn_fold.ts";
import type { WeightKind } from "../../../engine/quant/weight_channels.ts";
import { uniform } from "./_rand.ts";

await initBackend();

const EPS = 1e-3;

function randomBn(seed: number, n: number, withAffine = true): BatchNormParams {
  const base = {
    mean: uniform(seed, n, -1, 1),
    variance: uniform(seed + 1, n, 0.2, 2),
    epsilon: EPS,
  };
  return withAffine
    ? { ...base, gamma: uniform(seed + 2, n, -1.5, 1.5), beta: uniform(seed + 3, n, -1, 1) }
    : base;
}

function bnOp(x: tf.Tensor, bn: BatchNormParams): tf.Tensor {
  const n = bn.mean.length;
  return tf.batchNorm(
    x,
    tf.tensor1d(bn.mean),
    tf.tensor1d(bn.variance),
    tf.tensor1d(bn.beta ?? new Float32Array(n)),
    tf.tensor1d(bn.gamma ?? new Float32Array(n).fill(1)),
    bn.epsilon,
  );
}

function layerOp(
  kind: WeightKind,
  x: tf.Tensor,
  w: LayerWeights,
  padding: "same" | "valid",
): tf.Tensor {
  const kernel = tf.tensor(w.kernel, [...w.shape]);
  const y = kind === "conv2d"
    ? tf.conv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, 1, padding)
    : kind === "depthwise"
    ? tf.depthwiseConv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, 1, padding)
    : tf.matMul(x.reshape([x.shape[0]!, -1]) as tf.Tensor2D, kernel as tf.Tensor2D);
  return w.bias === undefined ? y : tf.add(y, tf.tensor1d(w.bias));
}

/** max |a - b| / max |a|. */
function relErr(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() =>
    tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]! / tf.max(tf.abs(a)).dataSync()[0]!
  );
}

const CASES: { kind: WeightKind; x: number[]; w: number[]; channels: number }[] = [
  { kind: "conv2d", x: [2, 6, 6, 3], w: [3, 3, 3, 4], channels: 4 },
  { kind: "depthwise", x: [2, 6, 6, 3], w: [3, 3, 3, 2], channels: 6 },
  { kind: "dense", x: [5, 7], w: [7, 4], channels: 4 },
];

for (const c of CASES) {
  Deno.test(`foldBatchNormBackward() into ${c.kind} matches layer + batchNorm within 1e-5`, () => {
    for (const withBias of [true, false]) {
      const w: LayerWeights = {
        kernel: uniform(1, c.w.reduce((a, b) => a * b, 1)),
        shape: c.w,
        ...(withBias ? { bias: uniform(2, c.channels) } : {}),
      };
      const bn = randomBn(3, c.channels, withBias);
      const folded = foldBatchNormBackward(c.kind, w, bn);
      const err = tf.tidy(() => {
        const x = tf.tensor(uniform(4, c.x.reduce((a, b) => a * b, 1), -2, 2), c.x);
        return relErr(bnOp(layerOp(c.kind, x, w, "same"), bn), layerOp(c.kind, x, folded, "same"));
      });
      assert.ok(err < 1e-5, `${c.kind} bias=${withBias}: relative error ${err}`);
    }
  });
}

const FORWARD: { kind: WeightKind; x: number[]; w: number[]; bnChannels: number }[] = [
  { kind: "conv2d", x: [2, 6, 6, 3], w: [3, 3, 3, 4], bnChannels: 3 },
  { kind: "depthwise", x: [2, 6, 6, 3], w: [3, 3, 3, 2], bnChannels: 3 },
  { kind: "dense", x: [2, 3, 3, 2], w: [18, 4], bnChannels: 2 }, // through flatten
];

for (const c of FORWARD) {
  Deno.test(`foldBatchNormForward() into a valid-padded ${c.kind} matches batchNorm + layer`, () => {
    const w: LayerWeights = {
      kernel: uniform(5, c.w.reduce((a, b) => a * b, 1)),
      shape: c.w,
      bias: uniform(6, c.kind === "depthwise" ? 6 : c.w.at(-1)!),
    };
    const bn = randomBn(7, c.bnChannels);
    const folded = foldBatchNormForward(c.kind, w, bn);
    const err = tf.tidy(() => {
      const x = tf.tensor(uniform(8, c.x.reduce((a, b) => a * b, 1), -2, 2), c.x);
      return relErr(layerOp(c.kind, bnOp(x, bn), w, "valid"), layerOp(c.kind, x, folded, "valid"));
    });
    assert.ok(err < 1e-5, `${c.kind}: relative error ${err}`);
  });
}

Deno.test("foldBatchNormForward() is not exact into a zero-padded conv (why the planner refuses)", () => {
  const w: LayerWeights = { kernel: uniform(5, 108), shape: [3, 3, 3, 4] };
  const bn = randomBn(7, 3);
  const folded = foldBatchNormForward("conv2d", w, bn);
  const err = tf.tidy(() => {
    const x = tf.tensor(uniform(8, 216, -2, 2), [2, 6, 6, 3]);
    return relErr(layerOp("conv2d", bnOp(x, bn), w, "same"), layerOp("conv2d", x, folded, "same"));
  });
  assert.ok(err > 1e-2, `relative error ${err}`);
});

Deno.test("batch-norm folding rejects channel counts and shapes that do not match", () => {
  const w: LayerWeights = { kernel: new Float32Array(12), shape: [3, 4] };
  assert.throws(() => foldBatchNormBackward("dense", w, randomBn(1, 3)), /3-channel/);
  assert.throws(() => foldBatchNormForward("dense", w, randomBn(1, 2)), RangeError); // 3 % 2
  assert.throws(() => foldBatchNormBackward("conv2d", w, randomBn(1, 4)), /shape \[3,4\]/);
  const bad = { ...randomBn(1, 4), variance: new Float32Array(3) };
  assert.throws(() => foldBatchNormBackward("dense", w, bad), /variances/);
});
