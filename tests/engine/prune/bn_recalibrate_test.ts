import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { syntheticDataset } from "../../../engine/data/synthetic.ts";
import { forward } from "../../../engine/exec/forward.ts";
import { disposeWeights, weightsFromLayersModel } from "../../../engine/exec/weights.ts";
import { graphFromLayersModel } from "../../../engine/models/from_layers.ts";
import { buildZooModel } from "../../../engine/models/zoo.ts";
import { recalibrateBatchNorm } from "../../../engine/prune/bn_recalibrate.ts";

await initBackend();

const model = buildZooModel("resnet8", { seed: 4 });
const graph = graphFromLayersModel(model);
model.dispose();

Deno.test("recalibrateBatchNorm() uses only the requested number of examples", () => {
  const weights = weightsFromLayersModel(buildZooModel("resnet8", { seed: 4 }), graph);
  const data = syntheticDataset({ n: 48, seed: 2 });
  assert.equal(recalibrateBatchNorm(graph, weights, data, { batchSize: 16, examples: 40 }), 40);
  assert.equal(recalibrateBatchNorm(graph, weights, data, { examples: 4096 }), 48);
  // Moved away from the initial statistics (mean 0, variance 1).
  assert.ok(weights.bn1!.movingVariance!.dataSync().some((v) => Math.abs(v - 1) > 0.01));
  disposeWeights(weights);
});

Deno.test("recalibrateBatchNorm() over the whole set in one batch gives its exact moments", () => {
  const weights = weightsFromLayersModel(buildZooModel("resnet8", { seed: 4 }), graph);
  const data = syntheticDataset({ n: 24, seed: 3 });
  recalibrateBatchNorm(graph, weights, data, { batchSize: 8, examples: 24 });
  const { mean, variance } = tf.tidy(() => {
    const conv = tf.conv2d(
      tf.tensor4d(data.images, [24, 28, 28, 1]),
      weights.conv1!.kernel! as tf.Tensor4D,
      1,
      "same",
    );
    return tf.moments(conv, [0, 1, 2]);
  });
  const m = mean.dataSync(), v = variance.dataSync();
  weights.bn1!.movingMean!.dataSync().forEach((g, c) => assert.ok(Math.abs(g - m[c]!) < 1e-4));
  weights.bn1!.movingVariance!.dataSync().forEach((g, c) =>
    assert.ok(Math.abs(g - v[c]!) < 1e-4 * Math.max(1, v[c]!), `variance ${c}: ${g} vs ${v[c]}`)
  );
  tf.dispose([mean, variance]);
  // The output after recalibration is finite and the executor still runs.
  const y = forward(graph, weights, tf.zeros([2, 28, 28, 1]));
  assert.ok(y.dataSync().every(Number.isFinite));
  y.dispose();
  disposeWeights(weights);
});

Deno.test("recalibrateBatchNorm() rejects bad sizes", () => {
  const weights = weightsFromLayersModel(buildZooModel("resnet8", { seed: 4 }), graph);
  const data = syntheticDataset({ n: 4, seed: 3 });
  assert.throws(() => recalibrateBatchNorm(graph, weights, data, { examples: 0 }), /0 examples/);
  assert.throws(() => recalibrateBatchNorm(graph, weights, data, { batchSize: 1.5 }), /1.5/);
  disposeWeights(weights);
});
