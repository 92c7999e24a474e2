/**
 * The coordinator's bookkeeping, without any bus: which trials came back feasible, the
 * configurations worth measuring, and `result.json` assembled from the trials, the front and
 * the measured accuracies (`coordinator.ts` sends the jobs and publishes the events).
 *
 * @module
 */
import type { Budget } from "../engine/cost/budget.ts";
import type { CandidateJobResult, TrialJobResult } from "../engine/search/jobs_spec.ts";
import { expectFields } from "../engine/search/jobs_spec.ts";
import {
  budgetsOf,
  costsOf,
  type FrontPoint,
  RESULT_FORMAT,
  type SearchResult,
} from "../engine/search/result.ts";
import type { SearchSpec } from "../engine/search/spec.ts";
import type { SearchStatic } from "../engine/search/static.ts";
import { spaceLog10Size } from "../engine/space/assemble.ts";
import { candidateOf } from "../engine/strategies/evaluate.ts";
import type { Candidate, SearchProblem } from "../engine/strategies/types.ts";

/** A budget point whose trial returned a configuration. */
export interface FeasibleTrial {
  readonly budgets: readonly Budget[];
  /** The trial's choice, judged under its budgets. */
  readonly chosen: Candidate;
  readonly result: TrialJobResult;
}

/** Trials split by outcome, in budget-point order. */
export interface TrialOutcomes {
  readonly feasible: FeasibleTrial[];
  /** The points whose trial failed, with the reason (e.g. a budget below the minimum). */
  readonly infeasible: { budget: string; message: string }[];
}

/** The text of a budget point (`latency=5ms,sram=256KiB`). */
export const pointLabel = (budgets: readonly Budget[]) => budgets.map((b) => b.text).join(",");

/**
 * Splits the settled trial jobs of `points` (same order). Throws the first trial's error
 * when none is feasible (a `BudgetInfeasibleError` names the smallest achievable values),
 * or a RangeError for a trial result without `chosen` and `front`.
 */
export function splitTrials(
  points: readonly (readonly Budget[])[],
  trials: readonly PromiseSettledResult<TrialJobResult>[],
  problem: SearchProblem,
): TrialOutcomes {
  const feasible: FeasibleTrial[] = [];
  const infeasible: { budget: string; message: string }[] = [];
  trials.forEach((t, i) => {
    const budgets = points[i]!;
    if (t.status === "fulfilled") {
      const r = expectFields<TrialJobResult>(t.value, "trial result", ["chosen", "front"]);
      feasible.push({ budgets, chosen: candidateOf(problem, r.chosen, budgets), result: r });
    } else {
      // The job's own message, without the queue's "trial job failed: " prefix.
      const message = (t.reason as Error).message.replace(/^\S+ job failed: /, "");
      infeasible.push({ budget: pointLabel(budgets), message });
    }
  });
  if (feasible.length === 0) {
    const first = trials[0];
    const reason = first?.status === "rejected" ? (first.reason as Error) : undefined;
    throw reason ?? new Error("no budget point");
  }
  return { feasible, infeasible };
}

/** The uniform default of the space: W8A8 where a layer supports it, else its last pair. */
export function defaultLayersOf(
  space: SearchStatic["space"],
): Candidate["configuration"]["layers"] {
  return Object.fromEntries(
    space.layers.map((name, l) => {
      const pairs = space.pairs[l]!;
      const p = pairs.find((q) => q.w === 8 && q.a === 8) ?? pairs[pairs.length - 1]!;
      return [name, { wbits: p.w, abits: p.a, width: 1 }];
    }),
  );
}

/** What `result.json` is assembled from. */
export interface ResultInputs {
  readonly run: string;
  readonly spec: SearchSpec;
  readonly static: SearchStatic;
  readonly trials: TrialOutcomes;
  /** The Pareto front of every configuration the trials returned. */
  readonly front: readonly Candidate[];
  /** The best feasible uniform configurations, measured beside. */
  readonly uniforms: readonly Candidate[];
  /** The uniform default (a reference, usually over budget). */
  readonly baseline: {
    readonly candidate: Candidate;
    readonly layers: Candidate["configuration"]["layers"];
  };
  /** Evaluations: one per feasible trial, then one per uniform, then the default's. */
  readonly evals: readonly CandidateJobResult[];
  /** The float network's accuracy (from the sensitivity scan), when known. */
  readonly floatAccuracy: number | null | undefined;
  /** Seconds per phase. */
  readonly timings: Record<string, number>;
  readonly defaultFinetuneSteps: number;
}

/**
 * `result.json` of a search: the first feasible point's choice is the chosen one; the front
 * lists every front configuration with its budget point (or `front`), the chosen one always.
 */
export function searchResultOf(x: ResultInputs): SearchResult {
  const { feasible, infeasible } = x.trials;
  const first = feasible[0]!;
  const accOf = (i: number) => x.evals[i]?.accuracy ?? undefined;
  const chosenIdx = new Map(feasible.map((f, i) => [f.chosen.choice.join(","), i]));
  const frontPoints: FrontPoint[] = x.front.map((c) => {
    const i = chosenIdx.get(c.choice.join(","));
    const acc = i === undefined ? undefined : accOf(i);
    return {
      budget: i === undefined ? "front" : pointLabel(feasible[i]!.budgets),
      value: c.value,
      costs: costsOf(c),
      layers: c.configuration.layers,
      ...(acc === undefined || acc === null ? {} : { accuracy: acc }),
      ...(i === 0 ? { chosen: true } : {}),
    };
  });
  if (!frontPoints.some((p) => p.chosen)) {
    const acc = accOf(0);
    frontPoints.push({
      budget: pointLabel(first.budgets),
      value: first.chosen.value,
      costs: costsOf(first.chosen),
      layers: first.chosen.configuration.layers,
      ...(acc === undefined || acc === null ? {} : { accuracy: acc }),
      chosen: true,
    });
  }
  const uniformEvals = x.uniforms.map((u, k) => ({
    layers: u.configuration.layers,
    accuracy: x.evals[feasible.length + k]?.accuracy ?? NaN,
    costs: costsOf(u),
  })).sort((a, b) => b.accuracy - a.accuracy);
  const defaultEval = x.evals[x.evals.length - 1];
  const defaultAcc = defaultEval?.accuracy;
  return {
    format: RESULT_FORMAT,
    run: x.run,
    model: x.spec.model,
    profile: x.static.profile.name,
    budgets: budgetsOf(x.static.budgets),
    strategy: x.spec.strategy,
    seed: x.spec.seed,
    dataFree: x.spec.dataFree,
    baseline: {
      accuracy: x.floatAccuracy ?? NaN,
      costs: costsOf(x.baseline.candidate),
      layers: x.baseline.layers,
      ...(defaultAcc === null || defaultAcc === undefined ? {} : {
        uniformAccuracy: defaultAcc,
        uniformFinetuneSteps: defaultEval?.finetuneSteps ?? x.defaultFinetuneSteps,
      }),
    },
    chosen: {
      budget: pointLabel(first.budgets),
      layers: first.chosen.configuration.layers,
      accuracy: accOf(0) ?? NaN,
      ...(x.evals[0]?.finetuneSteps === undefined
        ? {}
        : { finetuneSteps: x.evals[0].finetuneSteps }),
      ...(x.evals[0]?.testExamples === undefined ? {} : { testExamples: x.evals[0].testExamples }),
      costs: costsOf(first.chosen),
      value: first.chosen.value,
      proven: first.result.proven,
      uniform: uniformEvals[0] ?? null,
      ...(uniformEvals.length > 0 ? { uniforms: uniformEvals } : {}),
    },
    front: frontPoints,
    infeasible,
    timings: x.timings,
    spaceLog10: spaceLog10Size(x.static.space),
  };
}
