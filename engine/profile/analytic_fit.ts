/**
 * Fitting a profile's analytic fallback to measured rows: one fixed cost per layer
 * (cycles) shared by every op, and one rate (MACs, or element ops for add / pool, per cycle)
 * per op, by least squares on relative error:
 * `minimize sum_i ((F + ops_i / rate_op(i) - cycles_i) / cycles_i)^2`, with
 * `cycles_i = latencyMs_i * clockHz / 1000`. The memory term of the analytic model is not
 * fitted (the model is compute-only; see `local_profile.ts`).
 *
 * @module
 */
import { rowOps } from "../cost/latency.ts";
import { PROFILE_OPS, type ProfileOp } from "./types.ts";
import type { MeasuredRow } from "./types.ts";

/** Result of {@link fitAnalytic}. */
export interface AnalyticFit {
  /** Fixed cycles per layer (>= 0). */
  readonly fixedCycles: number;
  /** Ops per cycle, every op; ops without rows get the mean cost per op of the others. */
  readonly rates: Readonly<Record<ProfileOp, number>>;
  /** Ops that had rows (their rates are fitted). */
  readonly fitted: readonly ProfileOp[];
  /** Median |relative error| of the fit over the rows. */
  readonly medianRelError: number;
}

/** Solves the square system `a x = b` (Gaussian elimination, partial pivoting). */
function solve(a: number[][], b: number[]): number[] | undefined {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    if (Math.abs(m[p]![c]!) < 1e-300) return undefined;
    [m[c], m[p]] = [m[p]!, m[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}

interface Point {
  readonly op: number;
  readonly ops: number;
  readonly cycles: number;
}

/** Weighted least squares of cycles on [1?, ops one-hot by op]; `withFixed` adds F. */
function leastSquares(points: readonly Point[], nOps: number, withFixed: boolean) {
  const k = nOps + (withFixed ? 1 : 0);
  const a = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const b = new Array<number>(k).fill(0);
  for (const p of points) {
    const x = new Array<number>(k).fill(0);
    if (withFixed) x[0] = 1;
    x[p.op + (withFixed ? 1 : 0)] = p.ops;
    const w = 1 / (p.cycles * p.cycles);
    for (let i = 0; i < k; i++) {
      b[i]! += w * x[i]! * p.cycles;
      for (let j = 0; j < k; j++) a[i]![j]! += w * x[i]! * x[j]!;
    }
  }
  const theta = solve(a, b);
  if (!theta) return undefined;
  return withFixed ? { fixed: theta[0]!, costs: theta.slice(1) } : { fixed: 0, costs: theta };
}

/**
 * Fits the analytic model to measured rows (batch-1 rows; bits are ignored). Throws a
 * RangeError when there are no rows or `clockHz` is not positive.
 *
 * @example
 * ```ts
 * import { fitAnalytic } from "./analytic_fit.ts";
 * const shape = { inH: 1, inW: 1, cin: 100, cout: 10, kernel: 1, stride: 1, groups: 1 };
 * const row = (cin: number, ms: number) => ({
 *   op: "dense" as const, shape: { ...shape, cin }, wbits: 32, abits: 32,
 *   latency: { meanMs: ms, stdMs: 0, count: 1 },
 * });
 * const fit = fitAnalytic([row(100, 0.002), row(1000, 0.011)], 1e9);
 * console.log(Math.round(fit.fixedCycles), fit.rates.dense); // 1000 1
 * ```
 */
export function fitAnalytic(rows: readonly MeasuredRow[], clockHz: number): AnalyticFit {
  if (!(clockHz > 0)) throw new RangeError(`Cannot fit at clock ${clockHz} Hz`);
  const present = PROFILE_OPS.filter((op) => rows.some((r) => r.op === op));
  if (present.length === 0) throw new RangeError("Cannot fit the analytic model: no rows");
  const points: Point[] = rows.map((r) => ({
    op: present.indexOf(r.op),
    ops: rowOps(r.op, r.shape),
    cycles: (r.latency.meanMs * clockHz) / 1000,
  }));
  let fit = leastSquares(points, present.length, true);
  if (!fit || fit.fixed < 0) fit = leastSquares(points, present.length, false);
  const fixed = fit?.fixed ?? 0;
  const costs = present.map((_, o) => {
    const c = fit?.costs[o];
    if (c !== undefined && c > 0) return c;
    // Fall back to the op's own rows with F fixed: the smallest positive cost per op.
    const own = points.filter((p) => p.op === o).map((p) => Math.max(p.cycles - fixed, 1) / p.ops);
    return Math.min(...own);
  });
  const meanCost = costs.reduce((a, b) => a + b, 0) / costs.length;
  const rates = Object.fromEntries(PROFILE_OPS.map((op) => {
    const o = present.indexOf(op);
    return [op, 1 / (o < 0 ? meanCost : costs[o]!)];
  })) as Record<ProfileOp, number>;
  const errors = points.map((p) => Math.abs(fixed + p.ops * costs[p.op]! - p.cycles) / p.cycles)
    .sort((a, b) => a - b);
  return {
    fixedCycles: fixed,
    rates,
    fitted: present,
    medianRelError: errors[errors.length >> 1]!,
  };
}
