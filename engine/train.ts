/**
 * Training and evaluation loops for classifiers that output logits: Adam with a
 * learning-rate schedule, softmax cross-entropy, light augmentation, seeded shuffling,
 * and strict tensor hygiene (the tensor count is constant across steps).
 *
 * @module
 */
import { tf } from "./backend.ts";
import type { Dataset } from "./data/dataset.ts";
import { createRng, shuffleInPlace } from "./rng.ts";
import { type AugmentOptions, gatherBatch } from "./train/augment.ts";
import { registerBatchNormGradient } from "./train/batchnorm_grad.ts";
import { trainingForward } from "./train/train_forward.ts";
import { DEFAULT_SCHEDULE, learningRateAt, type LrSchedule } from "./train/schedule.ts";
import { DEFAULT_EVAL_BATCH_SIZE, type EvalResult, evaluate } from "./train/evaluate.ts";

export { DEFAULT_EVAL_BATCH_SIZE, DEFAULT_SCHEDULE, evaluate, learningRateAt };
export type { EvalResult };
export type { AugmentOptions, LrSchedule };

/** Default training batch size. */
export const DEFAULT_BATCH_SIZE = 64;

export type { EpochRecord, TrainProgress } from "./train/step_log.ts";
import { type EpochRecord, StepLog, type TrainProgress } from "./train/step_log.ts";

/** Options of {@linkcode trainModel}. */
export interface TrainOptions {
  /** Passes over the training set. */
  readonly epochs: number;
  /** @default {@linkcode DEFAULT_BATCH_SIZE} */
  readonly batchSize?: number;
  /** Seed of shuffling and augmentation. @default 0 */
  readonly seed?: number;
  /** @default {@linkcode DEFAULT_SCHEDULE} */
  readonly schedule?: LrSchedule;
  /** @default no augmentation */
  readonly augment?: AugmentOptions;
  /** Label smoothing of the cross-entropy. @default 0 */
  readonly labelSmoothing?: number;
  /** Called after every step (keep it cheap). */
  readonly onProgress?: (p: TrainProgress) => void;
}

/** What {@linkcode trainModel} returns. */
export interface TrainResult {
  readonly history: readonly EpochRecord[];
  /** Optimizer steps taken. */
  readonly steps: number;
  /** Wall-clock seconds of the whole run. */
  readonly seconds: number;
}

function checkPositiveInt(what: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0) {
    throw new RangeError(`Cannot train with ${what} ${v}: expected a positive integer`);
  }
}

/**
 * Trains `model` (logits out) on `train` in place: shuffled mini-batches (the last partial
 * batch of each epoch is dropped), `model.apply(x, {training: true})` so batch norm
 * updates its moving statistics and dropout is active, Adam stepped by `schedule`.
 *
 * @example
 * ```ts ignore
 * const result = await trainModel(model, trainSet, { epochs: 2, seed: 1 });
 * console.log(result.history.at(-1)?.loss);
 * ```
 */
export async function trainModel(
  model: tf.LayersModel,
  train: Dataset,
  options: TrainOptions,
): Promise<TrainResult> {
  const { epochs, batchSize = DEFAULT_BATCH_SIZE, seed = 0 } = options;
  const schedule = options.schedule ?? DEFAULT_SCHEDULE;
  checkPositiveInt("epochs", epochs);
  checkPositiveInt("batchSize", batchSize);
  const stepsPerEpoch = Math.floor(train.n / batchSize);
  if (stepsPerEpoch === 0) {
    throw new RangeError(
      `Cannot train on ${train.n} examples with batchSize ${batchSize}: not one full batch`,
    );
  }
  const totalSteps = stepsPerEpoch * epochs;
  registerBatchNormGradient();
  const rng = createRng(seed);
  const order = Int32Array.from({ length: train.n }, (_, i) => i);
  const { height: h, width: w, channels: c, numClasses } = train;
  const xBuf = new Float32Array(batchSize * h * w * c);
  const yBuf = new Int32Array(batchSize);
  const optimizer = tf.train.adam(learningRateAt(schedule, 0, totalSteps));
  const lrSlot = optimizer as unknown as { learningRate: number };
  const forward = trainingForward(model, { rng });
  const vars = model.trainableWeights.map((v) => v.read() as tf.Variable);
  const smoothing = options.labelSmoothing ?? 0;
  const augment = { ...options.augment, rng };
  const log = new StepLog({
    epochs,
    stepsPerEpoch,
    what: "Training",
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      log.startEpoch(epoch);
      shuffleInPlace(order, rng);
      for (let step = 1; step <= stepsPerEpoch; step++) {
        const idx = order.subarray((step - 1) * batchSize, step * batchSize);
        gatherBatch(train, idx, xBuf, augment);
        for (let i = 0; i < batchSize; i++) yBuf[i] = train.labels[idx[i]!]!;
        const lr = learningRateAt(schedule, log.steps, totalSteps);
        lrSlot.learningRate = lr;
        const loss = tf.tidy(() => {
          const x = tf.tensor4d(xBuf, [batchSize, h, w, c]);
          const y = tf.oneHot(tf.tensor1d(yBuf, "int32"), numClasses);
          const cost = optimizer.minimize(
            () => {
              const logits = forward(x);
              return tf.losses.softmaxCrossEntropy(y, logits, undefined, smoothing);
            },
            true,
            vars,
          );
          return cost!.dataSync()[0]!;
        });
        await log.step(loss, lr);
      }
      log.endEpoch();
    }
  } finally {
    optimizer.dispose();
  }
  return { history: log.history, steps: log.steps, seconds: log.elapsedSeconds };
}
