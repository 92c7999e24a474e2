/**
 * Lagrange multipliers for budgets, updated by projected dual ascent outside autodiff:
 * with the normalized violation `v = E[C] / B - 1` (minus a margin), its exponential moving
 * average `ē ← β ē + (1 - β) v`, the integral term `I ← max(0, I + η ē)` and the multiplier
 * `λ = max(0, I + k_p ē)` (a PI controller; `k_p = 0` is plain damped dual ascent).
 * λ grows while a budget is violated and shrinks once it holds (methods.md §11).
 *
 * @module
 */

/** Settings of {@linkcode createDualAscent}. */
export interface DualOptions {
  /** Ascent step η. @default 0.1 */
  readonly lr?: number;
  /** EMA factor β of the violation (0 = no damping). @default 0.9 */
  readonly averaging?: number;
  /** Proportional gain k_p. @default 0 */
  readonly proportional?: number;
  /** Target ratio below 1, e.g. 0.02 aims at 98% of each budget. @default 0 */
  readonly margin?: number;
}

/** Defaults of {@linkcode DualOptions}. */
export const DEFAULT_DUAL: Required<DualOptions> = {
  lr: 0.1,
  averaging: 0.9,
  proportional: 0,
  margin: 0,
};

/** The multipliers of a set of budgets. */
export interface DualAscent {
  /** Current multipliers, one per budget. */
  readonly lambdas: readonly number[];
  /** Smoothed violations, one per budget. */
  readonly violations: readonly number[];
  /** One ascent step from the current ratios `E[C_k] / B_k`. */
  update(ratios: ArrayLike<number>): void;
}

/**
 * Creates multipliers for `count` budgets, all starting at 0. RangeError for bad settings.
 *
 * @example
 * ```ts
 * import { createDualAscent } from "./dual.ts";
 * const d = createDualAscent(1, { averaging: 0 });
 * d.update([1.5]);
 * console.assert(d.lambdas[0]! > 0);
 * ```
 */
export function createDualAscent(count: number, options: DualOptions = {}): DualAscent {
  const o = { ...DEFAULT_DUAL, ...options };
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`Cannot track ${count} budgets`);
  if (!(o.lr > 0)) throw new RangeError(`Dual ascent lr must be > 0, got ${o.lr}`);
  if (!(o.averaging >= 0 && o.averaging < 1)) {
    throw new RangeError(`Dual ascent averaging must be in [0, 1), got ${o.averaging}`);
  }
  if (!(o.proportional >= 0)) {
    throw new RangeError(`Dual ascent proportional gain must be >= 0, got ${o.proportional}`);
  }
  if (!(o.margin >= 0 && o.margin < 1)) {
    throw new RangeError(`Dual ascent margin must be in [0, 1), got ${o.margin}`);
  }
  const integral = new Array<number>(count).fill(0);
  const lambdas = new Array<number>(count).fill(0);
  const ema = new Array<number>(count).fill(0);
  let first = true;
  return {
    lambdas,
    violations: ema,
    update(ratios) {
      if (ratios.length !== count) {
        throw new RangeError(`Expected ${count} cost ratios, got ${ratios.length}`);
      }
      for (let k = 0; k < count; k++) {
        const r = ratios[k]!;
        if (!Number.isFinite(r)) throw new RangeError(`Cost ratio ${k} is ${r}`);
        const v = r - (1 - o.margin);
        ema[k] = first ? v : o.averaging * ema[k]! + (1 - o.averaging) * v;
        integral[k] = Math.max(0, integral[k]! + o.lr * ema[k]!);
        lambdas[k] = Math.max(0, integral[k]! + o.proportional * ema[k]!);
      }
      first = false;
    },
  };
}
