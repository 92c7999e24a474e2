import assert from "node:assert/strict";
import { type Dataset, exampleSize } from "../../../engine/data/dataset.ts";
import { syntheticDataset } from "../../../engine/data/synthetic.ts";

Deno.test("syntheticDataset() defaults to 28x28x1 images and 10 classes in [0, 1]", () => {
  const ds = syntheticDataset({ n: 20, seed: 1 });
  assert.deepEqual([ds.n, ds.height, ds.width, ds.channels, ds.numClasses], [20, 28, 28, 1, 10]);
  assert.ok(ds.images.every((v) => v >= 0 && v <= 1));
});

Deno.test("syntheticDataset() is deterministic per seed", () => {
  const opts = { n: 30, height: 6, width: 5, channels: 2, numClasses: 3 };
  const a = syntheticDataset({ ...opts, seed: 7 });
  const b = syntheticDataset({ ...opts, seed: 7 });
  const c = syntheticDataset({ ...opts, seed: 8 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(Array.from(a.images), Array.from(c.images));
  assert.notDeepEqual(Array.from(a.labels), Array.from(c.labels));
});

Deno.test("syntheticDataset() balances the labels (counts differ by at most one)", () => {
  const ds = syntheticDataset({ n: 103, seed: 2, height: 4, width: 4 });
  const counts = new Array(10).fill(0);
  for (const y of ds.labels) counts[y]++;
  assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `counts ${counts}`);
  assert.notDeepEqual(Array.from(ds.labels.subarray(0, 10)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

/** Accuracy on `test` of the nearest class mean computed on `train`. */
function nearestMeanAccuracy(train: Dataset, test: Dataset): number {
  const size = exampleSize(train);
  const means = new Float64Array(train.numClasses * size);
  const counts = new Array(train.numClasses).fill(0);
  for (let i = 0; i < train.n; i++) {
    const y = train.labels[i]!;
    counts[y]++;
    for (let p = 0; p < size; p++) means[y * size + p]! += train.images[i * size + p]!;
  }
  for (let k = 0; k < train.numClasses; k++) {
    for (let p = 0; p < size; p++) means[k * size + p]! /= counts[k];
  }
  let correct = 0;
  for (let i = 0; i < test.n; i++) {
    let best = -1, bestD = Infinity;
    for (let k = 0; k < test.numClasses; k++) {
      let d = 0;
      for (let p = 0; p < size; p++) d += (test.images[i * size + p]! - means[k * size + p]!) ** 2;
      if (d < bestD) [best, bestD] = [k, d];
    }
    if (best === test.labels[i]) correct++;
  }
  return correct / test.n;
}

Deno.test("syntheticDataset() classes are learnable across seeds (nearest mean > 90%)", () => {
  const train = syntheticDataset({ n: 200, seed: 1, height: 12, width: 12 });
  const test = syntheticDataset({ n: 200, seed: 2, height: 12, width: 12 });
  const acc = nearestMeanAccuracy(train, test);
  assert.ok(acc > 0.9, `accuracy ${acc}`);
});

Deno.test("syntheticDataset() with another templateSeed draws other class templates", () => {
  const a = syntheticDataset({ n: 50, seed: 1, height: 8, width: 8, noise: 0 });
  const b = syntheticDataset({ n: 50, seed: 1, height: 8, width: 8, noise: 0, templateSeed: 9 });
  assert.deepEqual(a.labels, b.labels);
  assert.notDeepEqual(Array.from(a.images), Array.from(b.images));
});

Deno.test("syntheticDataset() rejects a bad size", () => {
  assert.throws(() => syntheticDataset({ n: -1, seed: 0 }), RangeError);
  assert.throws(() => syntheticDataset({ n: 4, seed: 0, height: 0 }), /height/);
  assert.throws(() => syntheticDataset({ n: 4, seed: 0, numClasses: 1.5 }), /numClasses/);
});
