/**
 * Discretisation of the relaxation: the argmax configuration, and the exact projection
 * onto the budgets — `mckp` over values `−log p` (each width gene's term counted once, on
 * its first layer), so the returned configuration provably meets every budget even when
 * the argmax does not (the expected cost of the soft distribution is not the cost of the
 * argmax; methods.md §11) — then the refinement that spends unused budget
 * (`dnas_refine.ts`).
 *
 * @module
 */
import type { Budget } from "../cost/budget.ts";
import type { Architecture } from "../relax/architecture.ts";
import { disposeGates } from "../relax/supernet.ts";
import type { SearchSpace } from "../space/assemble.ts";
import { candidateOf } from "./evaluate.ts";
import { refineProjection } from "./dnas_refine.ts";
import { mckpStrategy } from "./mckp.ts";
import type { Candidate, SearchProblem } from "./types.ts";

/** Smallest probability used in `−log p`. */
export const MIN_PROB = 1e-12;

/** Current probabilities: per layer over its pairs, per width gene over its widths. */
export interface ArchProbs {
  readonly bits: readonly Float32Array[];
  readonly widths: ReadonlyMap<number, Float32Array>;
}

/** Reads the architecture's softmax probabilities. */
export function readProbs(arch: Architecture): ArchProbs {
  const g = arch.probabilities();
  try {
    return {
      bits: g.bits.map((t) => t.dataSync() as Float32Array),
      widths: new Map([...g.widths].map(([k, t]) => [k, t.dataSync() as Float32Array])),
    };
  } finally {
    disposeGates(g);
  }
}

/** Per layer, per option: `−log π(pair) − [first member] log q(width)`. */
export function projectionValues(space: SearchSpace, probs: ArchProbs): Float64Array[] {
  return space.layers.map((_, l) => {
    const nw = space.widths[l]!.length;
    const g = space.widthGene[l]!;
    const q = probs.widths.get(g);
    const first = g >= 0 && space.genes[g]!.layers[0] === l;
    return Float64Array.from(space.options[l]!, (_, o) => {
      const pi = probs.bits[l]![Math.floor(o / nw)]!;
      const w = q !== undefined && first ? q[o % nw]! : 1;
      return -Math.log(Math.max(pi, MIN_PROB)) - Math.log(Math.max(w, MIN_PROB));
    });
  });
}

/** The most probable option per layer (ties: first). */
export function argmaxChoice(space: SearchSpace, probs: ArchProbs): Int32Array {
  const values = projectionValues(space, probs);
  const choice = new Int32Array(space.layers.length);
  const firstOf = new Map<number, number>();
  values.forEach((v, l) => {
    const nw = space.widths[l]!.length;
    const g = space.widthGene[l]!;
    let best = 0;
    for (let o = 1; o < v.length; o++) if (v[o]! < v[best]!) best = o;
    // Members of a width gene follow the width of its first member.
    if (g >= 0 && firstOf.has(g)) best = Math.floor(best / nw) * nw + firstOf.get(g)!;
    else if (g >= 0) firstOf.set(g, best % nw);
    choice[l] = best;
  });
  return choice;
}

/** Result of {@linkcode project}. */
export interface Projection {
  /** The argmax configuration, evaluated exactly. */
  readonly argmax: Candidate;
  /** The most probable configuration within every budget (the argmax when it fits). */
  readonly projected: Candidate;
  /** The answer: `projected`, refined (`dnas_refine.ts`) unless refinement is off. */
  readonly chosen: Candidate;
  /** Exact evaluations done by the projection. */
  readonly evaluations: number;
}

/**
 * Projects the relaxation onto the budgets, then (with `refine`, the default) spends the
 * budget it left unused where the problem's values say it helps. Throws
 * `BudgetInfeasibleError` when no configuration fits.
 */
export async function project(
  problem: SearchProblem,
  budgets: readonly Budget[],
  probs: ArchProbs,
  seed: number,
  opts: { readonly refine?: boolean } = {},
): Promise<Projection> {
  const argmax = candidateOf(problem, argmaxChoice(problem.space, probs), budgets);
  let projected = argmax;
  let evaluations = 1;
  if (!argmax.feasible) {
    const values = projectionValues(problem.space, probs);
    const r = await mckpStrategy().run({ problem: { ...problem, values }, budgets, seed });
    projected = candidateOf(problem, r.chosen.choice, budgets);
    evaluations += r.stats.evaluations;
  }
  if (opts.refine === false) return { argmax, projected, chosen: projected, evaluations };
  const r = await refineProjection(problem, budgets, projected, seed);
  return { argmax, projected, chosen: r.chosen, evaluations: evaluations + r.evaluations };
}

/** Mean normalized entropy of the probabilities (1 = uniform, 0 = one-hot). */
export function meanEntropy(probs: ArchProbs): number {
  const all = [...probs.bits, ...probs.widths.values()].filter((p) => p.length > 1);
  if (all.length === 0) return 0;
  let s = 0;
  for (const p of all) {
    let h = 0;
    for (const x of p) if (x > 0) h -= x * Math.log(x);
    s += h / Math.log(p.length);
  }
  return s / all.length;
}
