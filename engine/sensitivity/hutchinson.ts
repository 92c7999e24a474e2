/**
 * Hutchinson estimates of the trace of diagonal Hessian blocks, `Tr(H_ii) ≈ mean_k
 * v_iᵀ(H v)_i` with Rademacher `v`, where `H v` comes from a central finite difference of
 * gradients, `[∇L(θ + εv) − ∇L(θ − εv)] / 2ε` (both calls on the same inputs). One draw
 * perturbs every block at once: the cross terms `v_iᵀ H_ij v_j` have mean zero, so each
 * block's estimate is unbiased. Stopping rule of PyHessian: stop when every block's running
 * mean moved by less than `tol` relative, or after `maxDraws`.
 *
 * @module
 */
import { tf } from "../backend.ts";
import { createRng } from "../rng.ts";

/** Default relative tolerance of the stopping rule. @default 1e-3 */
export const DEFAULT_TRACE_TOL = 1e-3;
/** Default maximum number of draws. @default 50 */
export const DEFAULT_MAX_DRAWS = 50;
/** Default minimum number of draws. @default 4 */
export const DEFAULT_MIN_DRAWS = 4;

/** Options of {@linkcode hutchinsonTraces}. */
export interface HutchinsonOptions {
  /** Finite-difference step per block (or one for all). */
  readonly eps: number | readonly number[];
  /** Seed of the Rademacher draws. @default 0 */
  readonly seed?: number;
  /** @default {@linkcode DEFAULT_TRACE_TOL} */
  readonly tol?: number;
  /** @default {@linkcode DEFAULT_MAX_DRAWS} */
  readonly maxDraws?: number;
  /** @default {@linkcode DEFAULT_MIN_DRAWS} */
  readonly minDraws?: number;
}

/** Result of {@linkcode hutchinsonTraces}. */
export interface TraceEstimate {
  /** Per block: mean of the draws (not clamped). */
  readonly traces: number[];
  /** Per block: variance of that mean (sample variance / draws; 0 after one draw). */
  readonly variances: number[];
  /** Draws taken. */
  readonly draws: number;
}

/**
 * Estimates `Tr(H_ii)` for every block `params[i]` of a function whose gradient is `grad`
 * (it receives perturbed copies of `params` and returns one gradient per block; the
 * estimator disposes them). Throws a RangeError for a non-positive step.
 *
 * @example
 * ```ts
 * import { initBackend, tf } from "../backend.ts";
 * import { hutchinsonTraces } from "./hutchinson.ts";
 * await initBackend("cpu");
 * const a = tf.tensor1d([1, 2, 3]); // L = ½ Σ a_i θ_i², H = diag(a)
 * const theta = tf.zeros([3]);
 * const r = hutchinsonTraces(([t]) => [tf.mul(a, t!)], [theta], { eps: 1e-2 });
 * console.assert(Math.abs(r.traces[0]! - 6) < 1e-3);
 * ```
 */
export function hutchinsonTraces(
  grad: (params: tf.Tensor[]) => tf.Tensor[],
  params: readonly tf.Tensor[],
  options: HutchinsonOptions,
): TraceEstimate {
  const eps = params.map((_, i) =>
    typeof options.eps === "number" ? options.eps : options.eps[i] ?? NaN
  );
  eps.forEach((e, i) => {
    if (!(e > 0)) throw new RangeError(`Cannot use finite-difference step ${e} for block ${i}`);
  });
  const tol = options.tol ?? DEFAULT_TRACE_TOL;
  const maxDraws = options.maxDraws ?? DEFAULT_MAX_DRAWS;
  const minDraws = Math.min(options.minDraws ?? DEFAULT_MIN_DRAWS, maxDraws);
  const rng = createRng(options.seed ?? 0);
  const n = params.length;
  const mean = new Array<number>(n).fill(0), m2 = new Array<number>(n).fill(0);
  let draws = 0;
  while (draws < maxDraws) {
    const samples = tf.tidy(() => {
      const vs = params.map((p) =>
        tf.tensor(Float32Array.from({ length: p.size }, () => (rng.next() < 0.5 ? -1 : 1)), p.shape)
      );
      const shifted = (sign: number) =>
        params.map((p, i) => tf.add(p, tf.mul(vs[i]!, sign * eps[i]!)));
      const plus = grad(shifted(1)), minus = grad(shifted(-1));
      return vs.map((v, i) =>
        tf.sum(tf.mul(v, tf.sub(plus[i]!, minus[i]!))).dataSync()[0]! / (2 * eps[i]!)
      );
    });
    draws++;
    let converged = true;
    samples.forEach((x, i) => {
      const prev = mean[i]!;
      const d = x - prev;
      mean[i] = prev + d / draws;
      m2[i] = m2[i]! + d * (x - mean[i]!);
      if (draws < 2 || Math.abs(mean[i]! - prev) / (Math.abs(prev) + 1e-6) >= tol) {
        converged = false;
      }
    });
    if (converged && draws >= minDraws) break;
  }
  const variances = m2.map((s) => (draws > 1 ? s / (draws - 1) / draws : 0));
  return { traces: mean, variances, draws };
}
