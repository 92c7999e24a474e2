/**
 * Learned step size quantization (LSQ, Esser et al. 2020): a symmetric quantizer whose
 * scale is a trainable `tf.Variable`. Forward pass equals {@linkcode fakeQuant} with the
 * current scale (zero point 0); the scale gradient is
 * `∂v̂/∂s = round(v/s) - v/s` inside the range, `-Q_N` below it, `Q_P` above it, times
 * `g = 1/sqrt(N * Q_P)`; the input gradient is the straight-through mask.
 *
 * @module
 */
import { tf } from "../backend.ts";
import { channelBroadcastShape } from "./fake_quant.ts";
import { assertBitWidth, type QParams, quantRange, SCALE_EPS } from "./qparams.ts";

/** Options of {@linkcode createLsqQuantizer}. */
export interface LsqOptions {
  /** Bit-width, 2..8 or 16. */
  readonly bits: number;
  /** Signed range (weights) or unsigned (post-ReLU activations). @default true */
  readonly signed?: boolean;
  /** Channel axis for one step size per channel; omit for one per tensor. */
  readonly axis?: number;
  /**
   * N in `g = 1/sqrt(N * Q_P)`: elements per step size. Pass the number of features per
   * example for an activation quantizer. @default elements of `init` per step size
   */
  readonly gradScaleCount?: number;
}

/** An LSQ quantizer: call `apply` in the forward pass, train `scale`. */
export interface LsqQuantizer {
  /** Step size(s): shape `[]` per tensor, or broadcastable `[1,..,C,..,1]` per channel. */
  readonly scale: tf.Variable;
  readonly bits: number;
  readonly signed: boolean;
  readonly axis: number | undefined;
  /** Gradient scale g applied to the step-size gradient. */
  readonly gradScale: number;
  /** Fake-quantizes `x` with the current step size (caller owns the result). */
  apply(x: tf.Tensor): tf.Tensor;
  /** Clamps the step size to at least {@linkcode SCALE_EPS} (call after each update). */
  clampScale(): void;
  /** The current parameters (zero point 0), for export. */
  qparams(): QParams;
  /** Releases the scale variable. */
  dispose(): void;
}

/**
 * Creates an LSQ quantizer initialised from `init` (the weights, or an activation batch):
 * `s = 2 * mean|v| / sqrt(Q_P)` (per channel when `axis` is set), at least eps.
 *
 * @example
 * ```ts
 * import { initBackend, tf } from "../backend.ts";
 * import { createLsqQuantizer } from "./lsq.ts";
 * await initBackend("cpu");
 * const w = tf.tensor1d([-1, 0.5, 2]);
 * const q = createLsqQuantizer(w, { bits: 4 });
 * const g = tf.grad((s) => q.apply(w).mul(s).sum())(tf.scalar(1));
 * console.assert(q.scale.shape.length === 0 && g.shape.length === 0);
 * q.dispose();
 * ```
 */
export function createLsqQuantizer(init: tf.Tensor, options: LsqOptions): LsqQuantizer {
  const { bits } = options;
  assertBitWidth(bits);
  if (bits === 32) throw new RangeError("Cannot build an LSQ quantizer for 32 bits (float)");
  const signed = options.signed ?? true;
  const { qmin, qmax } = quantRange(bits, signed);
  const rank = init.rank;
  const axis = options.axis === undefined
    ? undefined
    : options.axis < 0
    ? options.axis + rank
    : options.axis;
  if (axis !== undefined && (axis < 0 || axis >= rank)) {
    throw new RangeError(`Cannot use LSQ channel axis ${options.axis} on rank ${rank}`);
  }
  const channels = axis === undefined ? 1 : init.shape[axis]!;
  const count = options.gradScaleCount ?? init.size / channels;
  if (!(count > 0)) throw new RangeError(`Cannot use LSQ gradScaleCount ${count}`);
  const gradScale = 1 / Math.sqrt(count * qmax);
  const reduceAxes = [...Array(rank).keys()].filter((a) => a !== axis);
  const sShape = axis === undefined ? [] : channelBroadcastShape(rank, axis, channels);
  const scale = tf.variable(
    tf.tidy(() =>
      tf.maximum(
        tf.reshape(tf.mul(tf.mean(tf.abs(init), reduceAxes), 2 / Math.sqrt(qmax)), sShape),
        SCALE_EPS,
      )
    ),
    true,
  );

  const quantize = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, s, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const { value, xs, q } = tf.tidy(() => {
      const xs = tf.mul(x, tf.reciprocal(s));
      const q = tf.round(xs);
      return { value: tf.mul(tf.clipByValue(q, qmin, qmax), s), xs, q };
    });
    save([xs, q]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xsv, qv] = saved as [tf.Tensor, tf.Tensor];
        const inside = tf.logicalAnd(tf.greaterEqual(qv, qmin), tf.lessEqual(qv, qmax));
        const dx = tf.mul(dy, tf.cast(inside, "float32"));
        const local = tf.where(inside, tf.sub(qv, xsv), tf.clipByValue(qv, qmin, qmax));
        const ds = tf.reshape(
          tf.mul(tf.sum(tf.mul(dy, local), reduceAxes), gradScale),
          s.shape,
        );
        return [dx, ds];
      },
    };
  });

  return {
    scale,
    bits,
    signed,
    axis,
    gradScale,
    apply(x: tf.Tensor): tf.Tensor {
      return tf.tidy(() => quantize(x, tf.maximum(scale, SCALE_EPS)));
    },
    clampScale(): void {
      tf.tidy(() => scale.assign(tf.maximum(scale, SCALE_EPS)));
    },
    qparams(): QParams {
      const s = Float32Array.from(scale.dataSync());
      const zeroPoint = new Int32Array(s.length);
      return axis === undefined
        ? { bits, signed, scale: s, zeroPoint }
        : { bits, signed, scale: s, zeroPoint, axis };
    },
    dispose(): void {
      scale.dispose();
    },
  };
}
