import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { forward } from "../../../engine/exec/forward.ts";
import { trainableVariables, weightsFromLayersModel } from "../../../engine/exec/weights.ts";
import { disposeWeights } from "../../../engine/exec/weights.ts";
import { graphFromLayersModel } from "../../../engine/models/from_layers.ts";
import { buildZooModel } from "../../../engine/models/zoo.ts";
import { maskHooks, nodeMasks, topKMask } from "../../../engine/prune/masks.ts";

await initBackend();

const model = buildZooModel("mobilenet-tiny", { seed: 1 });
const graph = graphFromLayersModel(model);

Deno.test("nodeMasks() expands a group mask to its producer, batch norms and depthwise layers", () => {
  const mask = new Float32Array(32).fill(1);
  mask[5] = 0;
  const masks = nodeMasks(graph, { block1_pw: mask });
  assert.deepEqual(Object.keys(masks).sort(), [
    "block1_pw",
    "block1_pw_bn",
    "block1_pw_relu",
    "block2_dw",
    "block2_dw_bn",
    "block2_dw_relu",
  ]);
  assert.equal(masks.block2_dw![5], 0);
  assert.equal(masks.block2_dw![4], 1);
});

Deno.test("maskHooks() keep pruned channels at zero through a training step", () => {
  const weights = weightsFromLayersModel(model, graph);
  const mask = new Float32Array(64).fill(1);
  mask[0] = 0;
  const hooks = maskHooks(graph, { block2_pw: mask });
  const x = tf.randomUniform([4, 28, 28, 1], 0, 1, "float32", 1) as tf.Tensor4D;
  const y = tf.oneHot(tf.tensor1d([1, 2, 3, 4], "int32"), 10);
  const opt = tf.train.sgd(0.1);
  let seen = -1;
  opt.minimize(
    () => {
      const settings = { bnMomentum: {}, dropout: { dropout: { rate: 0.2 } } };
      const logits = forward(graph, weights, x, {
        training: true,
        settings,
        hooks: {
          ...hooks,
          output: (layer, t) => {
            if (layer.name === "block3_dw_relu") {
              seen = tf.tidy(() => tf.max(tf.abs(tf.gather(t, [0], 3))).dataSync()[0]!);
            }
            return t;
          },
        },
      });
      return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
    },
    false,
    trainableVariables(weights),
  );
  assert.equal(seen, 0);
  opt.dispose();
  tf.dispose([x, y]);
  disposeWeights(weights);
});

Deno.test("topKMask() keeps the highest scores, lower index first on ties", () => {
  assert.deepEqual([...topKMask(new Float32Array([1, 3, 3, 0]), 2)], [0, 1, 1, 0]);
  assert.deepEqual([...topKMask(new Float32Array([2, 2, 2]), 1)], [1, 0, 0]);
  assert.throws(() => topKMask(new Float32Array(3), 0), /keep 0/);
});
