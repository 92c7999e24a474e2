/**
 * Private: assembling a {@link StrategyResult} from evaluated candidates.
 *
 * @module
 */
import type { Budget } from "../cost/budget.ts";
import { objectivesOf } from "./evaluate.ts";
import { paretoFront } from "./pareto.ts";
import type { Candidate, StrategyContext, StrategyResult, StrategyStats } from "./types.ts";

/** The best feasible candidate (smallest value; ties: first), or undefined. */
export function bestFeasible(candidates: Iterable<Candidate>): Candidate | undefined {
  let best: Candidate | undefined;
  for (const c of candidates) if (c.feasible && (!best || c.value < best.value)) best = c;
  return best;
}

/** The front of the feasible candidates over (value, each budgeted cost). */
export function feasibleFront(
  candidates: readonly Candidate[],
  budgets: readonly Budget[],
): Candidate[] {
  return paretoFront(candidates.filter((c) => c.feasible), (c) => objectivesOf(c, budgets));
}

/** A millisecond clock from the context. */
export function clockOf(ctx: StrategyContext): () => number {
  return ctx.now ?? (() => performance.now());
}

/** Builds the result. */
export function resultOf(
  strategy: string,
  ctx: StrategyContext,
  parts: {
    chosen: Candidate;
    candidates: readonly Candidate[];
    proven: boolean;
    stats: StrategyStats;
  },
): StrategyResult {
  const front = feasibleFront(parts.candidates, ctx.budgets);
  return { strategy, chosen: parts.chosen, front, proven: parts.proven, stats: parts.stats };
}

/** Reads an optional positive integer option; TypeError naming it otherwise. */
export function intOption(
  options: Readonly<Record<string, unknown>> | undefined,
  name: string,
  fallback: number,
): number {
  const v = options?.[name];
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) {
    throw new TypeError(`Option ${name} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Throws TypeError naming any option key not in `known`. */
export function checkOptionKeys(
  strategy: string,
  options: Readonly<Record<string, unknown>> | undefined,
  known: readonly string[],
): void {
  for (const k of Object.keys(options ?? {})) {
    if (!known.includes(k)) {
      throw new TypeError(
        `Unknown option "${k}" for strategy ${strategy} (known: ${known.join(", ") || "none"})`,
      );
    }
  }
}
