/**
 * Conversion of a {@linkcode Batch} to tfjs tensors.
 *
 * @module
 */
import { tf } from "../backend.ts";
import type { Batch } from "./batches.ts";
import type { Dataset } from "./dataset.ts";

/**
 * The batch as tensors: `x` `[size, height, width, channels]` float32 and `y` one-hot
 * `[size, numClasses]` float32. The caller owns (and must dispose) both.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initBackend } from "../backend.ts";
 * import { batches } from "./batches.ts";
 * import { syntheticDataset } from "./synthetic.ts";
 * import { batchToTensors } from "./to_tensors.ts";
 * await initBackend("cpu");
 * const ds = syntheticDataset({ n: 4, seed: 0, height: 4, width: 4 });
 * const { x, y } = batchToTensors(batches(ds, { batchSize: 4 }).next().value!, ds);
 * assert.ok(x.shape.join() === "4,4,4,1" && y.shape.join() === "4,10");
 * x.dispose(); y.dispose();
 * ```
 */
export function batchToTensors(b: Batch, ds: Dataset): { x: tf.Tensor4D; y: tf.Tensor2D } {
  return tf.tidy(() => ({
    x: tf.tensor4d(b.x, [b.size, ds.height, ds.width, ds.channels], "float32"),
    y: tf.oneHot(tf.tensor1d(b.y, "int32"), ds.numClasses).toFloat() as tf.Tensor2D,
  }));
}
