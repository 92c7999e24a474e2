/**
 * The quantizers of the supernet. Kernels: symmetric, signed, per output channel, scale
 * from the current kernel's largest magnitude, computed in the graph (no read-back), with
 * exactly the numbers of `computeQParams(..., {symmetric: true})` + `fakeQuantWeight`;
 * the gradient is the straight-through identity (every value is inside the range).
 * Activations: per tensor, affine, unsigned, from ranges tracked by an exponential moving
 * average of the observed min/max (as PTQ/QAT calibrate them), through `fakeQuant`.
 *
 * @module
 */
import { tf } from "../backend.ts";
import type { ComputeNode } from "../models/ir.ts";
import { fakeQuant } from "../quant/fake_quant.ts";
import { computeQParams, type QParams, quantRange, SCALE_EPS } from "../quant/qparams.ts";
import { channelView } from "../quant/weight_channels.ts";

/** Weight of a new batch's range in the moving average. @default 0.01 */
export const DEFAULT_RANGE_AVERAGING = 0.01;

/**
 * Fake-quantizes a kernel of `node` at `bits` (32: identity), per output channel,
 * symmetric. Differentiable (straight-through); the caller owns the result.
 *
 * @example
 * ```ts
 * import { initBackend, tf } from "../backend.ts";
 * import { quantizeKernel } from "./quantizers.ts";
 * await initBackend("cpu");
 * const node = { name: "fc", op: "dense", inputs: ["in"], outShape: [2], units: 2, useBias: false, activation: "linear" } as const;
 * const q = quantizeKernel(node, tf.tensor2d([[1, -0.3], [0.2, 0.5]]), 2);
 * console.assert(q.shape.join() === "2,2");
 * ```
 */
export function quantizeKernel(node: ComputeNode, w: tf.Tensor, bits: number): tf.Tensor {
  if (bits === 32) return w.clone();
  const { qmin, qmax } = quantRange(bits, true);
  const view = channelView(node.op, w.shape);
  const axes = [...view.shape.keys()].filter((a) => a !== view.axis);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor;
    const value = tf.tidy(() => {
      const v = tf.reshape(x, [...view.shape]);
      const maxAbs = tf.max(tf.abs(v), axes, true);
      const scale = tf.maximum(tf.div(maxAbs, (qmax - qmin) / 2), SCALE_EPS);
      const inv = tf.reciprocal(scale);
      const q = tf.clipByValue(tf.round(tf.mul(v, inv)), qmin, qmax);
      return tf.reshape(tf.mul(q, scale), x.shape);
    });
    return { value, gradFunc: (dy: tf.Tensor) => dy.clone() };
  });
  return op(w);
}

/** Observed range of one tensor. */
export interface Range {
  min: number;
  max: number;
}

/** Moving-average ranges of the quantized activations, by producer node name. */
export class RangeTracker {
  readonly #ranges = new Map<string, Range>();
  readonly #averaging: number;

  /** `averaging`: weight of a new observation (1 = keep only the last one). */
  constructor(averaging: number = DEFAULT_RANGE_AVERAGING) {
    if (!(averaging > 0 && averaging <= 1)) {
      throw new RangeError(`Range averaging must be in (0, 1], got ${averaging}`);
    }
    this.#averaging = averaging;
  }

  /** The range of a tensor, if observed. */
  get(name: string): Range | undefined {
    return this.#ranges.get(name);
  }

  /** Every tracked range (a copy). */
  snapshot(): Record<string, Range> {
    return Object.fromEntries([...this.#ranges].map(([k, r]) => [k, { ...r }]));
  }

  /** Folds a new observation in (the first one sets the range). */
  observe(name: string, min: number, max: number): void {
    const r = this.#ranges.get(name);
    if (r === undefined) {
      this.#ranges.set(name, { min, max });
      return;
    }
    const a = this.#averaging;
    r.min += a * (min - r.min);
    r.max += a * (max - r.max);
  }

  /** Affine unsigned per-tensor parameters of a tracked tensor at `bits`. */
  qparams(name: string, bits: number): QParams {
    const r = this.#ranges.get(name);
    if (r === undefined) throw new RangeError(`No range observed for activation "${name}"`);
    return computeQParams([r.min], [r.max], bits, { symmetric: false });
  }
}

/**
 * Fake-quantizes activation `y` of tensor `name` at `bits` (32: identity) with the
 * tracker's current range. The caller owns the result.
 */
export function quantizeActivation(
  tracker: RangeTracker,
  name: string,
  y: tf.Tensor,
  bits: number,
): tf.Tensor {
  return bits === 32 ? y.clone() : fakeQuant(y, tracker.qparams(name, bits));
}

/** Collects per-tensor min/max tensors during a step and reads them back in one go. */
export class RangeRecorder {
  readonly #names: string[] = [];
  readonly #stats: tf.Tensor[] = [];

  /** Records `y`'s min and max (kept until {@linkcode flush}). */
  record(name: string, y: tf.Tensor): void {
    this.#names.push(name);
    this.#stats.push(tf.keep(tf.stack([tf.min(y), tf.max(y)])));
  }

  /** Reads every recorded range into `tracker` and releases the tensors. */
  flush(tracker: RangeTracker): void {
    if (this.#stats.length === 0) return;
    const all = tf.tidy(() => tf.concat(this.#stats).dataSync());
    this.#names.forEach((n, i) => tracker.observe(n, all[2 * i]!, all[2 * i + 1]!));
    for (const t of this.#stats) t.dispose();
    this.#names.length = 0;
    this.#stats.length = 0;
  }

  /** Releases recorded tensors without reading them. */
  discard(): void {
    for (const t of this.#stats) t.dispose();
    this.#names.length = 0;
    this.#stats.length = 0;
  }
}
