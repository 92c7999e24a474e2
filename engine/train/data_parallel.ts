/**
 * Synchronous data-parallel training over Web Workers: each worker is a model replica on
 * its own wasm backend (one core each); every step, each replica computes the gradient of
 * its equal shard of the batch, the shards' gradients are averaged (the gradient of the
 * whole batch's mean loss) and every replica applies the same Adam update, so the replicas
 * stay identical. Batch-norm statistics are per shard, as in plain data parallelism; the
 * moving statistics are averaged at the end.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { createRng, shuffleInPlace } from "../rng.ts";
import type { Dataset } from "../data/dataset.ts";
import { DEFAULT_SCHEDULE, learningRateAt } from "./schedule.ts";
import type { FromWorker, SharedDataset, ToWorker } from "./parallel_protocol.ts";
import type { TrainOptions, TrainResult } from "../train.ts";
import { StepLog } from "./step_log.ts";

/**
 * A worker replica failed or the replicas disagree at the end; the message names the worker.
 *
 * @example
 * ```ts ignore
 * try {
 *   await trainDataParallel(model, trainSet, { epochs: 1, workers: 2 });
 * } catch (e) {
 *   if (e instanceof ParallelTrainingError) console.error(e.message);
 * }
 * ```
 */
export class ParallelTrainingError extends Error {
  override name = "ParallelTrainingError";
}

/**
 * Options of {@linkcode trainDataParallel}: those of `trainModel` plus the worker count.
 *
 * @example
 * ```ts
 * import type { DataParallelOptions } from "./data_parallel.ts";
 * const options: DataParallelOptions = { epochs: 7, batchSize: 64, workers: 2 };
 * console.assert(options.batchSize! % options.workers === 0);
 * ```
 */
export interface DataParallelOptions extends TrainOptions {
  /** Number of Web Worker replicas; must divide the batch size. */
  readonly workers: number;
}

function shareDataset(ds: Dataset): SharedDataset {
  const images = new Float32Array(new SharedArrayBuffer(ds.images.byteLength));
  images.set(ds.images);
  const labels = new Int32Array(new SharedArrayBuffer(ds.labels.byteLength));
  labels.set(ds.labels);
  const { n, height, width, channels, numClasses } = ds;
  return { images, labels, n, height, width, channels, numClasses };
}

/**
 * Every replica applied the same averaged updates, so their trainable weights must be
 * bit-identical; a difference means a lost or reordered message.
 */
function checkReplicasAgree(model: tf.LayersModel, replicas: readonly Float32Array[][]): void {
  model.weights.forEach((w, i) => {
    if (!w.trainable) return;
    const first = replicas[0]![i]!;
    replicas.slice(1).forEach((r, k) => {
      const other = r[i]!;
      if (other.length !== first.length || other.some((v, j) => v !== first[j])) {
        throw new ParallelTrainingError(
          `replicas 0 and ${k + 1} disagree on ${w.name}: the training run is not valid`,
        );
      }
    });
  });
}

/** One worker and a queue of its replies. */
class Replica {
  readonly worker: Worker;
  #waiting: ((m: FromWorker) => void)[] = [];
  #inbox: FromWorker[] = [];
  constructor(readonly rank: number) {
    this.worker = new Worker(new URL("./parallel_worker.ts", import.meta.url).href, {
      type: "module",
    });
    this.worker.onmessage = (e: MessageEvent<FromWorker>) => this.#deliver(e.data);
    this.worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.#deliver({ v: 1, kind: "error", rank, message: e.message });
    };
  }
  #deliver(m: FromWorker): void {
    const next = this.#waiting.shift();
    if (next) next(m);
    else this.#inbox.push(m);
  }
  send(m: ToWorker, transfer: Transferable[] = []): void {
    this.worker.postMessage(m, transfer);
  }
  /** The next reply, which must be of `kind`. */
  async next<K extends FromWorker["kind"]>(kind: K): Promise<Extract<FromWorker, { kind: K }>> {
    const m = this.#inbox.shift() ?? await new Promise<FromWorker>((r) => this.#waiting.push(r));
    if (m.kind === "error") throw new ParallelTrainingError(`worker ${this.rank}: ${m.message}`);
    if (m.kind !== kind) {
      throw new ParallelTrainingError(`worker ${this.rank}: expected "${kind}", got "${m.kind}"`);
    }
    return m as Extract<FromWorker, { kind: K }>;
  }
}

/**
 * Trains `model` in place like {@linkcode trainModel} (same options, schedule, drop-last
 * batching and augmentation), with the batch split across `workers` Web Workers.
 *
 * @example
 * ```ts ignore
 * const result = await trainDataParallel(model, trainSet, { epochs: 5, workers: 2 });
 * ```
 */
export async function trainDataParallel(
  model: tf.LayersModel,
  train: Dataset,
  options: DataParallelOptions,
): Promise<TrainResult> {
  const { epochs, workers, batchSize = 64, seed = 0 } = options;
  const schedule = options.schedule ?? DEFAULT_SCHEDULE;
  if (!Number.isInteger(workers) || workers < 1 || batchSize % workers !== 0) {
    throw new RangeError(
      `Cannot train on ${workers} workers with batch size ${batchSize}: ` +
        `the worker count must be a positive integer dividing the batch size`,
    );
  }
  const stepsPerEpoch = Math.floor(train.n / batchSize);
  if (!Number.isInteger(epochs) || epochs < 1 || stepsPerEpoch === 0) {
    throw new RangeError(
      `Cannot train ${epochs} epochs on ${train.n} examples with batch size ${batchSize}`,
    );
  }
  const totalSteps = stepsPerEpoch * epochs;
  const data = shareDataset(train);
  const modelJson = JSON.stringify(model.toJSON(undefined, false));
  const initial = model.weights.map((w) => new Float32Array(w.read().dataSync()));
  const replicas = Array.from({ length: workers }, (_, rank) => new Replica(rank));
  const rng = createRng(seed);
  const order = Int32Array.from({ length: train.n }, (_, i) => i);
  const log = new StepLog({
    epochs,
    stepsPerEpoch,
    what: "Training",
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  try {
    for (const r of replicas) {
      r.send({
        v: 1,
        kind: "init",
        modelJson,
        weights: initial,
        data,
        rank: r.rank,
        world: workers,
        seed,
        batchSize,
        labelSmoothing: options.labelSmoothing ?? 0,
        augment: { shift: options.augment?.shift, flip: options.augment?.flip },
      });
    }
    await Promise.all(replicas.map((r) => r.next("ready")));
    for (let epoch = 1; epoch <= epochs; epoch++) {
      log.startEpoch(epoch);
      shuffleInPlace(order, rng);
      for (const r of replicas) r.send({ v: 1, kind: "epoch", order: order.slice() });
      for (let step = 1; step <= stepsPerEpoch; step++) {
        for (const r of replicas) r.send({ v: 1, kind: "step", step: step - 1 });
        const parts = await Promise.all(replicas.map((r) => r.next("grads")));
        const mean = parts[0]!.grads;
        let loss = parts[0]!.loss;
        for (const p of parts.slice(1)) {
          for (let i = 0; i < mean.length; i++) mean[i]! += p.grads[i]!;
          loss += p.loss;
        }
        if (workers > 1) { for (let i = 0; i < mean.length; i++) mean[i]! /= workers; }
        loss /= workers;
        const lr = learningRateAt(schedule, log.steps, totalSteps);
        await log.step(loss, lr); // throws on a non-finite loss, before anything is applied
        for (const r of replicas) r.send({ v: 1, kind: "apply", grads: mean, lr });
      }
      log.endEpoch();
    }
    for (const r of replicas) r.send({ v: 1, kind: "finish" });
    const finals = await Promise.all(replicas.map((r) => r.next("weights")));
    checkReplicasAgree(model, finals.map((f) => f.weights));
    const averaged = finals[0]!.weights;
    for (const f of finals.slice(1)) {
      averaged.forEach((w, i) => {
        const other = f.weights[i]!;
        for (let j = 0; j < w.length; j++) w[j]! += other[j]!;
      });
    }
    if (workers > 1) {
      for (const w of averaged) for (let j = 0; j < w.length; j++) w[j]! /= workers;
    }
    model.setWeights(averaged.map((w, i) => tf.tensor(w, model.weights[i]!.read().shape)));
    return { history: log.history, steps: log.steps, seconds: log.elapsedSeconds };
  } finally {
    for (const r of replicas) r.worker.terminate();
  }
}
