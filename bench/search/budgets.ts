/**
 * Budgets of the `search` suite's cases, derived from the space itself: the smallest
 * achievable cost, the cost of uniform int8 (every layer w8a8 at full width), and the
 * uniform configurations that fit a budget.
 *
 * @module
 */
import { type Budget, parseBudgets } from "../../engine/cost/budget.ts";
import { problemOf, type SearchStatic, uniformCandidates } from "../../engine/search/static.ts";
import type { SearchSpace } from "../../engine/space.ts";
import { choiceOfConfiguration } from "../../engine/space/genes.ts";
import { candidateOf } from "../../engine/strategies/evaluate.ts";
import { minimumOf } from "../../engine/strategies/feasibility.ts";
import type { Candidate, SearchProblem } from "../../engine/strategies/types.ts";

/** A problem with every value 0: costs only. */
export function costProblem(st: SearchStatic): SearchProblem {
  return problemOf(st, st.space.options.map((o) => new Array<number>(o.length).fill(0)));
}

/** The uniform int8 choice (w8a8 where supported, else the last pair; width 1). */
export function int8Choice(space: SearchSpace): Int32Array {
  const layers = Object.fromEntries(space.layers.map((name, l) => {
    const pairs = space.pairs[l]!;
    const p = pairs.find((q) => q.w === 8 && q.a === 8) ?? pairs[pairs.length - 1]!;
    return [name, { wbits: p.w, abits: p.a, width: 1 }];
  }));
  return choiceOfConfiguration(space, { layers });
}

/** Budget kinds the cases use. */
export type CaseBudgetKind = "latency" | "flash";

/** Smallest achievable and uniform int8 cost of `kind` (ms, bytes). */
export function costRange(
  problem: SearchProblem,
  kind: CaseBudgetKind = "latency",
): { min: number; int8: number } {
  return {
    min: minimumOf(problem, kind),
    int8: candidateOf(problem, int8Choice(problem.space), []).costs[kind],
  };
}

/**
 * A one-budget list: `latency=Xms` rounded up to 0.1 µs, or `flash=NB` rounded up to a
 * byte (so a configuration at exactly `value` fits).
 */
export function budgetOf(kind: CaseBudgetKind, value: number): Budget[] {
  return parseBudgets([
    kind === "latency"
      ? `latency=${(Math.ceil(value * 1e4) / 1e4).toFixed(4)}ms`
      : `flash=${Math.ceil(value)}B`,
  ]);
}

/** `budgetOf("latency", ms)`. */
export function latencyBudget(ms: number): Budget[] {
  return budgetOf("latency", ms);
}

/** Uniform configurations (one bit pair, one width everywhere) that fit `budgets`. */
export function feasibleUniforms(st: SearchStatic, budgets: readonly Budget[]): Candidate[] {
  return uniformCandidates(st, costProblem(st), budgets).filter((c) => c.feasible);
}

/**
 * The budget of `kind` at `fraction` of the uniform int8 cost, raised (to the smallest
 * fraction that admits one) when no uniform configuration fits it.
 */
export function tightBudget(
  st: SearchStatic,
  fraction: number,
  kind: CaseBudgetKind = "latency",
): { budgets: Budget[]; fraction: number; int8: number; raised: boolean } {
  const problem = costProblem(st);
  const { int8 } = costRange(problem, kind);
  const uniforms = uniformCandidates(st, problem, []);
  const cheapest = Math.min(...uniforms.map((c) => c.costs[kind]));
  const raised = cheapest > fraction * int8;
  const f = raised ? Math.ceil((cheapest / int8) * 1000) / 1000 : fraction;
  return { budgets: budgetOf(kind, f * int8), fraction: f, int8, raised };
}
