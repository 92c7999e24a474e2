import assert from "node:assert/strict";
import {
  DataNotFoundError,
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_DIR,
  FASHION_MNIST_FILES,
  loadFashionMnist,
} from "../../../engine/data/fashion_mnist.ts";
import { IdxFormatError } from "../../../engine/data/idx.ts";
import { writeIdxPair } from "../../fixtures/idx_bytes.ts";

Deno.test("loadFashionMnist('train') loads 60000 28x28x1 images with labels 0..9", async () => {
  const t0 = performance.now();
  const ds = await loadFashionMnist("train");
  const ms = performance.now() - t0;
  console.log(`  train split loaded in ${ms.toFixed(0)} ms`);
  assert.deepEqual([ds.n, ds.height, ds.width, ds.channels, ds.numClasses], [60000, 28, 28, 1, 10]);
  assert.equal(ds.images.length, 60000 * 784);
  assert.equal(ds.labels.length, 60000);
  const counts = new Array(10).fill(0);
  for (const y of ds.labels) counts[y]++;
  assert.deepEqual(counts, new Array(10).fill(6000));
});

Deno.test("loadFashionMnist('test') has 10000 examples, 1000 per class, pixels in [0, 1]", async () => {
  const ds = await loadFashionMnist("test", { dir: FASHION_MNIST_DIR });
  assert.equal(ds.n, 10000);
  const counts = new Array(10).fill(0);
  for (const y of ds.labels) counts[y]++;
  assert.deepEqual(counts, new Array(10).fill(1000));
  let min = Infinity, max = -Infinity, sum = 0;
  for (const v of ds.images) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  assert.equal(min, 0);
  assert.equal(max, 1);
  const mean = sum / ds.images.length;
  assert.ok(mean > 0.2 && mean < 0.4, `mean pixel ${mean}`); // Fashion-MNIST's is ~0.286
});

Deno.test("loadFashionMnist() with a limit returns the first examples of the split", async () => {
  const [all, some] = await Promise.all([
    loadFashionMnist("test"),
    loadFashionMnist("test", { limit: 50 }),
  ]);
  assert.equal(some.n, 50);
  assert.deepEqual(Array.from(some.labels), Array.from(all.labels.subarray(0, 50)));
  assert.deepEqual(Array.from(some.images), Array.from(all.images.subarray(0, 50 * 784)));
  assert.equal((await loadFashionMnist("train", { limit: 3 })).n, 3);
});

Deno.test("FASHION_MNIST_CLASSES names the 10 classes in label order", () => {
  assert.equal(FASHION_MNIST_CLASSES.length, 10);
  assert.equal(FASHION_MNIST_CLASSES[0], "T-shirt/top");
  assert.equal(FASHION_MNIST_CLASSES[9], "Ankle boot");
});

Deno.test("loadFashionMnist() on a missing directory names the missing file and the fix", async () => {
  const dir = "/nonexistent/fashion";
  await assert.rejects(() => loadFashionMnist("test", { dir }), (e: unknown) => {
    assert.ok(e instanceof DataNotFoundError);
    assert.match(e.message, /\/nonexistent\/fashion\/t10k-(images-idx3|labels-idx1)-ubyte\.gz/);
    assert.match(e.message, /apt-get install dataset-fashion-mnist/);
    assert.match(e.message, /--data DIR/);
    return true;
  });
});

Deno.test("loadFashionMnist() names the one file missing from a directory", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeIdxPair(dir, FASHION_MNIST_FILES.test, { n: 3, h: 2, w: 2 });
    await Deno.remove(`${dir}/t10k-labels-idx1-ubyte`);
    await assert.rejects(() => loadFashionMnist("test", { dir }), (e: unknown) => {
      assert.ok(e instanceof DataNotFoundError);
      assert.equal(e.path, `${dir}/t10k-labels-idx1-ubyte.gz`);
      assert.doesNotMatch(e.message, /images/);
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadFashionMnist() reads uncompressed and gzipped files alike", async () => {
  for (const gzip of [false, true]) {
    const dir = await Deno.makeTempDir();
    try {
      await writeIdxPair(dir, FASHION_MNIST_FILES.train, { n: 5, h: 3, w: 4, gzip });
      const ds = await loadFashionMnist("train", { dir });
      assert.deepEqual([ds.n, ds.height, ds.width, ds.channels], [5, 3, 4, 1]);
      assert.deepEqual(Array.from(ds.labels), [0, 1, 2, 3, 4]);
      assert.equal(ds.images[1], Math.fround(37 / 255));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
});

Deno.test("loadFashionMnist() rejects an image/label count mismatch naming both files", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeIdxPair(dir, FASHION_MNIST_FILES.test, { n: 4, h: 2, w: 2, labelCount: 3 });
    for (const limit of [undefined, 2]) {
      await assert.rejects(
        () => loadFashionMnist("test", limit === undefined ? { dir } : { dir, limit }),
        (e: unknown) => {
          assert.ok(e instanceof IdxFormatError);
          assert.match(e.message, /t10k-labels-idx1-ubyte: has 3 labels/);
          assert.match(e.message, /t10k-images-idx3-ubyte has 4 images/);
          return true;
        },
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
