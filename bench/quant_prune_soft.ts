/**
 * The soft first phase of the prune-half modes (`--soft F`): the full-width float network
 * is fine-tuned on the first share F of the epoch's images while the channels the
 * criterion pruned fade linearly to zero (over the first `fade` share of that phase,
 * 3/4 by default, exactly zero after), distilling from the unpruned network as the rest of the recipe does. Surgery
 * then removes the faded channels without changing what the network computes.
 *
 * @module
 */
import type { Dataset } from "../engine/data/dataset.ts";
import type { ExecSettings } from "../engine/exec/settings.ts";
import { cloneWeights, disposeWeights, type Weights } from "../engine/exec/weights.ts";
import type { Graph } from "../engine/models/ir.ts";
import { DEFAULT_FINETUNE_BATCH, fineTune, type Teacher } from "../engine/prune/finetune.ts";
import { annealedMaskHooks } from "../engine/prune/gradual.ts";
import type { GroupMasks } from "../engine/prune/masks.ts";

/** Default share of the soft phase over which pruned channels fade to zero. @default 0.75 */
export const DEFAULT_FADE_SHARE = 0.75;

/** What {@linkcode fadeOut} needs. */
export interface FadeOutOptions {
  readonly graph: Graph;
  readonly weights: Weights;
  readonly masks: GroupMasks;
  /** The soft phase's images. */
  readonly train: Dataset;
  readonly settings: ExecSettings;
  readonly lr: number;
  readonly batchSize?: number;
  /** @default {@linkcode DEFAULT_FADE_SHARE} */
  readonly fade?: number;
  readonly teacher?: Teacher;
  readonly labelSmoothing?: number;
  readonly onProgress?: (p: { step: number; stepsPerEpoch: number; loss: number }) => void;
}

/**
 * Fine-tunes a copy of `weights` with the pruned channels fading out; returns the copy
 * (the caller disposes it) and what to record.
 */
export async function fadeOut(
  opts: FadeOutOptions,
): Promise<{ weights: Weights; extra: Record<string, unknown> }> {
  const batchSize = opts.batchSize ?? DEFAULT_FINETUNE_BATCH;
  const steps = Math.floor(opts.train.n / batchSize);
  const fade = opts.fade ?? DEFAULT_FADE_SHARE;
  if (!(fade > 0 && fade <= 1)) throw new RangeError(`Cannot fade over a share ${fade}`);
  const fadeSteps = Math.max(1, Math.floor(fade * steps));
  const weights = cloneWeights(opts.weights);
  try {
    const r = await fineTune(opts.graph, weights, {
      train: opts.train,
      batchSize,
      lr: opts.lr,
      flip: true,
      settings: opts.settings,
      hooks: annealedMaskHooks(opts.graph, opts.masks, { steps: fadeSteps }),
      ...(opts.teacher ? { teacher: opts.teacher } : {}),
      ...(opts.labelSmoothing === undefined ? {} : { labelSmoothing: opts.labelSmoothing }),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      seed: 1,
    });
    return {
      weights,
      extra: { softExamples: r.examples, softSteps: r.steps, fadeSteps, fade },
    };
  } catch (e) {
    disposeWeights(weights);
    throw e;
  }
}
