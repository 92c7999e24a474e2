import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { syntheticDataset } from "../../../engine/data/synthetic.ts";
import {
  cloneWeights,
  disposeWeights,
  weightsFromLayersModel,
} from "../../../engine/exec/weights.ts";
import { graphFromLayersModel } from "../../../engine/models/from_layers.ts";
import { buildZooModel } from "../../../engine/models/zoo.ts";
import { recalibrateBatchNorm } from "../../../engine/prune/bn_recalibrate.ts";
import { compensatePruned } from "../../../engine/prune/compensate.ts";
import { pruneToRatio } from "../../../engine/prune/prune_to_ratio.ts";
import { surgery } from "../../../engine/prune/surgery.ts";
import { outputOf } from "../../../engine/prune/_capture.ts";

await initBackend();

/** Mean absolute gap between two per-channel vectors. */
function gap(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
}

Deno.test("compensatePruned() moves a batch norm's statistics to what the pruned inputs give", () => {
  const model = buildZooModel("resnet8", { seed: 3 });
  const graph = graphFromLayersModel(model);
  const weights = weightsFromLayersModel(model, graph);
  model.dispose();
  const data = syntheticDataset({ n: 256, seed: 5 });
  // bn1's shift gives relu1 channels of clearly different means; the statistics of every
  // batch norm are then those of the data, so relu1 is close to ReLU(N(β, γ²)).
  weights.bn1!.beta!.assign(tf.randomNormal([16], 0, 0.8, "float32", 7));
  recalibrateBatchNorm(graph, weights, data, { examples: 256 });
  const { masks } = pruneToRatio(graph, weights, { criterion: "l1", widths: { conv1: 10 } });
  const stale = cloneWeights(weights);
  const done = compensatePruned(graph, weights, masks);
  // conv1's group is block1's residual stream: three layers read it.
  assert.deepEqual(done.map((c) => [c.layer, c.into, c.batchnorm]), [
    ["block1_conv1", "batchnorm", "block1_bn1"],
    ["block2_conv1", "batchnorm", "block2_bn1"],
    ["block2_proj", "batchnorm", "block2_proj_bn"],
  ]);
  const small = surgery(graph, weights, masks);
  const x = tf.tensor4d(data.images, [256, 28, 28, 1]);
  const z = outputOf(small, x, "block1_conv1");
  const { mean, variance } = tf.tidy(() => tf.moments(z, [0, 1, 2]));
  const m = mean.dataSync(), v = variance.dataSync();
  const after = weights.block1_bn1!, before = stale.block1_bn1!;
  const meanGap = gap(m, after.movingMean!.dataSync());
  const staleMeanGap = gap(m, before.movingMean!.dataSync());
  assert.ok(meanGap < 0.5 * staleMeanGap, `mean gap ${meanGap} vs ${staleMeanGap} uncompensated`);
  const varGap = gap(v, after.movingVariance!.dataSync());
  const staleVarGap = gap(v, before.movingVariance!.dataSync());
  assert.ok(varGap < 0.7 * staleVarGap, `variance gap ${varGap} vs ${staleVarGap}`);
  // Only the layers that lost inputs moved.
  assert.deepEqual(weights.bn1!.movingMean!.dataSync(), stale.bn1!.movingMean!.dataSync());
  assert.deepEqual(
    weights.block3_bn1!.movingVariance!.dataSync(),
    stale.block3_bn1!.movingVariance!.dataSync(),
  );
  tf.dispose([x, z, mean, variance]);
  for (const w of [weights, stale, small.weights]) disposeWeights(w);
});

Deno.test("compensatePruned() says why it leaves a layer whose input has no data-free moments", () => {
  const model = buildZooModel("cnn-s", { seed: 1 });
  const graph = graphFromLayersModel(model);
  const weights = weightsFromLayersModel(model, graph);
  model.dispose();
  const { masks } = pruneToRatio(graph, weights, { criterion: "l1", widths: { conv1: 16 } });
  const stale = cloneWeights(weights);
  const done = compensatePruned(graph, weights, masks);
  assert.deepEqual(done, [{
    layer: "conv2",
    into: "none",
    reason: 'no data-free moments of "pool1"',
  }]);
  assert.deepEqual(weights.conv2!.bias!.dataSync(), stale.conv2!.bias!.dataSync());
  disposeWeights(weights);
  disposeWeights(stale);
});
