import assert from "node:assert/strict";
import { batches, numBatches } from "../../../engine/data/batches.ts";
import { createDataset, type Dataset } from "../../../engine/data/dataset.ts";

/** Example i has every pixel equal to i and label i % 3, so batches reveal their order. */
function indexed(n: number): Dataset {
  const size = 2 * 2 * 1;
  return createDataset({
    images: Float32Array.from({ length: n * size }, (_, j) => Math.floor(j / size)),
    labels: Int32Array.from({ length: n }, (_, i) => i % 3),
    height: 2,
    width: 2,
    channels: 1,
    numClasses: 3,
  });
}

/** Example indices in the order the batches give them, checking x and y agree. */
function order(ds: Dataset, opts: Parameters<typeof batches>[1]): number[] {
  const out: number[] = [];
  for (const b of batches(ds, opts)) {
    assert.equal(b.x.length, b.size * 4);
    assert.equal(b.y.length, b.size);
    for (let i = 0; i < b.size; i++) {
      const idx = b.x[i * 4]!;
      assert.deepEqual(Array.from(b.x.subarray(i * 4, i * 4 + 4)), [idx, idx, idx, idx]);
      assert.equal(b.y[i], idx % 3);
      out.push(idx);
    }
  }
  return out;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

Deno.test("batches() without a seed yields examples in order, last batch partial", () => {
  const ds = indexed(10);
  assert.deepEqual([...batches(ds, { batchSize: 4 })].map((b) => b.size), [4, 4, 2]);
  assert.deepEqual(order(ds, { batchSize: 4 }), range(10));
});

Deno.test("batches() with a seed yields every example exactly once per epoch", () => {
  const ds = indexed(23);
  const seen = order(ds, { batchSize: 5, seed: 1 });
  assert.equal(seen.length, 23);
  assert.deepEqual([...seen].sort((a, b) => a - b), range(23));
  assert.notDeepEqual(seen, range(23));
});

Deno.test("batches() gives the same order for the same seed and another for another seed", () => {
  const ds = indexed(30);
  assert.deepEqual(order(ds, { batchSize: 8, seed: 42 }), order(ds, { batchSize: 8, seed: 42 }));
  assert.notDeepEqual(order(ds, { batchSize: 8, seed: 42 }), order(ds, { batchSize: 8, seed: 43 }));
});

Deno.test("batches() with dropRemainder yields only full batches", () => {
  const ds = indexed(10);
  const sizes = [...batches(ds, { batchSize: 4, dropRemainder: true })].map((b) => b.size);
  assert.deepEqual(sizes, [4, 4]);
  assert.equal(order(ds, { batchSize: 4, seed: 3, dropRemainder: true }).length, 8);
  assert.equal([...batches(ds, { batchSize: 11, dropRemainder: true })].length, 0);
});

Deno.test("numBatches() agrees with the number of batches yielded", () => {
  const ds = indexed(10);
  for (const batchSize of [1, 3, 4, 5, 10, 11]) {
    for (const dropRemainder of [false, true]) {
      const opts = { batchSize, dropRemainder };
      assert.equal(numBatches(ds, opts), [...batches(ds, opts)].length, JSON.stringify(opts));
    }
  }
});

Deno.test("batches() hands out fresh arrays that later batches and the data set do not touch", () => {
  const ds = indexed(6);
  const all = [...batches(ds, { batchSize: 2 })];
  assert.deepEqual(Array.from(all[0]!.y), [0, 1]);
  assert.notEqual(all[0]!.x.buffer, all[1]!.x.buffer);
  assert.notEqual(all[0]!.x.buffer, ds.images.buffer);
  all[0]!.x[0] = 99;
  assert.equal(ds.images[0], 0);
});

Deno.test("batches() rejects a batch size that is not a positive integer", () => {
  const ds = indexed(4);
  assert.throws(() => [...batches(ds, { batchSize: 0 })], RangeError);
  assert.throws(() => numBatches(ds, { batchSize: 1.5 }), RangeError);
});
