/**
 * Batch-norm folding on raw weight arrays (row-major Float32Arrays + shapes, no tfjs).
 * A batch norm is the per-channel affine map `y = a x + c` with `a = γ/√(σ²+ε)` and
 * `c = β − μa`.
 *
 * - Backward fold into the producing conv2d / depthwise / dense (exact):
 *   `W' = W·a` per output channel, `b' = b·a + c = (b − μ)a + β`.
 * - Forward fold into the consuming layer (exact only with no nonlinearity in between and
 *   `valid` padding: zero padding pads `x` where the unfolded net padded `a x + c`):
 *   `W'[.., i, o] = W[.., i, o]·a[i]`, `b'[o] = b[o] + Σ W[.., i, o]·c[i]`. A dense layer
 *   may read the batch norm through `flatten` of `[H, W, C]` (row `r` is channel `r % C`)
 *   or global average pooling.
 *
 * @module
 */
import type { WeightKind } from "./weight_channels.ts";

/** Batch-norm parameters (Keras order: gamma, beta, moving mean, moving variance). */
export interface BatchNormParams {
  /** Scale per channel; absent when the layer has `scale: false` (all ones). */
  readonly gamma?: Float32Array;
  /** Offset per channel; absent when the layer has `center: false` (all zeros). */
  readonly beta?: Float32Array;
  readonly mean: Float32Array;
  readonly variance: Float32Array;
  readonly epsilon: number;
}

/** A layer's weights: kernel (row-major) with its shape, and an optional bias. */
export interface LayerWeights {
  readonly kernel: Float32Array;
  readonly shape: readonly number[];
  readonly bias?: Float32Array;
}

/** Folded weights: always with a bias. */
export interface FoldedWeights {
  readonly kernel: Float32Array;
  readonly shape: readonly number[];
  readonly bias: Float32Array;
}

/**
 * The per-channel affine map `{a, c}` of a batch norm at inference (float64).
 */
export function batchNormAffine(bn: BatchNormParams): { a: Float64Array; c: Float64Array } {
  const n = bn.mean.length;
  for (const [name, v] of [["variance", bn.variance], ["gamma", bn.gamma], ["beta", bn.beta]]) {
    if (v !== undefined && (v as Float32Array).length !== n) {
      throw new RangeError(
        `Cannot fold a batch norm with ${n} means and ${(v as Float32Array).length} ${name}s`,
      );
    }
  }
  const a = new Float64Array(n), c = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = (bn.gamma?.[i] ?? 1) / Math.sqrt(bn.variance[i]! + bn.epsilon);
    c[i] = (bn.beta?.[i] ?? 0) - bn.mean[i]! * a[i]!;
  }
  return { a, c };
}

function checkLayer(kind: WeightKind, w: LayerWeights): { outChannels: number; cin: number } {
  const rank = kind === "dense" ? 2 : 4;
  const size = w.shape.reduce((x, y) => x * y, 1);
  if (w.shape.length !== rank || size !== w.kernel.length) {
    throw new RangeError(
      `Cannot fold into a ${kind} kernel of shape [${w.shape}] with ${w.kernel.length} values`,
    );
  }
  const cin = w.shape[rank === 2 ? 0 : 2]!;
  const outChannels = kind === "depthwise" ? cin * w.shape[3]! : w.shape[rank - 1]!;
  if (w.bias !== undefined && w.bias.length !== outChannels) {
    throw new RangeError(`Cannot fold with ${w.bias.length} biases for ${outChannels} outputs`);
  }
  return { outChannels, cin };
}

/**
 * Folds a batch norm into the layer that produces its input (conv2d `[kh,kw,cin,cout]`,
 * depthwise `[kh,kw,cin,mult]` with output channel `c*mult+m`, dense `[in,units]`).
 *
 * @example
 * ```ts
 * import { foldBatchNormBackward } from "./bn_fold.ts";
 * const bn = { gamma: new Float32Array([2]), beta: new Float32Array([1]), mean: new Float32Array([3]), variance: new Float32Array([4]), epsilon: 0 };
 * const f = foldBatchNormBackward("dense", { kernel: new Float32Array([5]), shape: [1, 1] }, bn);
 * console.assert(f.kernel[0] === 5 && f.bias[0] === -2); // a = 1, c = 1 - 3
 * ```
 */
export function foldBatchNormBackward(
  kind: WeightKind,
  layer: LayerWeights,
  bn: BatchNormParams,
): FoldedWeights {
  const { outChannels } = checkLayer(kind, layer);
  const { a, c } = batchNormAffine(bn);
  if (a.length !== outChannels) {
    throw new RangeError(
      `Cannot fold a ${a.length}-channel batch norm into ${outChannels} ${kind} outputs`,
    );
  }
  const kernel = layer.kernel.map((w, i) => w * a[i % outChannels]!);
  const bias = new Float32Array(outChannels);
  for (let o = 0; o < outChannels; o++) bias[o] = (layer.bias?.[o] ?? 0) * a[o]! + c[o]!;
  return { kernel, shape: [...layer.shape], bias };
}

/**
 * Folds a batch norm into the layer that consumes its output. Exact only when nothing
 * nonlinear sits in between and a conv/depthwise consumer uses `valid` padding (the
 * planner checks this). For dense, the input rows may be a flattened `[H, W, C]` map
 * (row `r` reads channel `r % C`).
 */
export function foldBatchNormForward(
  kind: WeightKind,
  layer: LayerWeights,
  bn: BatchNormParams,
): FoldedWeights {
  const { outChannels, cin } = checkLayer(kind, layer);
  const { a, c } = batchNormAffine(bn);
  const C = a.length;
  if (kind === "dense" ? cin % C !== 0 : cin !== C) {
    throw new RangeError(`Cannot fold a ${C}-channel batch norm into ${cin} ${kind} inputs`);
  }
  // Flat kernel index i reads input channel floor(i / inner) % C and writes output
  // channel i % outChannels (depthwise: c * mult + m).
  const inner = kind === "depthwise" ? layer.shape[3]! : outChannels;
  const bias = new Float64Array(outChannels);
  for (let o = 0; o < outChannels; o++) bias[o] = layer.bias?.[o] ?? 0;
  const kernel = new Float32Array(layer.kernel.length);
  for (let i = 0; i < kernel.length; i++) {
    const w = layer.kernel[i]!, ch = Math.floor(i / inner) % C;
    kernel[i] = w * a[ch]!;
    bias[i % outChannels]! += w * c[ch]!;
  }
  return { kernel, shape: [...layer.shape], bias: Float32Array.from(bias) };
}
