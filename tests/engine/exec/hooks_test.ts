import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { forward } from "../../../engine/exec/forward.ts";
import { composeHooks } from "../../../engine/exec/hooks.ts";
import { disposeWeights, weightsFromLayersModel } from "../../../engine/exec/weights.ts";
import { graphFromLayersModel } from "../../../engine/models/from_layers.ts";
import { buildZooModel } from "../../../engine/models/zoo.ts";

await initBackend();

const model = buildZooModel("resnet8", { seed: 2 });
const graph = graphFromLayersModel(model);

Deno.test("forward() calls the weight hook for every weight and uses its result", () => {
  const weights = weightsFromLayersModel(model, graph);
  const x = tf.randomUniform([2, 28, 28, 1], 0, 1, "float32", 4) as tf.Tensor4D;
  const seen: string[] = [];
  const zeroLogits = forward(graph, weights, x, {
    hooks: {
      weight: (layer, name, w) => {
        seen.push(`${layer.name}/${name}`);
        return layer.name === "logits" ? tf.zerosLike(w) : w;
      },
    },
  });
  assert.ok(seen.includes("conv1/kernel") && seen.includes("bn1/movingVariance"));
  assert.equal(tf.max(tf.abs(zeroLogits)).dataSync()[0], 0);
  tf.dispose([x, zeroLogits]);
  disposeWeights(weights);
});

Deno.test("forward() multiplies a layer's output by its channel mask, then runs the output hook", () => {
  const weights = weightsFromLayersModel(model, graph);
  const x = tf.randomUniform([2, 28, 28, 1], 0, 1, "float32", 4) as tf.Tensor4D;
  const mask = new Float32Array(16).fill(1);
  mask[3] = 0;
  let channel3 = -1;
  const out = forward(graph, weights, x, {
    hooks: {
      masks: { relu1: mask },
      output: (layer, y) => {
        if (layer.name === "relu1") {
          channel3 = tf.tidy(() => tf.max(tf.abs(tf.gather(y, [3], 3))).dataSync()[0]!);
        }
        return y;
      },
    },
  });
  assert.equal(channel3, 0);
  assert.throws(
    () => forward(graph, weights, x, { hooks: { masks: { relu1: new Float32Array(3) } } }),
    /relu1/,
  );
  tf.dispose([x, out]);
  disposeWeights(weights);
});

Deno.test("composeHooks() chains weight hooks left to right and multiplies array masks", () => {
  const calls: string[] = [];
  const hooks = composeHooks(
    { weight: (_l, _n, w) => (calls.push("a"), w), masks: { c: new Float32Array([1, 0, 1]) } },
    { weight: (_l, _n, w) => (calls.push("b"), w), masks: { c: new Float32Array([0, 1, 1]) } },
  );
  const w = tf.scalar(1);
  hooks.weight!(graph.nodes[1]!, "kernel", w);
  assert.deepEqual(calls, ["a", "b"]);
  assert.deepEqual([...(hooks.masks!.c as Float32Array)], [0, 0, 1]);
  w.dispose();
});
