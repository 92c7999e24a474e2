import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { seeded } from "./_compare.ts";

Deno.test("Identity on wasm shares the input's data and survives disposing either tensor", async () => {
  await initBackend("wasm");
  const values = seeded([3, 5, 7], 1);
  const x = tf.tensor3d(values, [3, 5, 7]);
  const y = tf.clone(x);
  assert.equal(y.dataId, x.dataId, "a clone shares the data");
  x.dispose();
  assert.deepEqual(y.dataSync(), values);
  const z = tf.clone(y);
  y.dispose();
  assert.deepEqual(z.dataSync(), values);
  z.dispose();
});

Deno.test("Identity on wasm keeps the input's values, shape and dtype for int32 and bool", async () => {
  await initBackend("wasm");
  for (const dtype of ["int32", "bool"] as const) {
    const x = tf.tensor2d([1, 0, 1, 1, 0, 1], [2, 3], dtype);
    const y = tf.clone(x);
    assert.equal(y.dtype, dtype);
    assert.deepEqual(y.shape, [2, 3]);
    assert.deepEqual(Array.from(y.dataSync()), [1, 0, 1, 1, 0, 1]);
    tf.dispose([x, y]);
  }
});
