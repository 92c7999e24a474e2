import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { createRng } from "../../../engine/rng.ts";
import { trainingForward } from "../../../engine/train/train_forward.ts";

await initBackend("cpu");

/** conv > BN > ReLU6 > depthwise > BN > add(skip) > ReLU > GAP > dense, seeded. */
function residualNet(): tf.LayersModel {
  const x = tf.input({ shape: [6, 6, 2] });
  const init = (seed: number) => tf.initializers.glorotNormal({ seed });
  let h = tf.layers.conv2d({
    filters: 4,
    kernelSize: 3,
    padding: "same",
    kernelInitializer: init(1),
  }).apply(x) as tf.SymbolicTensor;
  h = tf.layers.batchNormalization({ momentum: 0.8, epsilon: 1e-3 }).apply(h) as tf.SymbolicTensor;
  const a = tf.layers.reLU({ maxValue: 6 }).apply(h) as tf.SymbolicTensor;
  let b = tf.layers.depthwiseConv2d({
    kernelSize: 3,
    padding: "same",
    depthwiseInitializer: init(2),
  }).apply(a) as tf.SymbolicTensor;
  b = tf.layers.batchNormalization({ momentum: 0.8 }).apply(b) as tf.SymbolicTensor;
  h = tf.layers.add().apply([a, b]) as tf.SymbolicTensor;
  h = tf.layers.reLU().apply(h) as tf.SymbolicTensor;
  h = tf.layers.globalAveragePooling2d({}).apply(h) as tf.SymbolicTensor;
  const y = tf.layers.dense({ units: 3, kernelInitializer: init(3) }).apply(h);
  return tf.model({ inputs: x, outputs: y as tf.SymbolicTensor });
}

function gradsOf(model: tf.LayersModel, f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor) {
  const vars = model.trainableWeights.map((v) => v.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(f(x))) as tf.Scalar, vars);
  return {
    loss: value.dataSync()[0]!,
    grads: vars.map((v) => Array.from(grads[v.name]!.dataSync())),
  };
}

function assertClose(a: number[], b: number[], tol: number, what: string): void {
  assert.equal(a.length, b.length);
  // Absolute floor: a conv bias before batch norm has a (numerically) zero gradient.
  const scale = Math.max(1e-3, ...b.map(Math.abs));
  a.forEach((v, i) =>
    assert.ok(Math.abs(v - b[i]!) <= tol * scale, `${what}[${i}]: ${v} vs ${b[i]}`)
  );
}

Deno.test("trainingForward() matches model.apply(training) in output, gradients and moving stats", () => {
  const ref = residualNet();
  const fast = residualNet();
  const x = tf.randomNormal([5, 6, 6, 2], 0.5, 1, "float32", 7);
  const r = gradsOf(ref, (t) => ref.apply(t, { training: true }) as tf.Tensor, x);
  const f = gradsOf(fast, trainingForward(fast), x);
  assert.ok(Math.abs(r.loss - f.loss) <= 1e-4 * Math.abs(r.loss), `${r.loss} vs ${f.loss}`);
  r.grads.forEach((g, i) => assertClose(f.grads[i]!, g, 1e-3, ref.trainableWeights[i]!.name));
  const moving = (m: tf.LayersModel) =>
    m.weights.filter((w) => w.name.includes("moving")).map((w) => Array.from(w.read().dataSync()));
  moving(ref).forEach((m, i) => assertClose(moving(fast)[i]!, m, 1e-4, "moving"));
});

Deno.test("trainingForward() draws dropout masks from the rng: new each call, same per seed", () => {
  const input = tf.input({ shape: [200] });
  const out = tf.layers.dropout({ rate: 0.5 }).apply(input) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  const x = tf.ones([1, 200]);
  const masks = (seed: number) => {
    const forward = trainingForward(model, { rng: createRng(seed) });
    return [Array.from(forward(x).dataSync()), Array.from(forward(x).dataSync())];
  };
  const [a1, a2] = masks(1);
  assert.notDeepEqual(a1, a2);
  assert.deepEqual(masks(1)[0], a1);
  assert.ok(a1!.every((v) => v === 0 || v === 2));
});
