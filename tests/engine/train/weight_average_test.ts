import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { WeightAverage } from "../../../engine/train/weight_average.ts";

await initBackend();

Deno.test("WeightAverage tracks decay · average + (1 − decay) · value and writes it back", () => {
  const w = tf.variable(tf.tensor1d([0, 10]));
  const n = tf.memory().numTensors;
  const avg = new WeightAverage([w], 0.5);
  tf.tidy(() => w.assign(tf.tensor1d([4, 10])));
  avg.update(); // [2, 10]
  tf.tidy(() => w.assign(tf.tensor1d([8, 2])));
  avg.update(); // [5, 6]
  assert.deepEqual([...w.dataSync()], [8, 2]); // untouched until apply()
  avg.apply();
  assert.deepEqual([...w.dataSync()], [5, 6]);
  avg.dispose();
  assert.equal(tf.memory().numTensors, n);
  w.dispose();
});

Deno.test("WeightAverage refuses a decay outside (0, 1)", () => {
  for (const d of [0, 1, -0.1, NaN]) {
    assert.throws(() => new WeightAverage([], d), /expected \(0, 1\)/);
  }
});
