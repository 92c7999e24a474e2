import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { forward } from "../../../engine/exec/forward.ts";
import { disposeWeights, weightsFromLayersModel } from "../../../engine/exec/weights.ts";
import { graphFromLayersModel } from "../../../engine/models/from_layers.ts";
import { buildZooModel } from "../../../engine/models/zoo.ts";
import { captureOutputs, featureDistillationLoss } from "../../../engine/train/feature_distill.ts";

await initBackend();

function lossOf(
  s: number[][],
  t: number[][],
  kept: number[],
  weight?: number,
): number {
  const [st, tt] = [tf.tensor2d(s), tf.tensor2d(t)];
  const loss = featureDistillationLoss(new Map([["a", st]]), new Map([["a", tt]]), {
    positions: new Map([["a", kept]]),
    ...(weight === undefined ? {} : { weight }),
  });
  const v = loss.dataSync()[0]!;
  tf.dispose([st, tt, loss]);
  return v;
}

Deno.test("featureDistillationLoss() compares the student with the teacher's kept channels", () => {
  // Teacher channels 0 and 2 kept: the student equals them, channel 1 does not count.
  assert.equal(lossOf([[1, 3], [2, -1]], [[1, 100, 3], [2, -7, -1]], [0, 2]), 0);
  // Off by 1 everywhere against a target of mean square (1 + 9 + 4 + 1) / 4 = 3.75.
  const v = lossOf([[2, 4], [3, 0]], [[1, 100, 3], [2, -7, -1]], [0, 2]);
  assert.ok(Math.abs(v - 1 / 3.75) < 1e-6, `${v}`);
  assert.ok(
    Math.abs(lossOf([[2, 4], [3, 0]], [[1, 100, 3], [2, -7, -1]], [0, 2], 3) - 3 * v) < 1e-6,
  );
});

Deno.test("featureDistillationLoss() is a relative error: scaling both sides leaves it alone", () => {
  const a = lossOf([[2, 4]], [[1, 3]], [0, 1]);
  const b = lossOf([[200, 400]], [[100, 300]], [0, 1]);
  assert.ok(Math.abs(a - b) < 1e-6, `${a} vs ${b}`);
  assert.ok(a > 0);
});

Deno.test("featureDistillationLoss() names what is wrong", () => {
  const s = tf.tensor2d([[1, 2]]), t = tf.tensor2d([[1, 2, 3]]);
  const one = (positions: Map<string, number[]>, weight?: number) => () =>
    featureDistillationLoss(new Map([["a", s]]), new Map([["a", t]]), {
      positions,
      ...(weight === undefined ? {} : { weight }),
    });
  assert.throws(one(new Map([["b", [0, 1]]])), /layer "b".*not captured on the student/);
  assert.throws(one(new Map([["a", [0, 1, 2]]])), /student has 2 channels, the positions 3/);
  assert.throws(one(new Map([["a", []]])), /keeps no channel/);
  assert.throws(one(new Map()), /at no layer/);
  assert.throws(one(new Map([["a", [0, 1]]]), -1), /weight -1/);
  tf.dispose([s, t]);
});

Deno.test("captureOutputs() records the named layers' outputs, alive after forward()", () => {
  const model = buildZooModel("mobilenet-tiny", { seed: 1 });
  const graph = graphFromLayersModel(model);
  const weights = weightsFromLayersModel(model, graph);
  model.dispose();
  const x = tf.randomUniform([2, 28, 28, 1], 0, 1, "float32", 3) as tf.Tensor4D;
  const seen = new Map<string, tf.Tensor>();
  const logits = forward(graph, weights, x, {
    hooks: captureOutputs(new Set(["relu1", "block5_pw_relu"]), seen),
  });
  assert.deepEqual([...seen.keys()].sort(), ["block5_pw_relu", "relu1"]);
  assert.deepEqual(seen.get("relu1")!.shape, [2, 28, 28, 16]);
  assert.deepEqual(seen.get("block5_pw_relu")!.shape, [2, 7, 7, 128]);
  // The pooled last features are what the logits were computed from.
  const pooled = tf.mean(seen.get("block5_pw_relu")!, [1, 2]);
  assert.ok(!pooled.isDisposed && pooled.dataSync().every(Number.isFinite));
  tf.dispose([logits, x, pooled, ...seen.values()]);
  disposeWeights(weights);
});
