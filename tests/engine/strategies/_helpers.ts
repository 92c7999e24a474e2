/**
 * Test helpers: budgets from numbers, and every configuration of a small problem evaluated.
 *
 * @module
 */
import type { Budget, BudgetKind } from "../../../engine/cost/budget.ts";
import { choiceOfGenes, nextGenes } from "../../../engine/space/genes.ts";
import { candidateOf } from "../../../engine/strategies/evaluate.ts";
import type { Candidate, SearchProblem } from "../../../engine/strategies/types.ts";

/** A budget of `kind` at `value` (canonical unit). */
export function budget(kind: BudgetKind, value: number): Budget {
  return { kind, value, text: `${kind}=${value}` };
}

/** Every configuration of the problem, evaluated with no budget. */
export function allCandidates(problem: SearchProblem): Candidate[] {
  const genes = new Int32Array(problem.space.genes.length);
  const out: Candidate[] = [];
  do out.push(candidateOf(problem, choiceOfGenes(problem.space, genes), [])); while (
    nextGenes(problem.space, genes)
  );
  return out;
}

/** The q-quantile (0..1) of a cost kind over candidates. */
export function quantileOf(all: readonly Candidate[], kind: BudgetKind, q: number): number {
  const xs = all.map((c) => c.costs[kind] as number).sort((a, b) => a - b);
  return xs[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
}
