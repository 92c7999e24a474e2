/**
 * Gumbel-softmax gates (Jang et al. 2017; Maddison et al. 2017) with seeded noise: soft
 * mixes for DARTS-style supernets, straight-through one-hot gates, and ProxylessNAS-style
 * sampling of one or two paths. The noise comes from an {@linkcode Rng}, never from tfjs'
 * global random state, so every run is reproducible.
 *
 * @module
 */
import { tf } from "../backend.ts";
import type { Rng } from "../rng.ts";

/** How many candidate paths a gate lets through per step. */
export type PathMode = "all" | 1 | 2;

/** Logit offset that removes an option from a softmax (a banned option). */
export const BANNED_LOGIT = -1e9;

/**
 * Standard Gumbel samples `g = -log(-log(U + 1e-20) + 1e-20)`, `U ~ Uniform[0, 1)`.
 *
 * @example
 * ```ts
 * import { createRng } from "../rng.ts";
 * import { gumbelNoise } from "./gumbel.ts";
 * console.assert(gumbelNoise(3, createRng(1)).length === 3);
 * ```
 */
export function gumbelNoise(n: number, rng: Rng): Float32Array {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`Cannot draw ${n} Gumbel samples`);
  return Float32Array.from({ length: n }, () => -Math.log(-Math.log(rng.next() + 1e-20) + 1e-20));
}

/**
 * `softmax((logits + noise) / tau)`; without `noise` a tempered softmax. Differentiable in
 * `logits`; the caller owns the result. RangeError for a non-positive temperature.
 */
export function gumbelSoftmax(logits: tf.Tensor1D, tau: number, noise?: Float32Array): tf.Tensor1D {
  if (!(tau > 0)) throw new RangeError(`Cannot use temperature ${tau}: expected > 0`);
  if (noise !== undefined && noise.length !== logits.size) {
    throw new RangeError(`Gumbel noise has ${noise.length} entries, logits have ${logits.size}`);
  }
  return tf.tidy(() => {
    const z = noise === undefined ? logits : tf.add(logits, tf.tensor1d(noise));
    return tf.softmax(tf.div(z, tau)) as tf.Tensor1D;
  });
}

/**
 * Straight-through gate: the forward value is the one-hot of `soft`'s largest entry
 * (ties: first), the gradient passes to `soft` unchanged.
 */
export function straightThrough(soft: tf.Tensor1D): tf.Tensor1D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const p = args[0] as tf.Tensor1D;
    const value = tf.tidy(() => tf.oneHot(tf.argMax(p), p.size).toFloat());
    return { value, gradFunc: (dy: tf.Tensor) => dy.clone() };
  });
  return op(soft) as tf.Tensor1D;
}

/**
 * One gate of a search step. `logits` is the differentiable logit vector (banned options
 * already offset by {@linkcode BANNED_LOGIT}), `values` its current values (read once per
 * step). `paths: "all"` gives the soft Gumbel-softmax mix; `1` a straight-through one-hot
 * sample; `2` restricts the gate to two options sampled without replacement in proportion
 * to the softmax (Gumbel top-2), then takes a straight-through one-hot sample between them,
 * so gradients reach those two options only.
 *
 * @example
 * ```ts
 * import { initBackend, tf } from "../backend.ts";
 * import { createRng } from "../rng.ts";
 * import { sampleGate } from "./gumbel.ts";
 * await initBackend("cpu");
 * const logits = tf.tensor1d([0, 1, 2]);
 * const g = sampleGate(logits, logits.dataSync() as Float32Array, { tau: 1, rng: createRng(3), paths: 1 });
 * console.assert(g.sum().dataSync()[0] === 1);
 * ```
 */
export function sampleGate(
  logits: tf.Tensor1D,
  values: Float32Array,
  opts: { readonly tau: number; readonly rng: Rng; readonly paths: PathMode },
): tf.Tensor1D {
  const n = logits.size;
  const noise = gumbelNoise(n, opts.rng);
  if (opts.paths === "all" || n === 1) return gumbelSoftmax(logits, opts.tau, noise);
  if (opts.paths === 1) {
    return tf.tidy(() => straightThrough(gumbelSoftmax(logits, opts.tau, noise)));
  }
  const keys = Array.from(values, (v, i) => v + noise[i]!);
  const order = [...keys.keys()].sort((a, b) => keys[b]! - keys[a]! || a - b);
  const keep = new Set(order.slice(0, 2));
  const offset = Float32Array.from({ length: n }, (_, i) => (keep.has(i) ? 0 : BANNED_LOGIT));
  const second = gumbelNoise(n, opts.rng);
  return tf.tidy(() =>
    straightThrough(
      gumbelSoftmax(tf.add(logits, tf.tensor1d(offset)) as tf.Tensor1D, opts.tau, second),
    )
  );
}

/** Shannon entropy (nats) of a probability vector; 0 terms are skipped. */
export function entropy(p: ArrayLike<number>): number {
  let h = 0;
  for (let i = 0; i < p.length; i++) {
    const x = p[i]!;
    if (x > 0) h -= x * Math.log(x);
  }
  return h;
}
