/**
 * Quantization-aware fine-tuning through the executor: training-mode batch norm (moving
 * statistics updated), kernels fake-quantized per output channel at each layer's `wbits`,
 * the tensors compute layers read fake-quantized at their `abits` (ranges tracked by an
 * EMA of observed min/max, or learned LSQ step sizes), channel masks in place; Adam with
 * a small learning rate on a cosine schedule. Options: MSE-clipped kernel ranges instead
 * of min-max, distillation from a float teacher's logits, random left-right flips, and
 * batch norms frozen (moving statistics, no updates) for the last part of the run. With
 * every bit-width at 32 it is a plain fine-tune (e.g. of a pruned network). Weights are
 * updated in place; quantize the result with `quantize(graph, weights, config,
 * {activations: result.activations, calibration: {weightObserver}})`, the kernel
 * observer it trained with.
 *
 * @module
 */
import { tf } from "../backend.ts";
import type { Configuration } from "../cost/config.ts";
import { batches } from "../data/batches.ts";
import type { Dataset } from "../data/dataset.ts";
import { gatherBatch } from "../train/augment.ts";
import { checkDistillWeights, distillationLoss, type DistillWeights } from "../train/distill.ts";
import { applyBnUpdates, type BnUpdate, forward } from "../exec/forward.ts";
import type { ChannelMask, ExecHooks } from "../exec/hooks.ts";
import type { ExecSettings } from "../exec/settings.ts";
import { trainableVariables, type Weights } from "../exec/weights.ts";
import { type Graph, isComputeNode } from "../models/ir.ts";
import { createRng, shuffleInPlace } from "../rng.ts";
import { type EpochRecord, StepLog, type TrainProgress } from "../train/step_log.ts";
import { registerBatchNormGradient } from "../train/batchnorm_grad.ts";
import { learningRateAt } from "../train/schedule.ts";
import { activationTargets, checkConfig, choiceOf } from "./act_targets.ts";
import {
  type ActivationQuantizer,
  DEFAULT_CLIP_REFRESH,
  emaQuantizer,
  lsqActivationQuantizer,
  weightQuantHooks,
} from "./_qat_quantizers.ts";
import type { QParams } from "./qparams.ts";
import type { WeightObserverKind } from "./calibrate.ts";
import { noDropoutSettings } from "../exec/settings.ts";

/** Default peak learning rate of QAT (Adam, cosine decay). @default 2e-4 */
export const DEFAULT_QAT_LR = 2e-4;
/** Default QAT batch size. @default 64 */
export const DEFAULT_QAT_BATCH = 64;

/** A float network whose logits the quantized one is distilled from (inference mode). */
export interface QatTeacher extends DistillWeights {
  readonly graph: Graph;
  readonly weights: Weights;
}

/** Options of {@linkcode qatFineTune}. */
export interface QatOptions {
  readonly train: Dataset;
  readonly epochs: number;
  /** @default {@linkcode DEFAULT_QAT_BATCH} */
  readonly batchSize?: number;
  /** Peak learning rate (short warm-up, cosine to 0). @default {@linkcode DEFAULT_QAT_LR} */
  readonly lr?: number;
  /** Shuffling and dropout seed. @default 0 */
  readonly seed?: number;
  /** Channel masks by node name, applied at every step (pruned channels stay zero). */
  readonly masks?: Readonly<Record<string, ChannelMask>>;
  /** Learn activation step sizes (LSQ) instead of tracking ranges. @default false */
  readonly lsq?: boolean;
  /**
   * Kernel ranges at every step: each channel's min-max, or its range of least squared
   * quantization error (quantize the result with the same `weightObserver`).
   * @default "minmax"
   */
  readonly weightObserver?: WeightObserverKind;
  /**
   * With `weightObserver: "mse"`, steps between two searches of the clipping ratios (the
   * last step always searches). @default {@linkcode DEFAULT_CLIP_REFRESH}
   */
  readonly clipRefreshEvery?: number;
  /** Distil from this network's logits (alpha, temperature: see `distill.ts`). */
  readonly teacher?: QatTeacher;
  /** Random left-right flips of the training images. @default false */
  readonly flip?: boolean;
  /**
   * Fraction of the steps after which batch norms use their moving statistics and stop
   * updating them, and dropout is off (1: never frozen). @default 1
   */
  readonly freezeBnAfter?: number;
  /** Batch-norm momenta and dropout rates. @default Keras momentum, no dropout */
  readonly settings?: ExecSettings;
  /** Stop each epoch after this many steps (for time-limited runs). @default all */
  readonly maxStepsPerEpoch?: number;
  /** Called after every step. */
  readonly onProgress?: (p: TrainProgress) => void;
}

/** What {@linkcode qatFineTune} returns. */
export interface QatResult {
  readonly history: readonly EpochRecord[];
  readonly steps: number;
  readonly seconds: number;
  /** Final activation parameters by node name of `graph` (the tensors read at < 32 bits). */
  readonly activations: Readonly<Record<string, QParams>>;
}

function positiveInt(what: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0) {
    throw new RangeError(`Cannot fine-tune with ${what} ${v}: expected a positive integer`);
  }
}

/**
 * Fine-tunes `weights` in place with fake quantization and masks (see the module notes).
 *
 * @example
 * ```ts ignore
 * const teacher = { graph, weights: floatWeights, alpha: 0.5, temperature: 2 };
 * const r = await qatFineTune(graph, weights, config, {
 *   train, epochs: 1, weightObserver: "mse", teacher, flip: true,
 * });
 * const q = quantize(graph, weights, config, {
 *   activations: r.activations, calibration: { weightObserver: "mse" },
 * });
 * ```
 */
export async function qatFineTune(
  graph: Graph,
  weights: Weights,
  config: Configuration,
  opts: QatOptions,
): Promise<QatResult> {
  checkConfig(graph, config);
  const { train, epochs, batchSize = DEFAULT_QAT_BATCH, seed = 0 } = opts;
  positiveInt("epochs", epochs);
  positiveInt("batchSize", batchSize);
  positiveInt("clipRefreshEvery", opts.clipRefreshEvery ?? DEFAULT_CLIP_REFRESH);
  const freezeBnAfter = opts.freezeBnAfter ?? 1;
  if (!(freezeBnAfter >= 0 && freezeBnAfter <= 1)) {
    throw new RangeError(`Cannot freeze batch norms after ${freezeBnAfter}: expected [0, 1]`);
  }
  if (opts.teacher) checkDistillWeights(opts.teacher);
  const full = Math.floor(train.n / batchSize);
  const stepsPerEpoch = Math.min(full, opts.maxStepsPerEpoch ?? full);
  if (stepsPerEpoch <= 0) {
    throw new RangeError(`Cannot fine-tune on ${train.n} examples with batchSize ${batchSize}`);
  }
  const schedule = { kind: "cosine", lr: opts.lr ?? DEFAULT_QAT_LR } as const;
  const settings = opts.settings ?? noDropoutSettings(graph);
  const masks = opts.masks ?? {};
  const wbits = new Map(
    graph.nodes.filter(isComputeNode).map((n) => [n.name, choiceOf(config, n.name).wbits]),
  );
  const targets = activationTargets(graph, config);
  const quantizers = new Map<string, ActivationQuantizer>();
  registerBatchNormGradient();
  const rng = createRng(seed);
  const toX = (x: Float32Array, n: number) =>
    tf.tensor4d(x, [n, train.height, train.width, train.channels]);
  if (opts.lsq) {
    const first = batches(train, { batchSize, seed }).next().value!;
    const x = toX(first.x, first.size);
    forward(graph, weights, x, {
      hooks: {
        masks,
        output: (node, y) => {
          const bits = targets.get(node.name);
          if (bits !== undefined) quantizers.set(node.name, lsqActivationQuantizer(y, bits));
          return y;
        },
      },
    }).dispose();
    x.dispose();
  } else {
    for (const [name, bits] of targets) quantizers.set(name, emaQuantizer(bits));
  }
  const weightHook = weightQuantHooks(wbits, opts.weightObserver ?? "minmax");
  const refreshEvery = opts.clipRefreshEvery ?? DEFAULT_CLIP_REFRESH;
  const hooks = (training: boolean, refresh = false): ExecHooks => ({
    weight: weightHook(refresh),
    output: (node, y) => quantizers.get(node.name)?.apply(y, training) ?? y,
    masks,
  });
  const varList = [
    ...trainableVariables(weights),
    ...[...quantizers.values()].flatMap((q) => q.variables),
  ];
  const totalSteps = stepsPerEpoch * epochs;
  const frozenFrom = Math.ceil(freezeBnAfter * totalSteps);
  const flipRng = createRng(seed * 7919 + 1);
  const buffer = new Float32Array(batchSize * train.height * train.width * train.channels);
  const labels = new Int32Array(batchSize);
  const optimizer = tf.train.adam(learningRateAt(schedule, 0, totalSteps));
  const lrSlot = optimizer as unknown as { learningRate: number };
  const log = new StepLog({
    epochs,
    stepsPerEpoch,
    what: "Fine-tuning",
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      log.startEpoch(epoch);
      // The order batches(train, {seed}) would give, gathered with optional flips.
      const order = Int32Array.from({ length: train.n }, (_, i) => i);
      shuffleInPlace(order, createRng(seed * 7919 + epoch));
      for (let step = 0; step < stepsPerEpoch; step++) {
        const idx = order.subarray(step * batchSize, (step + 1) * batchSize);
        gatherBatch(train, idx, buffer, { flip: opts.flip ?? false, rng: flipRng });
        for (let i = 0; i < batchSize; i++) labels[i] = train.labels[idx[i]!]!;
        const lr = learningRateAt(schedule, log.steps, totalSteps);
        lrSlot.learningRate = lr;
        const frozen = log.steps >= frozenFrom;
        const refresh = log.steps % refreshEvery === 0 || log.steps === totalSteps - 1;
        const updates: BnUpdate[] = [];
        const loss = tf.tidy(() => {
          const x = toX(buffer, batchSize);
          const y = tf.oneHot(tf.tensor1d(labels, "int32"), train.numClasses);
          const teacher = opts.teacher;
          const tLogits = teacher ? forward(teacher.graph, teacher.weights, x) : undefined;
          const cost = optimizer.minimize(
            () => {
              const logits = forward(graph, weights, x, {
                training: !frozen,
                hooks: hooks(true, refresh),
                bnUpdates: updates,
                settings,
                rng,
              });
              return tLogits
                ? distillationLoss(logits, y, tLogits, teacher!)
                : tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
            },
            true,
            varList,
          );
          return cost!.dataSync()[0]!;
        });
        applyBnUpdates(weights, updates, settings.bnMomentum);
        for (const q of quantizers.values()) q.afterStep();
        await log.step(loss, lr);
      }
      log.endEpoch();
    }
    const activations: Record<string, QParams> = {};
    for (const [name, q] of quantizers) activations[name] = q.qparams();
    return {
      history: log.history,
      steps: log.steps,
      seconds: log.elapsedSeconds,
      activations,
    };
  } finally {
    optimizer.dispose();
    for (const q of quantizers.values()) q.dispose();
  }
}
