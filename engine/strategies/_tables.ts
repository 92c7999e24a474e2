/**
 * Private: per-layer tables the branch and bound reads, derived once from a problem and
 * budgets — additive costs with the weightless ops folded into the layer that sets their
 * width, per-layer minima, and the suffix dynamic programme that bounds the value of the
 * remaining layers under the remaining budget (costs rounded down, so the bound is
 * admissible).
 *
 * @module
 */
import type { CostKind } from "../cost/table.ts";
import type { SearchProblem } from "./types.ts";

/** Additive cost tables of one kind, ops folded in. */
export interface KindTables {
  /** Cost of the ops with a fixed width (added once). */
  readonly base: number;
  /** Per layer: `[option * cols + source width]`. */
  readonly cost: readonly Float64Array[];
  /** Per layer: the smallest entry. */
  readonly minOf: Float64Array;
  /** `suffix[l]` = sum of `minOf` over layers l..L-1 (plus `base` at 0 is not included). */
  readonly suffix: Float64Array;
}

/** Folds ops into layers and computes minima, for one kind. */
export function kindTables(problem: SearchProblem, kind: CostKind): KindTables {
  const t = problem.table;
  const n = t.layers.length;
  let base = 0;
  const cost = t.costs[kind].map((a) => Float64Array.from(a));
  for (const op of t.ops) {
    if (op.source < 0) {
      base += op.values[kind][0]!;
      continue;
    }
    const s = op.source;
    const arr = cost[s]!;
    const cols = arr.length / t.options[s]!.length;
    for (let o = 0; o < t.options[s]!.length; o++) {
      const extra = op.values[kind][t.widthIndex[s]![o]!]!;
      for (let j = 0; j < cols; j++) arr[o * cols + j]! += extra;
    }
  }
  const minOf = Float64Array.from(cost, (a) => Math.min(...a));
  const suffix = new Float64Array(n + 1);
  for (let l = n - 1; l >= 0; l--) suffix[l] = suffix[l + 1]! + minOf[l]!;
  return { base, cost, minOf, suffix };
}

/** Cells of the suffix value bound. */
export const BOUND_CELLS = 2048;

/**
 * `f[l][r]`: the smallest value of layers l..L-1 whose costs (each rounded down to cells of
 * `limit / cells`, minimum over source widths) fit in `r` cells; Infinity when none fits.
 * Returns undefined when a cost is negative (the bound would not be admissible).
 */
export function suffixValueBound(
  problem: SearchProblem,
  k: KindTables,
  limit: number,
  cells = BOUND_CELLS,
): Float64Array[] | undefined {
  const n = problem.values.length;
  const delta = limit / cells;
  const f: Float64Array[] = new Array(n + 1);
  f[n] = new Float64Array(cells + 1);
  for (let l = n - 1; l >= 0; l--) {
    const next = f[l + 1]!;
    const cur = new Float64Array(cells + 1).fill(Infinity);
    const arr = k.cost[l]!;
    const nOpt = problem.values[l]!.length;
    const cols = arr.length / nOpt;
    for (let o = 0; o < nOpt; o++) {
      let c = Infinity;
      for (let j = 0; j < cols; j++) c = Math.min(c, arr[o * cols + j]!);
      if (c < 0) return undefined;
      const cc = Math.max(0, Math.floor(c / delta - 1e-9));
      if (cc > cells) continue;
      const v = problem.values[l]![o]!;
      for (let r = cc; r <= cells; r++) {
        const x = v + next[r - cc]!;
        if (x < cur[r]!) cur[r] = x;
      }
    }
    f[l] = cur;
  }
  return f;
}

/** Per layer: the smallest `abits` among its options (a lower bound on storage bits). */
export function minAbitsOf(problem: SearchProblem): Int32Array {
  return Int32Array.from(
    problem.space.options,
    (opts) => Math.min(...opts.map((o) => o.abits)),
  );
}
