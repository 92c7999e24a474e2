/**
 * A tiny residual classifier (8x8x1 in, conv-BN-ReLU, a residual block, GAP, dense),
 * trained a few epochs on synthetic data, and labelled calibration batches.
 *
 * @module
 */
import { initBackend, tf } from "../../../engine/backend.ts";
import { batches } from "../../../engine/data/batches.ts";
import { syntheticDataset } from "../../../engine/data/synthetic.ts";
import { batchToTensors } from "../../../engine/data/to_tensors.ts";
import { type Weights, weightsFromLayersModel } from "../../../engine/exec/weights.ts";
import { graphFromLayersModel } from "../../../engine/models/from_layers.ts";
import type { Graph } from "../../../engine/models/ir.ts";
import type { LabeledBatch } from "../../../engine/prune/criteria/types.ts";
import { trainModel } from "../../../engine/train.ts";

/** What the tests share. */
export interface Trained {
  readonly graph: Graph;
  readonly weights: Weights;
  readonly data: LabeledBatch[];
}

function build(): tf.LayersModel {
  const init = (seed: number) => tf.initializers.heNormal({ seed });
  const conv = (x: tf.SymbolicTensor, name: string, filters: number, seed: number) =>
    tf.layers.conv2d({
      name,
      filters,
      kernelSize: 3,
      padding: "same",
      useBias: false,
      kernelInitializer: init(seed),
    }).apply(x) as tf.SymbolicTensor;
  const bn = (x: tf.SymbolicTensor, name: string) =>
    tf.layers.batchNormalization({ name, momentum: 0.9 }).apply(x) as tf.SymbolicTensor;
  const relu = (x: tf.SymbolicTensor, name: string) =>
    tf.layers.reLU({ name }).apply(x) as tf.SymbolicTensor;
  const input = tf.input({ shape: [8, 8, 1], name: "input" });
  const h = relu(bn(conv(input, "conv1", 8, 1), "bn1"), "relu1");
  const r = relu(bn(conv(h, "conv2", 12, 2), "bn2"), "relu2");
  const s = bn(conv(r, "conv3", 8, 3), "bn3");
  const sum = tf.layers.add({ name: "add" }).apply([h, s]) as tf.SymbolicTensor;
  const g = tf.layers.globalAveragePooling2d({ name: "gap" })
    .apply(relu(sum, "relu3")) as tf.SymbolicTensor;
  const out = tf.layers.dense({ name: "logits", units: 4, kernelInitializer: init(4) })
    .apply(g) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: "tiny-res" });
}

let cached: Promise<Trained> | undefined;

/** The trained model and 2 calibration batches of 64 (built once per test file). */
export function trainedTiny(): Promise<Trained> {
  cached ??= (async () => {
    await initBackend();
    const model = build();
    const opts = { height: 8, width: 8, numClasses: 4 };
    const train = syntheticDataset({ n: 512, seed: 1, ...opts });
    await trainModel(model, train, { epochs: 12, batchSize: 32, seed: 1 });
    const graph = graphFromLayersModel(model);
    const weights = weightsFromLayersModel(model, graph);
    const calib = syntheticDataset({ n: 128, seed: 2, ...opts });
    const data = [...batches(calib, { batchSize: 64 })].map((b) => batchToTensors(b, calib));
    model.dispose();
    return { graph, weights, data };
  })();
  return cached;
}
