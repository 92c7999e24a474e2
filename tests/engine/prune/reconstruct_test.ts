import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { syntheticDataset } from "../../../engine/data/synthetic.ts";
import { forward } from "../../../engine/exec/forward.ts";
import {
  disposeWeights,
  type Weights,
  weightsFromLayersModel,
} from "../../../engine/exec/weights.ts";
import { graphFromLayersModel } from "../../../engine/models/from_layers.ts";
import type { Graph } from "../../../engine/models/ir.ts";
import { buildZooModel } from "../../../engine/models/zoo.ts";
import { dependencyGroups } from "../../../engine/prune/channels.ts";
import { randomMasks } from "../../../engine/prune/masks.ts";
import { recalibrateBatchNorm } from "../../../engine/prune/bn_recalibrate.ts";
import { reconstructibleLayers, reconstructPruned } from "../../../engine/prune/reconstruct.ts";
import { solveSpd } from "../../../engine/prune/_least_squares.ts";
import { keptPositions, surgery } from "../../../engine/prune/surgery.ts";

await initBackend();

function mobilenet(seed: number): { graph: Graph; weights: Weights } {
  const model = buildZooModel("mobilenet-tiny", { seed });
  const graph = graphFromLayersModel(model);
  const weights = weightsFromLayersModel(model, graph);
  model.dispose();
  let s = seed * 100;
  for (const t of Object.values(weights)) {
    for (const name of ["beta", "movingMean"] as const) {
      const v = t[name];
      if (v) v.assign(tf.randomNormal(v.shape, 0, 0.3, "float32", s++));
    }
    if (t.movingVariance) {
      t.movingVariance.assign(tf.randomUniform(t.movingVariance.shape, 0.5, 2, "float32", s++));
    }
  }
  return { graph, weights };
}

/** Output of node `name` of `net` on `x`. */
function outputAt(net: { graph: Graph; weights: Weights }, x: tf.Tensor4D, name: string) {
  let got: tf.Tensor | undefined;
  const hooks = {
    output: (node: { name: string }, y: tf.Tensor) => {
      if (node.name === name) got = tf.keep(y.clone());
      return y;
    },
  };
  forward(net.graph, net.weights, x, { hooks }).dispose();
  return got!;
}

/** Largest absolute difference of the two networks' outputs at node `name` (logits). */
function logitGap(
  a: { graph: Graph; weights: Weights },
  b: typeof a,
  x: tf.Tensor4D,
  name = "logits",
): number {
  const [ya, yb] = [outputAt(a, x, name), outputAt(b, x, name)];
  const gap = tf.tidy(() => tf.max(tf.abs(tf.sub(ya, yb))).dataSync()[0]!);
  tf.dispose([ya, yb]);
  return gap;
}

/** Copies channel `from` of the last axis of `v` onto channel `to`. */
function copyChannel(v: tf.Variable, from: number, to: number): void {
  tf.tidy(() => {
    const n = v.shape.at(-1)!;
    const idx = Array.from({ length: n }, (_, i) => (i === to ? from : i));
    v.assign(tf.gather(v, tf.tensor1d(idx, "int32"), v.rank - 1));
  });
}

Deno.test("solveSpd() solves a symmetric positive definite system with several columns", () => {
  // [[4, 2], [2, 3]] · w = [[8, 2], [7, 3]]  →  w = [[1.25, 0], [1.5, 1]]
  const w = solveSpd(Float64Array.of(4, 2, 2, 3), Float64Array.of(8, 2, 7, 3), 2, 2);
  const want = [1.25, 0, 1.5, 1];
  want.forEach((v, i) => assert.ok(Math.abs(w[i]! - v) < 1e-12, `w[${i}] = ${w[i]}`));
  assert.throws(
    () => solveSpd(Float64Array.of(1, 2, 2, 1), Float64Array.of(1, 1), 2, 1),
    /positive/,
  );
});

Deno.test("reconstructPruned() recovers the unpruned outputs exactly when a pruned channel duplicates a kept one", () => {
  const full = mobilenet(3);
  // Statistics that match the data, so that the batch norms do not blow up tiny differences.
  const data = syntheticDataset({ n: 32, seed: 2 });
  recalibrateBatchNorm(full.graph, full.weights, data);
  // Channel 5 of conv1's group becomes a copy of channel 2 all the way to block1_pw's input.
  for (
    const [layer, names] of [
      ["conv1", ["kernel"]],
      ["bn1", ["gamma", "beta", "movingMean", "movingVariance"]],
      ["block1_dw_bn", ["gamma", "beta", "movingMean", "movingVariance"]],
    ] as const
  ) {
    for (const n of names) copyChannel(full.weights[layer]![n]!, 2, 5);
  }
  copyChannel(full.weights.block1_dw!.kernel!, 2, 5); // depthwise kernel [3, 3, C, 1]: axis 2
  const dw = full.weights.block1_dw!.kernel!;
  tf.tidy(() => {
    const perm = tf.transpose(dw, [0, 1, 3, 2]);
    const idx = Array.from({ length: dw.shape[2]! }, (_, i) => (i === 5 ? 2 : i));
    dw.assign(tf.transpose(tf.gather(perm, tf.tensor1d(idx, "int32"), 3), [0, 1, 3, 2]));
  });
  // Keep the copied channel alive through both ReLU6 (a dead one would make the test vacuous).
  for (const bn of ["bn1", "block1_dw_bn"]) {
    const beta = full.weights[bn]!.beta!;
    tf.tidy(() => beta.assign(tf.add(beta, tf.oneHot([2, 5], beta.shape[0]!).sum(0).mul(2))));
  }
  const group = dependencyGroups(full.graph).find((g) => g.producers.includes("conv1"))!;
  const mask = new Float32Array(group.channels).fill(1);
  mask[5] = 0;
  const masks = { [group.id]: mask };
  const small = surgery(full.graph, full.weights, masks);
  // Checked on the images it fits on: channels that are constant there (dead or saturated
  // units of a random network) make other solutions exact there too.
  const x = tf.tensor4d(data.images, [32, 28, 28, 1]);
  const gapBefore = logitGap(full, small, x, "block1_pw_bn");
  const fits = reconstructPruned(full, small, masks, data, { ridge: 0 });
  assert.deepEqual(fits.map((f) => f.layer), ["block1_pw"]);
  const gapAfter = logitGap(full, small, x, "block1_pw_bn");
  const logitsAfter = logitGap(full, small, x);
  assert.ok(gapBefore > 1e-2, `pruning changed the logits by only ${gapBefore}: vacuous`);
  assert.ok(gapAfter < 1e-3, `block1_pw_bn differs by ${gapAfter} after the refit`);
  assert.ok(logitsAfter < 1e-4, `logits differ by ${logitsAfter} after the refit`);
  assert.equal(fits[0]!.at, "block1_pw_bn");
  assert.ok(fits[0]!.errorBefore > 1e-2, `reported error before ${fits[0]!.errorBefore}`);
  assert.ok(fits[0]!.errorAfter < 1e-6, `reported error after ${fits[0]!.errorAfter}`);
  x.dispose();
  disposeWeights(full.weights);
  disposeWeights(small.weights);
});

Deno.test("reconstructPruned() brings a randomly pruned network closer to the unpruned one", () => {
  const full = mobilenet(5);
  const masks = randomMasks(dependencyGroups(full.graph), { seed: 4, keep: 0.6 });
  const plain = surgery(full.graph, full.weights, masks);
  const refit = surgery(full.graph, full.weights, masks);
  const fits = reconstructPruned(full, refit, masks, syntheticDataset({ n: 64, seed: 6 }));
  assert.deepEqual(
    fits.map((f) => f.layer),
    reconstructibleLayers(full.graph, keptPositions(full.graph, masks)).map((n) => n.name),
  );
  assert.ok(fits.some((f) => f.layer === "logits"), "the classifier lost inputs: it is refitted");
  for (const f of fits) {
    assert.ok(f.errorAfter < f.errorBefore, `${f.layer}: ${f.errorBefore} -> ${f.errorAfter}`);
  }
  // Held-out inputs: the refit generalises beyond the examples it was fitted on.
  const x = tf.tensor4d(syntheticDataset({ n: 16, seed: 99 }).images, [16, 28, 28, 1]);
  const before = logitGap(full, plain, x), after = logitGap(full, refit, x);
  assert.ok(after < 0.5 * before, `logit gap ${before} -> ${after}`);
  x.dispose();
  for (const w of [full.weights, plain.weights, refit.weights]) disposeWeights(w);
});

Deno.test("reconstructPruned() leaves 3x3 and strided convolutions of resnet8 alone", () => {
  const model = buildZooModel("resnet8", { seed: 2 });
  const graph = graphFromLayersModel(model);
  const weights = weightsFromLayersModel(model, graph);
  model.dispose();
  const masks = randomMasks(dependencyGroups(graph), { seed: 3, keep: 0.5 });
  const small = surgery(graph, weights, masks);
  const fits = reconstructPruned(
    { graph, weights },
    small,
    masks,
    syntheticDataset({ n: 16, seed: 1 }),
  );
  // The 1x1 projections have stride 2; only the classifier maps inputs one to one.
  assert.deepEqual(fits.map((f) => f.layer), ["logits"]);
  assert.ok(fits[0]!.errorAfter < fits[0]!.errorBefore);
  disposeWeights(weights);
  disposeWeights(small.weights);
});

Deno.test("reconstructPruned() rejects bad options by name", () => {
  const full = mobilenet(1);
  const masks = randomMasks(dependencyGroups(full.graph), { seed: 1, keep: 0.5 });
  const small = surgery(full.graph, full.weights, masks);
  const data = syntheticDataset({ n: 8, seed: 1 });
  assert.throws(() => reconstructPruned(full, small, masks, data, { examples: 0 }), /examples/);
  assert.throws(() => reconstructPruned(full, small, masks, data, { ridge: -1 }), /ridge/);
  disposeWeights(full.weights);
  disposeWeights(small.weights);
});
