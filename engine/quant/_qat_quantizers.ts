/**
 * The quantizers QAT trains through: kernels fake-quantized per output channel from
 * their current min/max or MSE-clipped range (symmetric, signed), and activations
 * fake-quantized per tensor either from an exponential moving average of the observed
 * ranges (affine, unsigned) or by LSQ with a learned step size.
 *
 * @module
 */
import { tf } from "../backend.ts";
import type { ExecHooks } from "../exec/hooks.ts";
import type { ComputeNode } from "../models/ir.ts";
import type { WeightObserverKind } from "./calibrate.ts";
import { fakeQuant } from "./fake_quant.ts";
import { createLsqQuantizer, type LsqQuantizer } from "./lsq.ts";
import { computeQParams, type QParams } from "./qparams.ts";
import { channelView, fakeQuantWeight } from "./weight_channels.ts";
import { mseClipRanges } from "./weight_clip.ts";

/** Weight of a new batch's range in the moving average (PyTorch's default). @default 0.01 */
export const DEFAULT_RANGE_AVERAGING = 0.01;

/** Per-channel symmetric min-max params of a kernel (one small read-back). */
export function kernelMinMaxQParams(node: ComputeNode, w: tf.Tensor, bits: number): QParams {
  const view = channelView(node.op, w.shape);
  const [min, max] = tf.tidy(() => {
    const m = tf.reshape(w, [-1, view.channels]);
    return [tf.min(m, 0).dataSync(), tf.max(m, 0).dataSync()];
  });
  return computeQParams(min!, max!, bits, { symmetric: true, axis: view.axis });
}

/** Default steps between two searches of the MSE clipping ratios in QAT. @default 50 */
export const DEFAULT_CLIP_REFRESH = 50;

/**
 * Weight hook factory: fake-quantizes the kernels of layers with bits below 32, per output
 * channel, from each channel's current min-max range or (`"mse"`) a clipped range
 * `ratio · max|w|`, the ratio of least squared error (the search `quantize()` runs with
 * `weightObserver: "mse"`) found again whenever `refresh` is true or a layer has none yet,
 * and kept in between (the exact search costs about as much as a training step).
 */
export function weightQuantHooks(
  wbits: ReadonlyMap<string, number>,
  observer: WeightObserverKind = "minmax",
): (refresh: boolean) => NonNullable<ExecHooks["weight"]> {
  const ratios = new Map<string, Float32Array>();
  return (refresh) => (node, name, w) => {
    const bits = wbits.get(node.name);
    if (bits === undefined || bits === 32 || name !== "kernel") return w;
    if (node.op !== "conv2d" && node.op !== "depthwise" && node.op !== "dense") return w;
    if (observer === "minmax") {
      return fakeQuantWeight(w, node.op, kernelMinMaxQParams(node, w, bits));
    }
    const view = channelView(node.op, w.shape);
    const amax = tf.tidy(() => tf.max(tf.abs(tf.reshape(w, [-1, view.channels])), 0).dataSync());
    let ratio = ratios.get(node.name);
    if (refresh || ratio === undefined) {
      const { max } = mseClipRanges(w.dataSync() as Float32Array, view.channels, bits);
      ratio = max.map((m, c) => (amax[c]! > 0 ? m / amax[c]! : 1));
      ratios.set(node.name, ratio);
    }
    const hi = amax.map((m, c) => m * ratio![c]!);
    const params = computeQParams(hi.map((h) => -h), hi, bits, {
      symmetric: true,
      axis: view.axis,
    });
    return fakeQuantWeight(w, node.op, params);
  };
}

/** A trainable activation quantizer of one tensor. */
export interface ActivationQuantizer {
  /** Quantizes `y`; `training` updates the running statistics (EMA mode). */
  apply(y: tf.Tensor, training: boolean): tf.Tensor;
  /** The current parameters. */
  qparams(): QParams;
  /** Trainable variables (LSQ step size), if any. */
  readonly variables: readonly tf.Variable[];
  /** Clamps the step size after an update (LSQ). */
  afterStep(): void;
  dispose(): void;
}

/** EMA-of-min/max activation quantizer, initialised from the first batch it sees. */
export function emaQuantizer(
  bits: number,
  averaging = DEFAULT_RANGE_AVERAGING,
): ActivationQuantizer {
  let lo: number | undefined, hi: number | undefined;
  const params = () =>
    computeQParams([lo ?? Infinity], [hi ?? -Infinity], bits, {
      symmetric: false,
    });
  return {
    apply(y, training) {
      if (training || lo === undefined) {
        const [mn, mx] = tf.tidy(() => [tf.min(y).dataSync()[0]!, tf.max(y).dataSync()[0]!]);
        if (lo === undefined || hi === undefined) [lo, hi] = [mn!, mx!];
        else [lo, hi] = [lo + averaging * (mn! - lo), hi + averaging * (mx! - hi)];
      }
      return fakeQuant(y, params());
    },
    qparams: params,
    variables: [],
    afterStep() {},
    dispose() {},
  };
}

/**
 * LSQ activation quantizer initialised from a sample `init` of the tensor (batch first):
 * unsigned when the sample has no negative value, else signed; zero point 0.
 */
export function lsqActivationQuantizer(init: tf.Tensor, bits: number): ActivationQuantizer {
  const signed = tf.tidy(() => tf.min(init).dataSync()[0]! < 0);
  // In a tidy: createLsqQuantizer leaves its initial-value tensor behind.
  let q!: LsqQuantizer;
  tf.tidy(() => {
    q = createLsqQuantizer(init, { bits, signed, gradScaleCount: init.size / init.shape[0]! });
    return q.scale;
  });
  return {
    apply: (y) => q.apply(y),
    qparams: () => q.qparams(),
    variables: [q.scale],
    afterStep: () => q.clampScale(),
    dispose: () => q.dispose(),
  };
}
