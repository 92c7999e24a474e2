/**
 * Float fine-tuning of a pruned (or merged) network through the executor: Adam on a
 * warm-up + cosine schedule, optional label smoothing, left-right flips, and optional
 * knowledge distillation from the unpruned network (its logits, softened by a temperature,
 * and optionally its feature maps at the kept channels). Training-mode batch norm updates
 * the moving statistics. Optional executor hooks per step (e.g. masks that fade pruned
 * channels out). Weights are updated in place.
 *
 * @module
 */
import { tf } from "../backend.ts";
import type { Dataset } from "../data/dataset.ts";
import { applyBnUpdates, type BnUpdate, forward } from "../exec/forward.ts";
import type { ExecHooks } from "../exec/hooks.ts";
import type { ExecSettings } from "../exec/settings.ts";
import { trainableVariables, type Weights } from "../exec/weights.ts";
import type { Graph } from "../models/ir.ts";
import { createRng, shuffleInPlace } from "../rng.ts";
import { type EpochRecord, StepLog, type TrainProgress } from "../train/step_log.ts";
import { gatherBatch } from "../train/augment.ts";
import { WeightAverage } from "../train/weight_average.ts";
import { registerBatchNormGradient } from "../train/batchnorm_grad.ts";
import { checkDistillWeights, distillationLoss, type DistillWeights } from "../train/distill.ts";
import {
  captureOutputs,
  checkFeatureDistill,
  type FeatureDistill,
  featureDistillationLoss,
} from "../train/feature_distill.ts";
import { learningRateAt } from "../train/schedule.ts";
import { composeHooks } from "../exec/hooks.ts";
import { noDropoutSettings } from "../exec/settings.ts";

/** Default peak learning rate of the fine-tune. @default 1e-3 */
export const DEFAULT_FINETUNE_LR = 1e-3;
/** Default warm-up fraction of the fine-tune. @default 0.05 */
export const DEFAULT_FINETUNE_WARMUP = 0.05;
/** Default fine-tune batch size. @default 64 */
export const DEFAULT_FINETUNE_BATCH = 64;

/**
 * A teacher for distillation: the unpruned network (run in inference mode), with the
 * weight and temperature of the distillation term (`engine/train/distill.ts`).
 */
export interface Teacher extends DistillWeights {
  readonly graph: Graph;
  readonly weights: Weights;
  /** Also pull the student's features at these layers towards the teacher's (kept channels). */
  readonly features?: FeatureDistill;
}

/** The optimizers {@linkcode fineTune} can use. */
export const FINETUNE_OPTIMIZERS = ["adam", "sgd-nesterov"] as const;
/** An optimizer of {@linkcode fineTune}. */
export type FineTuneOptimizer = typeof FINETUNE_OPTIMIZERS[number];

/** Options of {@linkcode fineTune}. */
export interface FineTuneOptions {
  readonly train: Dataset;
  /** @default 1 */
  readonly epochs?: number;
  /** @default {@linkcode DEFAULT_FINETUNE_BATCH} */
  readonly batchSize?: number;
  /** Peak learning rate. @default {@linkcode DEFAULT_FINETUNE_LR} */
  readonly lr?: number;
  /** Linear warm-up fraction before the cosine decay to 0. @default 0.05 */
  readonly warmupFraction?: number;
  /** Label smoothing of the cross-entropy. @default 0 */
  readonly labelSmoothing?: number;
  /** Random left-right flips. @default false */
  readonly flip?: boolean;
  /** Distil from this network's logits. */
  readonly teacher?: Teacher;
  /** Batch-norm momenta and dropout rates. @default momentum 0.99, dropout off */
  readonly settings?: ExecSettings;
  /** Shuffle, flip and dropout seed. @default 0 */
  readonly seed?: number;
  /** Executor hooks of the trained network at a step (0-based, across epochs). @default none */
  readonly hooks?: (step: number) => ExecHooks | undefined;
  /**
   * Decay of an exponential moving average of the trainable weights, written into them at the
   * end (`engine/train/weight_average.ts`; batch-norm moving statistics are not averaged).
   * @default none
   */
  readonly ema?: number;
  /**
   * The optimizer: Adam, or SGD with Nesterov momentum 0.9 (`sgd-nesterov`; its learning
   * rates run about ten times Adam's). @default "adam"
   */
  readonly optimizer?: FineTuneOptimizer;
  /** Stop after this many steps in all (for quick runs). @default every step */
  readonly maxSteps?: number;
  /** Called after every step. */
  readonly onProgress?: (p: TrainProgress) => void;
}

/** What {@linkcode fineTune} returns. */
export interface FineTuneResult {
  readonly history: readonly EpochRecord[];
  readonly steps: number;
  /** Training images seen (steps × batch size). */
  readonly examples: number;
  readonly seconds: number;
}

function checkOptions(o: FineTuneOptions): void {
  for (const [what, v] of [["epochs", o.epochs ?? 1], ["batchSize", o.batchSize ?? 1]] as const) {
    if (!Number.isInteger(v) || v <= 0) {
      throw new RangeError(`Cannot fine-tune with ${what} ${v}: expected a positive integer`);
    }
  }
  const ls = o.labelSmoothing ?? 0;
  if (!(ls >= 0 && ls < 1)) throw new RangeError(`Cannot use label smoothing ${ls}`);
  if (o.teacher) checkDistillWeights(o.teacher);
  if (o.teacher?.features) checkFeatureDistill(o.teacher.features);
  const opt = o.optimizer ?? "adam";
  if (!(FINETUNE_OPTIMIZERS as readonly string[]).includes(opt)) {
    throw new RangeError(
      `Cannot fine-tune with optimizer "${opt}": expected ${FINETUNE_OPTIMIZERS.join(" or ")}`,
    );
  }
  if (o.ema !== undefined && !(o.ema > 0 && o.ema < 1)) {
    throw new RangeError(`Cannot fine-tune with ema ${o.ema}: expected a decay in (0, 1)`);
  }
}

function lossOf(
  logits: tf.Tensor2D,
  y: tf.Tensor2D,
  teacherLogits: tf.Tensor2D | undefined,
  o: FineTuneOptions,
): tf.Scalar {
  const smoothing = o.labelSmoothing ?? 0;
  if (teacherLogits === undefined) {
    return tf.losses.softmaxCrossEntropy(y, logits, undefined, smoothing) as tf.Scalar;
  }
  return distillationLoss(logits, y, teacherLogits, o.teacher, smoothing);
}

/**
 * Fine-tunes `weights` in place (see the module notes).
 *
 * @example
 * ```ts ignore
 * const r = await fineTune(small.graph, small.weights, { train, teacher: { graph, weights } });
 * ```
 */
export async function fineTune(
  graph: Graph,
  weights: Weights,
  opts: FineTuneOptions,
): Promise<FineTuneResult> {
  checkOptions(opts);
  const { train, epochs = 1, batchSize = DEFAULT_FINETUNE_BATCH, seed = 0 } = opts;
  const perEpoch = Math.floor(train.n / batchSize);
  const totalSteps = Math.min(perEpoch * epochs, opts.maxSteps ?? Infinity);
  if (totalSteps <= 0) {
    throw new RangeError(`Cannot fine-tune on ${train.n} examples with batchSize ${batchSize}`);
  }
  const settings = opts.settings ?? noDropoutSettings(graph);
  const schedule = {
    kind: "cosine",
    lr: opts.lr ?? DEFAULT_FINETUNE_LR,
    warmupFraction: opts.warmupFraction ?? DEFAULT_FINETUNE_WARMUP,
  } as const;
  registerBatchNormGradient();
  const rng = createRng(seed);
  const size = train.height * train.width * train.channels;
  const buffer = new Float32Array(batchSize * size);
  const varList = trainableVariables(weights);
  const lr0 = learningRateAt(schedule, 0, totalSteps);
  const sgd = opts.optimizer === "sgd-nesterov" ? tf.train.momentum(lr0, 0.9, true) : undefined;
  const optimizer = sgd ?? tf.train.adam(lr0);
  const average = opts.ema === undefined ? undefined : new WeightAverage(varList, opts.ema);
  // Adam reads its `learningRate` field at every step; SGD keeps a scalar that only
  // `setLearningRate` replaces (and tfjs's `instanceof` on optimizers is duck-typed).
  const setLr = sgd
    ? (lr: number) => sgd.setLearningRate(lr)
    : (lr: number) => ((optimizer as unknown as { learningRate: number }).learningRate = lr);
  const f = opts.teacher?.features;
  const features = f ? { f, layers: new Set(f.positions.keys()) } : undefined;
  const sFeatures = new Map<string, tf.Tensor>(), tFeatures = new Map<string, tf.Tensor>();
  const log = new StepLog({
    epochs,
    stepsPerEpoch: perEpoch,
    what: "Fine-tuning",
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
  try {
    for (let epoch = 1; epoch <= epochs && log.steps < totalSteps; epoch++) {
      log.startEpoch(epoch);
      const order = Int32Array.from({ length: train.n }, (_, i) => i);
      shuffleInPlace(order, createRng(seed * 7919 + epoch));
      for (let b = 0; b < perEpoch && log.steps < totalSteps; b++) {
        const idx = order.subarray(b * batchSize, (b + 1) * batchSize);
        gatherBatch(train, idx, buffer, { flip: opts.flip ?? false, rng });
        const lr = learningRateAt(schedule, log.steps, totalSteps);
        setLr(lr);
        const updates: BnUpdate[] = [];
        const loss = tf.tidy(() => {
          const x = tf.tensor4d(buffer, [batchSize, train.height, train.width, train.channels]);
          const labels = Int32Array.from(idx, (i) => train.labels[i]!);
          const y = tf.oneHot(tf.tensor1d(labels, "int32"), train.numClasses) as tf.Tensor2D;
          const teacher = opts.teacher;
          const tLogits = teacher
            ? forward(teacher.graph, teacher.weights, x, {
              ...(features ? { hooks: captureOutputs(features.layers, tFeatures) } : {}),
            })
            : undefined;
          const stepHooks = opts.hooks?.(log.steps);
          const hooks = features
            ? composeHooks(stepHooks ?? {}, captureOutputs(features.layers, sFeatures))
            : stepHooks;
          const cost = optimizer.minimize(
            () => {
              const logits = forward(graph, weights, x, {
                training: true,
                bnUpdates: updates,
                settings,
                rng,
                ...(hooks === undefined ? {} : { hooks }),
              });
              const loss = lossOf(logits, y, tLogits, opts);
              if (!features) return loss;
              return tf.add(loss, featureDistillationLoss(sFeatures, tFeatures, features.f));
            },
            true,
            varList,
          );
          return cost!.dataSync()[0]!;
        });
        tf.dispose([...sFeatures.values(), ...tFeatures.values()]);
        sFeatures.clear();
        tFeatures.clear();
        applyBnUpdates(weights, updates, settings.bnMomentum);
        average?.update();
        await log.step(loss, lr);
      }
      log.endEpoch();
    }
    average?.apply();
    return {
      history: log.history,
      steps: log.steps,
      examples: log.steps * batchSize,
      seconds: log.elapsedSeconds,
    };
  } finally {
    optimizer.dispose();
    average?.dispose();
  }
}
