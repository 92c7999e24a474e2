/**
 * What a worker does for each job kind of a search: sensitivities, one strategy trial, one
 * candidate compressed and measured. Plain async functions from a job spec (JSON) to a
 * result (JSON); the actors layer wires them to the bus.
 *
 * @module
 */
import { parseBudgets } from "../cost/budget.ts";
import { evaluateGraph } from "../quant/evaluate_graph.ts";
import { choicesOfSpace } from "../sensitivity/choices.ts";
import { dataDrivenSensitivity } from "../sensitivity/data_driven.ts";
import { dataFreeSensitivity } from "../sensitivity/data_free.ts";
import { optionValues } from "../sensitivity/table.ts";
import type { DnasResources } from "../strategies/dnas.ts";
import { createStrategy } from "../strategies/registry.ts";
import type { StrategyProgress } from "../strategies/types.ts";
import { compressCandidate } from "./compress.ts";
import {
  type CandidateJobResult,
  type CandidateJobSpec,
  expectFields,
  type SensitivityJobResult,
  type SensitivityJobSpec,
  type TrialJobResult,
  type TrialJobSpec,
} from "./jobs_spec.ts";
import { sessionOf } from "./session.ts";
import { makeSearchSpec, type SearchSpec } from "./spec.ts";
import { problemOf } from "./static.ts";

/** Progress of a job, for events and progress bars. */
export interface JobProgress {
  readonly phase: string;
  readonly done: number;
  readonly total: number;
  readonly metrics?: Readonly<Record<string, number>>;
}

/** Options every job handler takes. */
export interface JobRunOptions {
  readonly onProgress?: (p: JobProgress) => void;
}

function specOf(x: unknown): SearchSpec {
  const s = expectFields<{ search: Partial<SearchSpec> }>(x, "job spec", ["search"]);
  return makeSearchSpec(s.search);
}

/**
 * Settings of the `dnas` strategy inside a search (small enough for the default run):
 * single-level search steps (one pass each instead of two: the network is already trained
 * on all of its training data, so a held-out half for α buys nothing); a PI multiplier
 * (light averaging and a proportional term, so λ falls as soon as the expected cost is
 * back under the budget instead of overshooting for the rest of a short search); no
 * fine-tuning inside the strategy (the candidate job fine-tunes the chosen configuration).
 */
export const DNAS_SEARCH_OPTIONS: Readonly<Record<string, unknown>> = {
  warmupSteps: 20,
  searchSteps: 80,
  bilevel: false,
  finetuneSteps: 0,
  archLr: 0.1,
  dual: { averaging: 0.5, proportional: 1 },
};

/** Sensitivity values of every option of the space, and the float accuracy. */
export async function runSensitivityJob(
  body: SensitivityJobSpec,
  opts: JobRunOptions = {},
): Promise<SensitivityJobResult> {
  const t0 = performance.now();
  opts.onProgress?.({ phase: "loading data", done: 0, total: 1 });
  const session = await sessionOf(specOf(body));
  const { graph, space } = session.static;
  const choices = choicesOfSpace(space);
  const table = session.calibration && !session.spec.dataFree
    ? dataDrivenSensitivity(graph, session.weights, session.calibration, {
      choices,
      onProgress: (done, total) => opts.onProgress?.({ phase: "sensitivity", done, total }),
    })
    : dataFreeSensitivity(graph, session.weights, { choices });
  const values = optionValues(table, space).map((v) => Array.from(v));
  const floatAccuracy = session.test
    ? evaluateGraph(graph, session.weights, session.test).accuracy
    : null;
  return {
    values,
    method: table.meta.method,
    floatAccuracy,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** One strategy run at one budget point. */
export async function runTrialJob(
  body: TrialJobSpec,
  opts: JobRunOptions = {},
): Promise<TrialJobResult> {
  const t0 = performance.now();
  const spec = specOf(body);
  const b = expectFields<TrialJobSpec>(body, "trial spec", ["budgets", "values"]);
  const session = await sessionOf(spec);
  const problem = problemOf(session.static, b.values);
  const strategy = createStrategy(
    spec.strategy,
    spec.strategy === "dnas" ? DNAS_SEARCH_OPTIONS : undefined,
  );
  const resources: DnasResources = {
    graph: session.static.graph,
    profile: session.static.profile,
    weights: session.weights,
    settings: session.settings,
    ...(session.train && !spec.dataFree ? { train: session.train } : {}),
  };
  const r = await strategy.run({
    problem,
    budgets: parseBudgets([...b.budgets]),
    seed: spec.seed,
    resources,
    onProgress: (p: StrategyProgress) =>
      opts.onProgress?.({
        phase: `${p.strategy}:${p.phase}`,
        done: p.step,
        total: p.total ?? p.step,
        ...(p.metrics ? { metrics: p.metrics } : {}),
      }),
  });
  return {
    chosen: Array.from(r.chosen.choice),
    front: r.front.map((c) => Array.from(c.choice)),
    proven: r.proven,
    evaluations: r.stats.evaluations,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** Compresses one configuration, fine-tunes it, measures it, maybe exports it. */
export async function runCandidateJob(
  body: CandidateJobSpec,
  opts: JobRunOptions = {},
): Promise<CandidateJobResult> {
  const t0 = performance.now();
  const spec = specOf(body);
  const b = expectFields<CandidateJobSpec>(body, "candidate spec", ["layers"]);
  const steps = b.finetuneSteps ?? spec.finetuneSteps;
  if (!Number.isInteger(steps) || steps < 0) {
    throw new RangeError(
      `Cannot fine-tune a candidate for ${steps} steps: expected an integer >= 0`,
    );
  }
  const session = await sessionOf(spec);
  const out = await compressCandidate(session, b.layers, {
    finetuneSteps: spec.dataFree ? 0 : steps,
    seed: spec.seed,
    ...(b.exportDir === undefined ? {} : { exportDir: b.exportDir }),
    onStep: (done, total, loss) =>
      opts.onProgress?.({ phase: "finetune", done, total, metrics: { loss } }),
  });
  return {
    accuracy: out.accuracy,
    ...(out.weightBytes === undefined ? {} : { weightBytes: out.weightBytes }),
    finetuneSteps: session.train && !spec.dataFree ? steps : 0,
    testExamples: session.test?.n ?? 0,
    seconds: (performance.now() - t0) / 1000,
  };
}
