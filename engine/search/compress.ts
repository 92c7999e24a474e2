/**
 * Makes one configuration real: prune each dependency group to its width (L1), fine-tune
 * with fake quantization and the channel masks in place, cut the pruned channels out
 * (surgery; without fine-tuning, compensate the cut from the batch-norm moments, then
 * re-estimate the batch norms when images are given), quantize (batch norms folded; after
 * fine-tuning with the ranges it tracked, else by post-training quantization: activation
 * ranges calibrated on data, or from batch-norm statistics when data-free); then, for a
 * search candidate, measure test accuracy and optionally export the compressed model.
 * `deno task export` uses the same steps.
 *
 * @module
 */
import type { tf } from "../backend.ts";
import type { Configuration, LayerChoice } from "../cost/config.ts";
import { prunedChannels } from "../cost/config.ts";
import type { Dataset } from "../data/dataset.ts";
import { exportModel } from "../export/disk.ts";
import { exportInputOf } from "../export/from_quantized.ts";
import type { ExecSettings } from "../exec/settings.ts";
import { cloneWeights, disposeWeights, type Weights } from "../exec/weights.ts";
import { type Graph, isComputeNode } from "../models/ir.ts";
import { DEFAULT_RECALIBRATION_EXAMPLES, recalibrateBatchNorm } from "../prune/bn_recalibrate.ts";
import { dependencyGroups } from "../prune/channels.ts";
import { compensatePruned } from "../prune/compensate.ts";
import { maskHooks } from "../prune/masks.ts";
import { pruneToRatio } from "../prune/prune_to_ratio.ts";
import { surgery } from "../prune/surgery.ts";
import { checkConfig } from "../quant/act_targets.ts";
import { quantize } from "../quant/ptq.ts";
import { qatFineTune, type QatResult } from "../quant/qat.ts";
import type { QuantizedModel } from "../quant/quantized_model.ts";
import type { SearchSession } from "./session.ts";

/** What a configuration is made real from: the float network and, optionally, data. */
export interface RealizeSource {
  readonly graph: Graph;
  /** Float weights of `graph` (not modified: they are cloned). */
  readonly weights: Weights;
  readonly settings: ExecSettings;
  /** Training images for fine-tuning (absent when data-free: no fine-tuning). */
  readonly train?: Dataset;
  /** Calibration images (absent or empty when data-free: ranges from batch norms). */
  readonly calibration?: readonly tf.Tensor4D[];
  /**
   * Data-free: synthesized inputs for the tensors no batch norm describes (see
   * `CalibrationOptions.impressions` of `quantize`). Absent: made by `quantize` if needed.
   */
  readonly impressions?: readonly tf.Tensor4D[];
  /**
   * Images to re-estimate the batch norms on (forward passes, up to 2048) when the network
   * is pruned and not fine-tuned: the pruned channels' absence shifts every later batch
   * norm's input statistics. Absent: the data-free compensation alone.
   */
  readonly recalibration?: Dataset;
}

/** Options of {@linkcode realizeConfiguration}. */
export interface RealizeOptions {
  /** Fine-tuning steps (batch 64); 0 or no training data: none. */
  readonly finetuneSteps: number;
  readonly seed: number;
  /** Reported after each fine-tuning step. */
  readonly onStep?: (step: number, total: number, loss: number) => void;
}

/** What {@linkcode realizeConfiguration} returns. */
export interface RealizedConfiguration {
  /** The quantized, physically pruned network (the caller disposes it). */
  readonly model: QuantizedModel;
  /** Channels kept per dependency group. */
  readonly channels: Readonly<Record<string, number>>;
  /** True when some group lost channels. */
  readonly pruned: boolean;
  /** Fine-tuning steps run. */
  readonly finetuneSteps: number;
  /** How the pruned network recovered (`"none"` when nothing was pruned and not fine-tuned). */
  readonly recovery: Recovery;
}

/**
 * How a pruned network recovers: fine-tuning; else the cut compensated from the batch-norm
 * moments (`engine/prune/compensate.ts`), then, with images, the batch norms re-estimated
 * on them.
 */
export type Recovery =
  | "fine-tune"
  | "compensation + batch-norm re-estimation"
  | "data-free compensation"
  | "none";

/** Options of {@linkcode compressCandidate}. */
export interface CompressOptions extends RealizeOptions {
  /** Writes the compressed model (tailor-export/v1) there. */
  readonly exportDir?: string;
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
  graph: Graph,
  layers: Readonly<Record<string, LayerChoice>>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const g of dependencyGroups(graph)) {
    if (!g.prunable) continue;
    const widths = g.producers.map((p) => layers[p]?.width ?? 1);
    out[g.id] = prunedChannels(g.channels, Math.max(...widths));
  }
  return out;
}

/** A dependency group whose producers ask for different widths (the largest is used). */
export interface WidthConflict {
  readonly group: string;
  /** Width asked per producer (1 when the configuration leaves it out). */
  readonly widths: Readonly<Record<string, number>>;
  /** The width the group is pruned to: the largest asked. */
  readonly used: number;
}

/**
 * Groups of `layers` whose producers (layers joined by a residual add or a depthwise
 * layer, pruned together) ask for different widths; {@linkcode groupChannels} keeps the
 * largest.
 *
 * @example
 * ```ts
 * import { initBackend } from "../backend.ts";
 * import { buildZooModel } from "../models/zoo.ts";
 * import { graphFromLayersModel } from "../models/from_layers.ts";
 * import { widthConflicts } from "./compress.ts";
 * await initBackend("cpu");
 * const graph = graphFromLayersModel(buildZooModel("resnet8"));
 * const layers = { conv1: { wbits: 8, abits: 8, width: 0.5 } };
 * const [c] = widthConflicts(graph, layers); // conv1 shares block1's residual stream
 * console.assert(c!.used === 1 && c!.widths.conv1 === 0.5);
 * ```
 */
export function widthConflicts(
  graph: Graph,
  layers: Readonly<Record<string, LayerChoice>>,
): WidthConflict[] {
  const out: WidthConflict[] = [];
  for (const g of dependencyGroups(graph)) {
    if (!g.prunable || g.producers.length < 2) continue;
    const widths = Object.fromEntries(g.producers.map((p) => [p, layers[p]?.width ?? 1]));
    const values = Object.values(widths);
    if (values.every((w) => w === values[0])) continue;
    out.push({ group: g.id, widths, used: Math.max(...values) });
  }
  return out;
}

/**
 * Makes `layers` real as described in the module notes, up to the quantized network (not
 * evaluated, not exported).
 *
 * @example
 * ```ts
 * import { initBackend } from "../backend.ts";
 * import { buildZooModel } from "../models/zoo.ts";
 * import { graphFromLayersModel } from "../models/from_layers.ts";
 * import { disposeWeights, weightsFromLayersModel } from "../exec/weights.ts";
 * import { execSettingsFromLayersModel } from "../exec/settings.ts";
 * import { realizeConfiguration } from "./compress.ts";
 * await initBackend("cpu");
 * const model = buildZooModel("cnn-s");
 * const graph = graphFromLayersModel(model);
 * const weights = weightsFromLayersModel(model, graph);
 * const settings = execSettingsFromLayersModel(model);
 * const layers = { conv2: { wbits: 4, abits: 8, width: 0.5 } };
 * const r = await realizeConfiguration({ graph, weights, settings }, layers, {
 *   finetuneSteps: 0,
 *   seed: 0,
 * });
 * console.assert(r.pruned && r.channels.conv2! < 32);
 * r.model.dispose();
 * disposeWeights(weights);
 * ```
 */
export async function realizeConfiguration(
  source: RealizeSource,
  layers: Readonly<Record<string, LayerChoice>>,
  options: RealizeOptions,
): Promise<RealizedConfiguration> {
  const { graph } = source;
  const config: Configuration = { layers };
  checkConfig(graph, config);
  const weights = cloneWeights(source.weights);
  const channels = groupChannels(graph, layers);
  const pruned = dependencyGroups(graph).some((g) => g.prunable && channels[g.id] !== g.channels);
  const masks = pruned
    ? pruneToRatio(graph, weights, { criterion: "l1", widths: channels }).masks
    : undefined;
  const nodeMasks = masks ? maskHooks(graph, masks).masks ?? {} : {};
  let small = { graph, weights };
  let learned: QatResult["activations"] | undefined;
  let steps = 0;
  try {
    if (options.finetuneSteps > 0 && source.train) {
      const total = options.finetuneSteps;
      ({ activations: learned, steps } = await qatFineTune(graph, weights, config, {
        train: source.train,
        epochs: 1,
        maxStepsPerEpoch: total,
        masks: nodeMasks,
        settings: source.settings,
        seed: options.seed,
        ...(options.onStep ? { onProgress: (p) => options.onStep!(p.step, total, p.loss) } : {}),
      }));
    }
    let recovery: Recovery = steps > 0 ? "fine-tune" : "none";
    if (masks && steps === 0) {
      // The mean shift of layers with no batch norm after them (the logits) goes into
      // their bias: re-estimating the batch norms cannot repair those.
      compensatePruned(graph, weights, masks);
      recovery = "data-free compensation";
    }
    if (masks) small = surgery(graph, weights, masks);
    if (masks && steps === 0 && source.recalibration) {
      recalibrateBatchNorm(small.graph, small.weights, source.recalibration, {
        examples: Math.min(DEFAULT_RECALIBRATION_EXAMPLES, source.recalibration.n),
      });
      recovery = "compensation + batch-norm re-estimation";
    }
    const flat: Record<string, LayerChoice> = {};
    for (const n of small.graph.nodes.filter(isComputeNode)) {
      const c = layers[n.name];
      if (c) flat[n.name] = { ...c, width: 1 };
    }
    const calibration = source.calibration;
    const data = calibration && calibration.length > 0
      ? { data: calibration }
      : source.impressions
      ? { impressions: source.impressions }
      : {};
    // After fine-tuning, quantize as the network was trained: min-max kernel ranges and the
    // activation ranges tracked during fine-tuning (so no bias correction either: the batch
    // norms already track the quantized kernels). Clipping or correcting a fine-tuned
    // network moves it off the grid it learned (about a point lower on resnet8 at W4A8).
    // Without fine-tuning: post-training quantization with its defaults.
    const model = learned
      ? quantize(small.graph, small.weights, { layers: flat }, {
        calibration: { ...data, weightObserver: "minmax" },
        activations: learned,
      })
      : quantize(small.graph, small.weights, { layers: flat }, { calibration: data });
    return { model, channels, pruned, finetuneSteps: steps, recovery };
  } finally {
    if (small.weights !== weights) disposeWeights(small.weights);
    disposeWeights(weights);
  }
}

/** Compresses `layers` of the session's network, then evaluates and optionally exports it. */
export async function compressCandidate(
  session: SearchSession,
  layers: Readonly<Record<string, LayerChoice>>,
  options: CompressOptions,
): Promise<CompressedCandidate> {
  const impressions = session.impressions();
  const { model: q, channels } = await realizeConfiguration(
    {
      graph: session.static.graph,
      weights: session.weights,
      settings: session.settings,
      ...(session.train ? { train: session.train } : {}),
      ...(session.calibration ? { calibration: session.calibration.map((b) => b.x) } : {}),
      ...(impressions ? { impressions } : {}),
    },
    layers,
    options,
  );
  try {
    const accuracy = session.test ? q.evaluate(session.test).accuracy : null;
    let weightBytes: number | undefined;
    if (options.exportDir !== undefined) {
      const sizes = await exportModel(options.exportDir, exportInputOf(q));
      weightBytes = sizes.get("weights.bin");
    }
    return { accuracy, channels, ...(weightBytes === undefined ? {} : { weightBytes }) };
  } finally {
    q.dispose();
  }
}
