/**
 * Where the output channels of a weight kernel sit, for per-channel quantization: conv
 * `[kh, kw, cin, cout]` axis 3, dense `[in, units]` axis 1, depthwise
 * `[kh, kw, cin, mult]` channels `cin * mult` (the kernel viewed as `[kh, kw, cin * mult]`,
 * axis 2, channel `c * mult + m`, which is tfjs's depthwise output-channel order).
 *
 * @module
 */
import { tf } from "../backend.ts";
import { fakeQuant } from "./fake_quant.ts";
import type { QParams } from "./qparams.ts";

/** Layer kinds that own a weight kernel. */
export type WeightKind = "conv2d" | "depthwise" | "dense";

/** A kernel shape viewed so that its output channels are one axis. */
export interface ChannelView {
  /** Shape to reshape the kernel to (same element order). */
  readonly shape: readonly number[];
  /** Output-channel axis of `shape`. */
  readonly axis: number;
  /** Number of output channels. */
  readonly channels: number;
}

/**
 * The per-channel view of a kernel of `kind` and `shape`.
 *
 * @example
 * ```ts
 * import { channelView } from "./weight_channels.ts";
 * const v = channelView("depthwise", [3, 3, 8, 2]);
 * console.assert(v.axis === 2 && v.channels === 16 && v.shape.join() === "3,3,16");
 * ```
 */
export function channelView(kind: WeightKind, shape: readonly number[]): ChannelView {
  const expected = kind === "dense" ? 2 : 4;
  if (shape.length !== expected) {
    throw new RangeError(
      `Cannot read a ${kind} kernel of shape [${shape}]: expected rank ${expected}`,
    );
  }
  if (kind === "depthwise") {
    const [kh, kw, cin, mult] = shape as [number, number, number, number];
    return { shape: [kh, kw, cin * mult], axis: 2, channels: cin * mult };
  }
  const axis = shape.length - 1;
  return { shape: [...shape], axis, channels: shape[axis]! };
}

/**
 * Fake-quantizes a weight kernel of `kind` with per-tensor or per-output-channel `params`
 * (for per-channel params, `params.axis` must be the view's axis: 3 conv, 1 dense,
 * 2 depthwise). Differentiable (straight-through); the caller owns the result.
 */
export function fakeQuantWeight(w: tf.Tensor, kind: WeightKind, params: QParams): tf.Tensor {
  const view = channelView(kind, w.shape);
  if (params.axis !== undefined && params.axis !== view.axis) {
    throw new RangeError(
      `Cannot quantize a ${kind} kernel per channel along axis ${params.axis}: expected ${view.axis}`,
    );
  }
  return tf.tidy(() => tf.reshape(fakeQuant(tf.reshape(w, [...view.shape]), params), w.shape));
}
