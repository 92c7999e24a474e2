/**
 * Per-kernel profile and ms per training step on the wasm backend, with Tailor's gradient
 * kernels (`after`) or with wasm's own Conv2DBackpropInput / MaxPoolGrad (`before`).
 *
 *   deno run -A bench/kernels_profile.ts --mode after --model cnn --steps 10
 *   deno run -A bench/kernels_profile.ts --model resnet8   # zoo models: cnn-s, resnet8, mobilenet-tiny
 *
 * @module
 */
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../engine/backend.ts";
import { FASTER_WASM_KERNELS, WRAPPED_WASM_KERNELS } from "../engine/kernels/register.ts";
import { buildZooModel, isZooName } from "../engine/models/zoo.ts";

const { values } = parseArgs({
  options: {
    mode: { type: "string", default: "after" },
    model: { type: "string", default: "cnn" },
    steps: { type: "string", default: "10" },
    batch: { type: "string", default: "64" },
  },
});
const replaced = [...FASTER_WASM_KERNELS.map((k) => k.kernelName), ...WRAPPED_WASM_KERNELS.keys()];
const originals = replaced.map((name) => tf.getKernel(name, "wasm"));
await initBackend("wasm");
if (values.mode === "before") {
  for (const original of originals) {
    if (original === undefined) continue;
    tf.unregisterKernel(original.kernelName, "wasm");
    tf.registerKernel(original);
    original.setupFunc?.(tf.backend());
  }
}

let seed = 7;
function rand(shape: number[], scale: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    a[i] = (seed / 2147483648 - 0.5) * scale;
  }
  return tf.tensor(a, shape);
}
const v = (shape: number[]) =>
  tf.variable(rand(shape, 2 / Math.sqrt(shape.slice(0, -1).reduce((a, b) => a * b, 1))));

const batch = Number(values.batch);
type Net = { input: number[]; forward: (x: tf.Tensor4D) => tf.Tensor2D };
function cnn(): Net {
  const w1 = v([3, 3, 1, 32]), w2 = v([3, 3, 32, 64]), w3 = v([7 * 7 * 64, 128]), w4 = v([128, 10]);
  return {
    input: [batch, 28, 28, 1],
    forward: (x) => {
      let h: tf.Tensor4D = tf.maxPool(
        tf.relu(tf.conv2d(x, w1 as tf.Tensor4D, 1, "same")),
        2,
        2,
        "valid",
      );
      h = tf.maxPool(tf.relu(tf.conv2d(h, w2 as tf.Tensor4D, 1, "same")), 2, 2, "valid");
      const d = tf.relu(tf.matMul(tf.reshape(h, [batch, -1]), w3 as tf.Tensor2D));
      return tf.matMul(d, w4 as tf.Tensor2D);
    },
  };
}
function bn(h: tf.Tensor4D, g: tf.Variable, b: tf.Variable): tf.Tensor4D {
  const { mean, variance } = tf.moments(h, [0, 1, 2]);
  return tf.batchNorm4d(
    h,
    mean as tf.Tensor1D,
    variance as tf.Tensor1D,
    b as tf.Tensor1D,
    g as tf.Tensor1D,
    1e-3,
  );
}
function resblock(): Net {
  const w0 = v([3, 3, 3, 32]),
    w1 = v([3, 3, 32, 32]),
    dw = v([3, 3, 32, 1]),
    w2 = v([1, 1, 32, 32]);
  const ws = v([1, 1, 32, 64]), w3 = v([3, 3, 32, 64]), fc = v([64, 10]);
  const gs = [0, 1, 2].map(() => tf.variable(tf.ones([32]))),
    bs = [0, 1, 2].map(() => tf.variable(tf.zeros([32])));
  return {
    input: [batch, 32, 32, 3],
    forward: (x) => {
      const h0 = tf.relu(bn(tf.conv2d(x, w0 as tf.Tensor4D, 1, "same"), gs[0]!, bs[0]!));
      let h = tf.relu(bn(tf.conv2d(h0, w1 as tf.Tensor4D, 1, "same"), gs[1]!, bs[1]!));
      h = tf.depthwiseConv2d(h, dw as tf.Tensor4D, 1, "same");
      h = bn(tf.conv2d(h, w2 as tf.Tensor4D, 1, "same"), gs[2]!, bs[2]!);
      h = tf.relu(tf.add(h, h0));
      const y = tf.relu(
        tf.add(
          tf.conv2d(h, w3 as tf.Tensor4D, 2, "same"),
          tf.conv2d(h, ws as tf.Tensor4D, 2, "same"),
        ),
      );
      return tf.matMul(tf.mean(y, [1, 2]) as tf.Tensor2D, fc as tf.Tensor2D);
    },
  };
}
/** A zoo model (engine/models/zoo.ts) in training mode, stepped with Adam as bench/suites/train.ts. */
function zoo(name: string): Net {
  if (!isZooName(name)) throw new RangeError(`Unknown model "${name}"`);
  const model = buildZooModel(name, { seed: 0 });
  return {
    input: [batch, 28, 28, 1],
    forward: (x) => model.apply(x, { training: true }) as tf.Tensor2D,
  };
}
const net = values.model === "resblock"
  ? resblock()
  : values.model === "cnn"
  ? cnn()
  : zoo(values.model ?? "");
const x = rand(net.input, 2) as tf.Tensor4D;
const labels = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 10), "int32"), 10);
const opt = isZooName(values.model ?? "") ? tf.train.adam(1e-3) : tf.train.sgd(0.01);
const step = () => {
  const loss = opt.minimize(
    () => tf.losses.softmaxCrossEntropy(labels, net.forward(x)) as tf.Scalar,
    true,
  );
  loss?.dataSync();
  loss?.dispose();
};
for (let i = 0; i < 2; i++) step();
const steps = Number(values.steps);
const times: number[] = [];
for (let i = 0; i < steps; i++) {
  const t0 = performance.now();
  step();
  times.push(performance.now() - t0);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

// Per kernel: the median over 3 profiled steps of its summed time in a step.
const perKernel = new Map<string, { ms: number[]; calls: number }>();
for (let run = 0; run < 3; run++) {
  const profile = await tf.profile(step);
  const sums = new Map<string, number>();
  for (const k of profile.kernels) {
    sums.set(k.name, (sums.get(k.name) ?? 0) + Number(await k.kernelTimeMs));
    if (run === 0) {
      const e = perKernel.get(k.name) ?? { ms: [], calls: 0 };
      e.calls++;
      perKernel.set(k.name, e);
    }
  }
  for (const [name, ms] of sums) perKernel.get(name)?.ms.push(ms);
}
const rows = [...perKernel].map(([n, e]) => [n, { ms: median(e.ms), calls: e.calls }] as const)
  .sort((a, b) => b[1].ms - a[1].ms);
const total = rows.reduce((s, [, e]) => s + e.ms, 0);
console.log(
  `model=${values.model} mode=${values.mode} batch=${batch}: median ${
    median(times).toFixed(1)
  } ms/step, ` +
    `min ${Math.min(...times).toFixed(1)} ms over ${steps} steps`,
);
console.log(`kernel time in a profiled step (median per kernel): ${total.toFixed(1)} ms`);
for (const [name, e] of rows.slice(0, 24)) {
  console.log(`  ${name.padEnd(36)} ${e.ms.toFixed(2).padStart(8)} ms  x${e.calls}`);
}
console.log(`numTensors after: ${tf.memory().numTensors}`);
