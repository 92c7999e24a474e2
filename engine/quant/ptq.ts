/**
 * Post-training quantization: `quantize(graph, weights, config, {calibration})` folds the
 * batch norms, fake-quantizes every kernel at its layer's `wbits` (symmetric, signed, per
 * output channel; each channel's clipping range searched for the least squared error by
 * default, `weight_clip.ts`) and every tensor a compute layer reads at its `abits` (per
 * tensor, affine, unsigned range), with activation ranges calibrated on data batches or,
 * without data, from batch-norm statistics (the range of least expected error at the
 * tensor's bits, `gauss_clip.ts`) and, for the tensors no batch norm describes, on inputs
 * synthesized from the network (`impressions.ts`); then it corrects the biases for the mean
 * shift quantization causes (`bias_correction.ts`: empirically with data, from batch-norm
 * statistics without). 32 bits means float.
 *
 * @module
 */
import { tf } from "../backend.ts";
import type { Configuration } from "../cost/config.ts";
import type { ChannelMask } from "../exec/hooks.ts";
import { disposeWeights, type Weights } from "../exec/weights.ts";
import type { Graph } from "../models/ir.ts";
import { activationTargets, checkConfig, weightTargets } from "./act_targets.ts";
import {
  type ActivationObserverKind,
  activationQParamsFromRange,
  calibrateActivations,
  type WeightObserverKind,
  weightQParams,
} from "./calibrate.ts";
import { dataFreeRanges, intervalRangeNodes } from "./data_free.ts";
import { dataImpressions, type ImpressionOptions } from "./impressions.ts";
import { expectedActivations } from "./expected_activations.ts";
import { gaussianModelOf, mseClipRange } from "./gauss_clip.ts";
import { foldBatchNorms, foldMasks } from "./fold_model.ts";
import {
  applyBiasCorrection,
  type BiasCorrectionMode,
  correctedLayers,
  resolveBiasCorrection,
  withBiases,
} from "./ptq_bias.ts";
import type { QParams } from "./qparams.ts";
import { type CalibrationMode, type QuantizedModel, quantizedModel } from "./quantized_model.ts";

export type { BiasCorrectionMode, CalibrationMode, QuantizedModel };

/** A per-tensor range as a one-channel range. */
const channelRangeOf = (r: { min: number; max: number }) => ({
  min: Float32Array.of(r.min),
  max: Float32Array.of(r.max),
});

/** Calibration settings of {@linkcode quantize}. */
export interface CalibrationOptions {
  /** Calibration batches (inputs only); absent or empty-free: data-free ranges. */
  readonly data?: Iterable<tf.Tensor4D>;
  /**
   * Activation observer, over `data` (or, data-free, over the impressions). `"auto"`: MSE
   * for the tensors below 8 bits, min-max for the others (`observerAt`). @default "auto"
   */
  readonly observer?: ActivationObserverKind;
  /**
   * Weight clipping: `"mse"` searches each channel's (or the tensor's) clipping ratio for
   * the least squared quantization error of the kernel; `"minmax"` keeps the full range.
   * @default "mse", or "minmax" when `activations` are given (QAT trains against min-max
   * kernel ranges, so its weights are kept on the grid they were trained on)
   */
  readonly weightObserver?: WeightObserverKind;
  /**
   * Bias correction after quantization (see {@linkcode BiasCorrectionMode}); `"auto"` needs
   * no data on the data-free path. @default "auto"
   */
  readonly biasCorrection?: BiasCorrectionMode;
  /**
   * Bias-correct the layers that read the network input too (see `correctedLayers`).
   * @default false
   */
  readonly correctInputLayers?: boolean;
  /** Per-output-channel weight parameters. @default true */
  readonly perChannel?: boolean;
  /** Data-free: standard deviations around a batch norm's mean. @default 4 */
  readonly bnRangeK?: number;
  /** Data-free: range of the input values. @default [0, 1] */
  readonly inputRange?: readonly [number, number];
  /**
   * Data-free: each tensor a batch norm describes gets the range of least expected error at
   * its bits under the Gaussian model of its channels (`gauss_clip.ts`); `false`: the
   * `mean ± bnRangeK·std` envelope at every bit width. @default true, false when
   * `bnRangeK` is given
   */
  readonly gaussianClip?: boolean;
  /**
   * Data-free: the inputs on which the tensors whose data-free range would come from
   * interval arithmetic (no batch norm to read it from; `intervalRangeNodes`) are
   * calibrated, with `observer`; or the settings to synthesize them with. Absent or
   * settings: synthesized here from the float network when such a tensor is quantized
   * (`dataImpressions`; about 10 s for cnn-s at the defaults), and disposed; `false`:
   * interval ranges.
   */
  readonly impressions?: readonly tf.Tensor4D[] | ImpressionOptions | false;
}

/** Options of {@linkcode quantize}. */
export interface QuantizeOptions {
  readonly calibration?: CalibrationOptions;
  /**
   * Activation parameters already known (e.g. learned by QAT), by node name of `graph`;
   * they replace calibration for those tensors.
   */
  readonly activations?: Readonly<Record<string, QParams>>;
  /** Channel masks by node name of `graph` (e.g. `maskHooks(graph, m).masks`). */
  readonly masks?: Readonly<Record<string, ChannelMask>>;
}

function renamed(
  params: Readonly<Record<string, QParams>>,
  folded: ReadonlyMap<string, string>,
): Record<string, QParams> {
  return Object.fromEntries(Object.entries(params).map(([k, p]) => [folded.get(k) ?? k, p]));
}

/**
 * Quantizes a float model for `config` (missing layers: 8/8). With `calibration.data`,
 * activation ranges come from observers over those batches (float model, masks applied);
 * without, from batch-norm statistics of `graph` (data-free).
 *
 * @example
 * ```ts
 * import { initBackend, tf } from "../backend.ts";
 * import { buildZooModel } from "../models/zoo.ts";
 * import { graphFromLayersModel } from "../models/from_layers.ts";
 * import { disposeWeights, weightsFromLayersModel } from "../exec/weights.ts";
 * import { forward } from "../exec/forward.ts";
 * import { uniformConfig } from "./act_targets.ts";
 * import { quantize } from "./ptq.ts";
 * await initBackend("cpu");
 * const model = buildZooModel("resnet8");
 * const graph = graphFromLayersModel(model);
 * const weights = weightsFromLayersModel(model, graph);
 * const q = quantize(graph, weights, uniformConfig(graph, { wbits: 8, abits: 8 }));
 * const y = forward(q.graph, q.weights, tf.zeros([1, 28, 28, 1]), { hooks: q.hooks() });
 * console.assert(y.shape[1] === 10);
 * y.dispose();
 * q.dispose();
 * disposeWeights(weights);
 * ```
 */
export function quantize(
  graph: Graph,
  weights: Weights,
  config: Configuration,
  opts: QuantizeOptions = {},
): QuantizedModel {
  checkConfig(graph, config);
  const cal = opts.calibration ?? {};
  const data = cal.data === undefined ? undefined : [...cal.data];
  let fold = foldBatchNorms(graph, weights);
  try {
    const masks = foldMasks(opts.masks ?? {}, fold.folded);
    const activationsGiven = Object.keys(opts.activations ?? {}).length > 0;
    const weightObserver = cal.weightObserver ?? (activationsGiven ? "minmax" : "mse");
    const weightParams: Record<string, QParams> = {};
    for (const [node, bits] of weightTargets(fold.graph, config)) {
      if (bits === 32) continue;
      const kernel = fold.weights[node.name]?.kernel;
      if (kernel === undefined) throw new RangeError(`Cannot quantize "${node.name}": no kernel`);
      weightParams[node.name] = weightQParams(node, kernel, bits, {
        observer: weightObserver,
        perChannel: cal.perChannel ?? true,
      });
    }
    const given = renamed(opts.activations ?? {}, fold.folded);
    const targets = activationTargets(fold.graph, config);
    const todo = new Map([...targets].filter(([name]) => given[name] === undefined));
    let activationParams: Record<string, QParams>;
    let calibration: CalibrationMode = "given";
    if (todo.size === 0) {
      activationParams = {};
    } else if (data !== undefined) {
      calibration = "data";
      activationParams = calibrateActivations(fold.graph, fold.weights, todo, {
        batches: data,
        observer: cal.observer ?? "auto",
        masks,
      });
    } else {
      calibration = "data-free";
      const ranges = dataFreeRanges(graph, weights, {
        ...(cal.bnRangeK === undefined ? {} : { k: cal.bnRangeK }),
        ...(cal.inputRange === undefined ? {} : { inputRange: cal.inputRange }),
      });
      const original = new Map([...fold.folded].map(([bn, producer]) => [producer, bn]));
      const interval = intervalRangeNodes(graph);
      const loose = cal.impressions === false
        ? new Map<string, number>()
        : new Map([...todo].filter(([name]) => interval.has(original.get(name) ?? name)));
      const moments = expectedActivations(graph, weights);
      activationParams = {};
      for (const [name, bits] of todo) {
        if (loose.has(name)) continue;
        const at = original.get(name) ?? name;
        const model = !(cal.gaussianClip ?? cal.bnRangeK === undefined)
          ? undefined
          : gaussianModelOf(graph, at, moments, ranges);
        activationParams[name] = model
          ? activationQParamsFromRange(channelRangeOf(mseClipRange(model, bits)), bits)
          : activationQParamsFromRange(ranges.get(at)!, bits);
      }
      if (loose.size > 0) {
        const given = Array.isArray(cal.impressions) ? cal.impressions : undefined;
        const images = given ?? dataImpressions(graph, weights, {
          ...(cal.inputRange === undefined ? {} : { inputRange: cal.inputRange }),
          ...(cal.impressions as ImpressionOptions | undefined),
        });
        try {
          Object.assign(
            activationParams,
            calibrateActivations(fold.graph, fold.weights, loose, {
              batches: images,
              observer: cal.observer ?? "auto",
              masks,
            }),
          );
        } finally {
          if (!given) tf.dispose([...images]);
        }
      }
    }
    for (const [name, bits] of targets) {
      const p = given[name];
      if (p === undefined) continue;
      if (p.bits !== bits) {
        throw new RangeError(`Cannot use given ${p.bits}-bit params for "${name}" at ${bits} bits`);
      }
      activationParams[name] = p;
    }
    const mode = resolveBiasCorrection(cal.biasCorrection ?? "auto", {
      hasData: data !== undefined && data.length > 0,
      activationsGiven,
    });
    const layers = mode === "none"
      ? []
      : correctedLayers(fold.graph, weightParams, activationParams, {
        inputLayers: cal.correctInputLayers ?? false,
      });
    fold = withBiases(fold, layers);
    const q = quantizedModel(fold, config, weightParams, activationParams, masks, calibration);
    if (mode !== "none" && layers.length > 0) {
      applyBiasCorrection(q, mode, {
        layers,
        batches: data ?? [],
        masks,
        original: { graph, weights },
        folded: fold.folded,
      });
    }
    return q;
  } catch (e) {
    disposeWeights(fold.weights);
    throw e;
  }
}
