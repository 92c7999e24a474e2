/**
 * Web Worker entry of {@linkcode trainDataParallel}: one model replica on its own wasm
 * backend. Speaks the messages of `parallel_protocol.ts`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../backend.ts";
import { createRng } from "../rng.ts";
import type { Dataset } from "../data/dataset.ts";
import { type AugmentOptions, gatherBatch } from "./augment.ts";
import { registerBatchNormGradient } from "./batchnorm_grad.ts";
import { trainingForward } from "./train_forward.ts";
import type { FromWorker, ToWorker } from "./parallel_protocol.ts";

interface Replica {
  readonly model: tf.LayersModel;
  readonly vars: tf.Variable[];
  readonly forward: (x: tf.Tensor) => tf.Tensor;
  readonly optimizer: tf.AdamOptimizer;
  readonly data: Dataset;
  readonly rank: number;
  readonly world: number;
  readonly batchSize: number;
  readonly labelSmoothing: number;
  readonly augment: AugmentOptions & { rng: ReturnType<typeof createRng> };
  readonly xBuf: Float32Array;
  readonly yBuf: Int32Array;
  order: Int32Array;
}

const scope = self as unknown as {
  postMessage(m: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
};
let replica: Replica | undefined;
let rank = -1;

async function init(m: Extract<ToWorker, { kind: "init" }>): Promise<void> {
  rank = m.rank;
  await initBackend();
  registerBatchNormGradient();
  const model = await tf.models.modelFromJSON(JSON.parse(m.modelJson));
  model.setWeights(m.weights.map((w, i) => tf.tensor(w, model.weights[i]!.read().shape)));
  const rng = createRng(m.seed * 7919 + 104729 * (m.rank + 1));
  const shard = m.batchSize / m.world;
  const { height: h, width: w, channels: c } = m.data;
  replica = {
    model,
    vars: model.trainableWeights.map((v) => v.read() as tf.Variable),
    forward: trainingForward(model, { rng }),
    optimizer: tf.train.adam(1e-3),
    data: m.data,
    rank: m.rank,
    world: m.world,
    batchSize: m.batchSize,
    labelSmoothing: m.labelSmoothing,
    augment: { ...m.augment, rng },
    xBuf: new Float32Array(shard * h * w * c),
    yBuf: new Int32Array(shard),
    order: new Int32Array(0),
  };
  scope.postMessage({ v: 1, kind: "ready", rank });
}

function step(r: Replica, s: number): void {
  const shard = r.batchSize / r.world;
  const start = s * r.batchSize + r.rank * shard;
  const idx = r.order.subarray(start, start + shard);
  gatherBatch(r.data, idx, r.xBuf, r.augment);
  for (let i = 0; i < shard; i++) r.yBuf[i] = r.data.labels[idx[i]!]!;
  const { height: h, width: w, channels: c, numClasses } = r.data;
  const { loss, grads } = tf.tidy(() => {
    const x = tf.tensor4d(r.xBuf, [shard, h, w, c]);
    const y = tf.oneHot(tf.tensor1d(r.yBuf, "int32"), numClasses);
    const { value, grads } = tf.variableGrads(
      () =>
        tf.losses.softmaxCrossEntropy(y, r.forward(x), undefined, r.labelSmoothing) as tf.Scalar,
      r.vars,
    );
    const flat = tf.concat(r.vars.map((v) => grads[v.name]!.reshape([-1])));
    return { loss: value, grads: flat };
  });
  const lossValue = loss.dataSync()[0]!;
  const data = grads.dataSync() as Float32Array;
  loss.dispose();
  grads.dispose();
  const out = new Float32Array(data);
  scope.postMessage({ v: 1, kind: "grads", rank, loss: lossValue, grads: out }, [out.buffer]);
}

function apply(r: Replica, flat: Float32Array, lr: number): void {
  (r.optimizer as unknown as { learningRate: number }).learningRate = lr;
  tf.tidy(() => {
    const named: { name: string; tensor: tf.Tensor }[] = [];
    let offset = 0;
    for (const v of r.vars) {
      named.push({
        name: v.name,
        tensor: tf.tensor(flat.subarray(offset, offset + v.size), v.shape),
      });
      offset += v.size;
    }
    r.optimizer.applyGradients(named);
  });
}

function finish(r: Replica): void {
  const weights = r.model.weights.map((w) => new Float32Array(w.read().dataSync()));
  scope.postMessage({ v: 1, kind: "weights", rank, weights }, weights.map((w) => w.buffer));
}

async function handle(m: ToWorker): Promise<void> {
  if (m.kind === "init") return await init(m);
  if (replica === undefined) throw new Error(`received "${m.kind}" before "init"`);
  switch (m.kind) {
    case "epoch":
      replica.order = m.order;
      return;
    case "step":
      return step(replica, m.step);
    case "apply":
      return apply(replica, m.grads, m.lr);
    case "finish":
      return finish(replica);
  }
}

// Messages are handled strictly in order: init is asynchronous, the others are not.
let queue: Promise<void> = Promise.resolve();
scope.onmessage = (e) => {
  queue = queue.then(() => handle(e.data)).catch((err) => {
    const message = err instanceof Error ? err.message : String(err);
    scope.postMessage({ v: 1, kind: "error", rank, message });
  });
};
