/**
 * Makes one configuration real: prune each dependency group to its width (L1), fine-tune
 * with fake quantization and the channel masks in place, cut the pruned channels out
 * (surgery), quantize (batch norms folded; after fine-tuning with the ranges it tracked,
 * else by post-training quantization: activation ranges calibrated on data, or from
 * batch-norm statistics when data-free), measure test accuracy, and optionally export the
 * compressed model.
 *
 * @module
 */
import type { Configuration, LayerChoice } from "../cost/config.ts";
import { prunedChannels } from "../cost/config.ts";
import { exportModel } from "../export/disk.ts";
import { completeConfig } from "../export/min_max_state.ts";
import { cloneWeights, disposeWeights, weightsToArrays } from "../exec/weights.ts";
import { isComputeNode } from "../models/ir.ts";
import { dependencyGroups } from "../prune/channels.ts";
import { maskHooks } from "../prune/masks.ts";
import { pruneToRatio } from "../prune/prune_to_ratio.ts";
import { surgery } from "../prune/surgery.ts";
import { quantize } from "../quant/ptq.ts";
import { qatFineTune, type QatResult } from "../quant/qat.ts";
import type { SearchSession } from "./session.ts";

/** Options of {@linkcode compressCandidate}. */
export interface CompressOptions {
  /** Fine-tuning steps (batch 64); 0 or no training data: none. */
  readonly finetuneSteps: number;
  readonly seed: number;
  /** Writes the compressed model (tailor-export/v1) there. */
  readonly exportDir?: string;
  /** Reported after each fine-tuning step. */
  readonly onStep?: (step: number, total: number, loss: number) => void;
}

/** What {@linkcode compressCandidate} returns. */
export interface CompressedCandidate {
  /** Test accuracy with fake quantization (null without a test set). */
  readonly accuracy: number | null;
  /** Bytes of `weights.bin` when exported. */
  readonly weightBytes?: number;
  /** Channels kept per dependency group. */
  readonly channels: Readonly<Record<string, number>>;
}

/** Channels to keep per prunable group for `layers` (a group takes its producers' width). */
export function groupChannels(
  session: SearchSession,
  layers: Readonly<Record<string, LayerChoice>>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const g of dependencyGroups(session.static.graph)) {
    if (!g.prunable) continue;
    const widths = g.producers.map((p) => layers[p]?.width ?? 1);
    out[g.id] = prunedChannels(g.channels, Math.max(...widths));
  }
  return out;
}

/** Compresses `layers` as described in the module notes. */
export async function compressCandidate(
  session: SearchSession,
  layers: Readonly<Record<string, LayerChoice>>,
  options: CompressOptions,
): Promise<CompressedCandidate> {
  const { graph } = session.static;
  const config: Configuration = { layers };
  const weights = cloneWeights(session.weights);
  const channels = groupChannels(session, layers);
  const pruning = Object.entries(channels).some(([id, c]) =>
    dependencyGroups(graph).find((g) => g.id === id)!.channels !== c
  );
  const masks = pruning
    ? pruneToRatio(graph, weights, { criterion: "l1", widths: channels }).masks
    : undefined;
  const nodeMasks = masks ? maskHooks(graph, masks).masks ?? {} : {};
  let small = { graph, weights };
  let learned: QatResult["activations"] | undefined;
  try {
    if (options.finetuneSteps > 0 && session.train) {
      const total = options.finetuneSteps;
      ({ activations: learned } = await qatFineTune(graph, weights, config, {
        train: session.train,
        epochs: 1,
        maxStepsPerEpoch: total,
        masks: nodeMasks,
        settings: session.settings,
        seed: options.seed,
        ...(options.onStep ? { onProgress: (p) => options.onStep!(p.step, total, p.loss) } : {}),
      }));
    }
    if (masks) small = surgery(graph, weights, masks);
    const flat: Record<string, LayerChoice> = {};
    for (const n of small.graph.nodes.filter(isComputeNode)) {
      const c = layers[n.name];
      if (c) flat[n.name] = { ...c, width: 1 };
    }
    const calibration = session.calibration?.map((b) => b.x);
    const data = calibration && calibration.length > 0 ? { data: calibration } : {};
    // After fine-tuning, quantize as the network was trained: min-max kernel ranges and the
    // activation ranges tracked during fine-tuning (so no bias correction either: the batch
    // norms already track the quantized kernels). Clipping or correcting a fine-tuned
    // network moves it off the grid it learned (about a point lower on resnet8 at W4A8).
    // Without fine-tuning: post-training quantization with its defaults.
    const q = learned
      ? quantize(small.graph, small.weights, { layers: flat }, {
        calibration: { ...data, weightObserver: "minmax" },
        activations: learned,
      })
      : quantize(small.graph, small.weights, { layers: flat }, { calibration: data });
    try {
      const accuracy = session.test ? q.evaluate(session.test).accuracy : null;
      let weightBytes: number | undefined;
      if (options.exportDir !== undefined) {
        const arrays = weightsToArrays(q.weights);
        const sizes = await exportModel(options.exportDir, {
          graph: q.graph,
          weights: arrays,
          config: completeConfig(q.graph, q.config),
          quant: q.quantState(),
        });
        weightBytes = sizes.get("weights.bin");
      }
      return { accuracy, channels, ...(weightBytes === undefined ? {} : { weightBytes }) };
    } finally {
      q.dispose();
    }
  } finally {
    if (small.weights !== weights) disposeWeights(small.weights);
    disposeWeights(weights);
  }
}
