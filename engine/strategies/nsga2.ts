/**
 * NSGA-II building blocks (Deb, Pratap, Agarwal, Meyarivan, IEEE TEVC 2002): fast
 * non-dominated sort under Deb's constrained domination, crowding distance, and the
 * binary-tournament / elitist-survival comparisons. Objectives are minimized.
 *
 * @module
 */
import { dominates } from "./pareto.ts";

/** A point to rank: objective vector and total constraint violation (0 = feasible). */
export interface RankedPoint {
  readonly objectives: readonly number[];
  readonly violation: number;
}

/**
 * Deb's constrained domination: a feasible point beats an infeasible one; of two
 * infeasible points the smaller violation wins; of two feasible points, Pareto dominance.
 */
export function constrainedDominates(a: RankedPoint, b: RankedPoint): boolean {
  const fa = a.violation === 0, fb = b.violation === 0;
  if (fa && !fb) return true;
  if (!fa && fb) return false;
  if (!fa && !fb) return a.violation < b.violation;
  return dominates(a.objectives, b.objectives);
}

/**
 * Fast non-dominated sort, O(m n^2): the fronts as lists of indices, best first.
 *
 * @example
 * ```ts
 * import { nonDominatedSort } from "./nsga2.ts";
 * const fronts = nonDominatedSort([
 *   { objectives: [1, 2], violation: 0 },
 *   { objectives: [2, 1], violation: 0 },
 *   { objectives: [2, 2], violation: 0 },
 * ]);
 * console.log(fronts); // [[0, 1], [2]]
 * ```
 */
export function nonDominatedSort(points: readonly RankedPoint[]): number[][] {
  const n = points.length;
  const beats: number[][] = points.map(() => []);
  const count = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (constrainedDominates(points[i]!, points[j]!)) {
        beats[i]!.push(j);
        count[j]!++;
      } else if (constrainedDominates(points[j]!, points[i]!)) {
        beats[j]!.push(i);
        count[i]!++;
      }
    }
  }
  const fronts: number[][] = [];
  let current = [...count.keys()].filter((i) => count[i] === 0);
  while (current.length > 0) {
    fronts.push(current);
    const next: number[] = [];
    for (const i of current) {
      for (const j of beats[i]!) if (--count[j]! === 0) next.push(j);
    }
    current = next.sort((a, b) => a - b);
  }
  return fronts;
}

/**
 * Crowding distance of each member of one front (`front` = indices into `points`):
 * boundary points of every objective get Infinity, inner points add the normalized gap
 * between their neighbours. Returns distances aligned with `front`.
 */
export function crowdingDistance(
  points: readonly RankedPoint[],
  front: readonly number[],
): Float64Array {
  const d = new Float64Array(front.length);
  const m = points[front[0] ?? 0]?.objectives.length ?? 0;
  for (let k = 0; k < m; k++) {
    const order = front.map((_, i) => i).sort((x, y) =>
      points[front[x]!]!.objectives[k]! - points[front[y]!]!.objectives[k]! || x - y
    );
    const f = (i: number) => points[front[order[i]!]!]!.objectives[k]!;
    const range = f(order.length - 1) - f(0);
    d[order[0]!] = Infinity;
    d[order[order.length - 1]!] = Infinity;
    if (range <= 0) continue;
    for (let i = 1; i < order.length - 1; i++) d[order[i]!]! += (f(i + 1) - f(i - 1)) / range;
  }
  return d;
}

/** Rank (front number) and crowding distance of every point. */
export function rankAndCrowd(points: readonly RankedPoint[]): {
  rank: Int32Array;
  crowd: Float64Array;
  fronts: number[][];
} {
  const fronts = nonDominatedSort(points);
  const rank = new Int32Array(points.length);
  const crowd = new Float64Array(points.length);
  fronts.forEach((front, r) => {
    const d = crowdingDistance(points, front);
    front.forEach((i, k) => {
      rank[i] = r;
      crowd[i] = d[k]!;
    });
  });
  return { rank, crowd, fronts };
}

/**
 * Elitist survival: the indices of the `n` survivors, filling by fronts and breaking the
 * last front by crowding distance (largest first; ties by index).
 */
export function survivors(points: readonly RankedPoint[], n: number): number[] {
  const { crowd, fronts } = rankAndCrowd(points);
  const out: number[] = [];
  for (const front of fronts) {
    if (out.length + front.length <= n) {
      out.push(...front);
      continue;
    }
    const rest = [...front].sort((a, b) => byCrowdDesc(crowd[a]!, crowd[b]!) || a - b);
    out.push(...rest.slice(0, n - out.length));
    break;
  }
  return out;
}

/** Comparator putting larger crowding distances first (Infinity ties with Infinity). */
export function byCrowdDesc(x: number, y: number): number {
  return x === y ? 0 : x > y ? -1 : 1;
}
