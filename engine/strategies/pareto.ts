/**
 * Pareto fronts: the points no other point beats on every objective (all minimized).
 *
 * @module
 */

/** True when `a` is no worse than `b` on every objective and better on at least one. */
export function dominates(a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]! > b[i]!) return false;
    if (a[i]! < b[i]!) better = true;
  }
  return better;
}

/**
 * The non-dominated points, in input order; of points with equal objective vectors only
 * the first is kept. Sorts lexicographically, then checks each point against the front so
 * far only (a point can only be dominated by one that sorts before it): O(n log n + n f m)
 * for a front of f points.
 *
 * @example
 * ```ts
 * import { paretoFront } from "./pareto.ts";
 * const pts = [{ acc: 1, ms: 5 }, { acc: 2, ms: 3 }, { acc: 2, ms: 6 }];
 * const front = paretoFront(pts, (p) => [p.acc, p.ms]);
 * console.log(front.length); // 2: the third is dominated by both others
 * ```
 */
export function paretoFront<T>(points: readonly T[], objectives: (p: T) => readonly number[]): T[] {
  const objs = points.map(objectives);
  const order = points.map((_, i) => i).sort((i, j) => {
    const a = objs[i]!, b = objs[j]!;
    for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return a[k]! - b[k]!;
    return i - j;
  });
  const kept: number[] = [];
  for (const i of order) {
    const oi = objs[i]!;
    const beaten = kept.some((j) => {
      const oj = objs[j]!;
      return dominates(oj, oi) || oj.every((x, k) => x === oi[k]);
    });
    if (!beaten) kept.push(i);
  }
  return kept.sort((a, b) => a - b).map((i) => points[i]!);
}
