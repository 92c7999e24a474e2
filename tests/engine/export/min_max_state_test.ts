import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { completeConfig, minMaxQuantState } from "../../../engine/export/min_max_state.ts";
import { tinyConfig, tinyGraph, tinyWeights } from "./_fixture.ts";

await initBackend("cpu");

Deno.test("completeConfig() gives missing compute layers 8/8 bits at width 1", () => {
  const c = completeConfig(tinyGraph, { layers: { conv: { wbits: 4, abits: 8, width: 1 } } });
  assert.deepEqual(c.layers.fc, { wbits: 8, abits: 8, width: 1 });
  assert.deepEqual(Object.keys(c.layers), ["conv", "dw", "fc"]);
});

Deno.test("completeConfig() rejects a width the (unpruned) graph does not have", () => {
  const config = { layers: { conv: { wbits: 4, abits: 8, width: 0.5 } } };
  assert.throws(() => completeConfig(tinyGraph, config), /"conv" at width 0.5/);
  assert.throws(
    () => completeConfig(tinyGraph, { layers: { bn: tinyConfig.layers.conv! } }),
    RangeError,
  );
});

Deno.test("minMaxQuantState() quantizes kernels at wbits and each layer's input at abits", () => {
  const x = tf.randomUniform([2, 6, 6, 2], 0, 1, "float32", 3) as tf.Tensor4D;
  const q = minMaxQuantState(tinyGraph, {
    weights: tinyWeights(),
    config: tinyConfig,
    calibration: [x],
  });
  assert.equal(q.weights.conv!.kernel!.bits, 4);
  assert.equal(q.weights.conv!.kernel!.axis, 3);
  assert.equal(q.weights.dw!.kernel!.scale.length, 8);
  assert.deepEqual(Object.keys(q.activations).sort(), ["conv", "gap", "in"]);
  assert.equal(q.activations.gap!.bits, 4); // fc reads gap at abits 4
  x.dispose();
});
