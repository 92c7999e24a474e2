import assert from "node:assert/strict";
import { createDataset, sliceDataset } from "../../../engine/data/dataset.ts";

const tiny = () =>
  createDataset({
    images: Float32Array.from({ length: 4 * 2 * 2 }, (_, i) => i / 16),
    labels: Int32Array.of(0, 1, 2, 1),
    height: 2,
    width: 2,
    channels: 1,
    numClasses: 3,
  });

Deno.test("createDataset() derives n from the labels", () => {
  assert.equal(tiny().n, 4);
});

Deno.test("createDataset() rejects images whose length does not match the shape", () => {
  assert.throws(
    () =>
      createDataset({
        images: new Float32Array(7),
        labels: Int32Array.of(0, 1),
        height: 2,
        width: 2,
        channels: 1,
        numClasses: 2,
      }),
    /images has 7 values, expected 2 labels x 2x2x1 = 8/,
  );
});

Deno.test("createDataset() rejects a label outside [0, numClasses)", () => {
  assert.throws(
    () =>
      createDataset({
        images: new Float32Array(2),
        labels: Int32Array.of(0, 2),
        height: 1,
        width: 1,
        channels: 1,
        numClasses: 2,
      }),
    (e: unknown) => e instanceof RangeError && /label 2 at index 1/.test(e.message),
  );
});

Deno.test("sliceDataset() returns the examples of [start, end) as views", () => {
  const ds = tiny();
  const part = sliceDataset(ds, 1, 3);
  assert.equal(part.n, 2);
  assert.deepEqual(Array.from(part.labels), [1, 2]);
  assert.deepEqual(Array.from(part.images), Array.from(ds.images.subarray(4, 12)));
  assert.equal(part.images.buffer, ds.images.buffer);
  part.images[0] = 0.5;
  assert.equal(ds.images[4], 0.5);
  assert.equal(sliceDataset(ds, 2, 2).n, 0);
});

Deno.test("sliceDataset() rejects a range outside the data set", () => {
  const ds = tiny();
  assert.throws(() => sliceDataset(ds, 0, 5), RangeError);
  assert.throws(() => sliceDataset(ds, 3, 2), RangeError);
  assert.throws(() => sliceDataset(ds, -1, 2), RangeError);
});
