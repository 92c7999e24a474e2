/**
 * The coordinator actor: splits a search into jobs (one sensitivity scan, one trial per
 * budget point, one candidate evaluation per configuration worth measuring), sends them
 * through a `JobQueue`, keeps the Pareto front, publishes monitoring events, and assembles
 * `result.json`. It runs the same on the in-process bus and on NATS.
 *
 * @module
 */
import type { Budget } from "../engine/cost/budget.ts";
import { BudgetInfeasibleError, parseBudgets } from "../engine/cost/budget.ts";
import type {
  CandidateJobResult,
  CandidateJobSpec,
  SensitivityJobResult,
  TrialJobResult,
  TrialJobSpec,
} from "../engine/search/jobs_spec.ts";
import { expectFields } from "../engine/search/jobs_spec.ts";
import type { SearchResult } from "../engine/search/result.ts";
import type { SearchSpec } from "../engine/search/spec.ts";
import { problemOf, type SearchStatic, uniformCandidates } from "../engine/search/static.ts";
import { choiceOfConfiguration } from "../engine/space/genes.ts";
import { feasibleAnchor } from "../engine/strategies/feasibility.ts";
import { candidateOf, objectivesOf } from "../engine/strategies/evaluate.ts";
import { paretoFront } from "../engine/strategies/pareto.ts";
import type { Candidate } from "../engine/strategies/types.ts";
import type { Bus } from "./bus/bus.ts";
import { encode } from "./codec.ts";
import { defaultLayersOf, searchResultOf, splitTrials } from "./coordinator_result.ts";
import type { JobQueue } from "./job_queue.ts";
import {
  type EventMessage,
  type JobKind,
  type JsonValue,
  PROTOCOL_VERSION,
  type Subjects,
} from "./protocol.ts";

/** How many of the best feasible uniform configurations are measured for comparison. @default 1 */
export const DEFAULT_COMPARE_UNIFORM = 1;

/**
 * Fine-tuning steps of the uniform default (int8) reference: none, post-training quantization.
 * @default 0
 */
export const REFERENCE_FINETUNE_STEPS = 0;

/** Inputs of {@linkcode coordinateSearch}. */
export interface CoordinatorOptions {
  readonly bus: Bus;
  readonly queue: JobQueue;
  readonly subjects: Subjects;
  readonly run: string;
  readonly spec: SearchSpec;
  readonly static: SearchStatic;
  /** Where the chosen configuration's compressed model is written (by a worker). */
  readonly exportDir?: string;
  /** Uniform configurations measured for comparison. @default DEFAULT_COMPARE_UNIFORM */
  readonly compareUniform?: number;
  /** Also told every event published (for a local progress display). */
  readonly onEvent?: (e: EventMessage) => void;
  /** Clock, ms. @default Date.now */
  readonly now?: () => number;
}

/** Only the finite entries (the wire format carries finite numbers). */
function finite(m: Record<string, number | null | undefined>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(m).filter((e): e is [string, number] => Number.isFinite(e[1])),
  );
}

/** A job that came back with `ok: false`. */
export class JobError extends Error {
  constructor(kind: JobKind, message: string) {
    super(`${kind} job failed: ${message}`);
    this.name = "JobError";
  }
}

/**
 * Runs a whole search and returns its result. Throws `BudgetInfeasibleError` (with the
 * smallest achievable values) when no budget point is feasible.
 *
 * @example
 * ```ts ignore
 * const bus = new InProcessBus();
 * const subjects = createSubjects();
 * startWorker(bus, { id: "w0", subjects, handlers: searchHandlers(bus, subjects) });
 * const spec = makeSearchSpec({ strategy: "mckp" });
 * const result = await coordinateSearch({
 *   bus, queue: busJobQueue(bus, subjects), subjects, run: "r1", spec,
 *   static: await loadSearchStatic(spec),
 * });
 * console.log(result.chosen.layers, result.chosen.accuracy);
 * ```
 */
export async function coordinateSearch(o: CoordinatorOptions): Promise<SearchResult> {
  const now = o.now ?? Date.now;
  const { spec, run } = o;
  const timings: Record<string, number> = {};
  let jobSeq = 0;
  const emit = (e: EventMessage) => {
    o.onEvent?.(e);
    o.bus.publish(o.subjects.events(run), encode(e));
  };
  const progress = (trialId: string, phase: string, done: number, total: number) =>
    emit({ type: "progress", v: PROTOCOL_VERSION, run, at: now(), trialId, phase, done, total });
  const log = (message: string) =>
    emit({
      type: "log",
      v: PROTOCOL_VERSION,
      run,
      at: now(),
      level: "info",
      source: "coordinator",
      message,
    });
  const submit = async <R>(kind: JobKind, trialId: string, body: unknown): Promise<R> => {
    const r = await o.queue.submit({
      type: "job",
      v: PROTOCOL_VERSION,
      run,
      trialId,
      jobId: `${kind}-${jobSeq++}`,
      kind,
      attempt: 1,
      spec: body as JsonValue,
    });
    if (!r.ok) throw new JobError(kind, r.error ?? "unknown error");
    return r.result as R;
  };
  const timed = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    const t = now();
    try {
      return await f();
    } finally {
      timings[name] = (timings[name] ?? 0) + (now() - t) / 1000;
    }
  };

  // 0. Fail fast, before any training: every budget point must be reachable.
  const zeros = o.static.space.options.map((opts) => new Array<number>(opts.length).fill(0));
  const costOnly = problemOf(o.static, zeros);
  const reachable = o.static.points.filter((p) => {
    try {
      feasibleAnchor(costOnly, p);
      return true;
    } catch (e) {
      if (e instanceof BudgetInfeasibleError && o.static.points.length > 1) return false;
      throw e;
    }
  });
  if (reachable.length === 0) feasibleAnchor(costOnly, o.static.points[0]!);

  // 1. Sensitivities (the values the strategies minimize).
  progress("setup", "sensitivity job", 0, 1);
  const sens = await timed(
    "sensitivity",
    () => submit<SensitivityJobResult>("sensitivity-scan", "setup", { search: spec }),
  );
  expectFields<SensitivityJobResult>(sens, "sensitivity result", ["values", "method"]);
  const problem = problemOf(o.static, sens.values);
  progress("setup", "sensitivity job", 1, 1);
  log(`sensitivities (${sens.method}) in ${sens.seconds.toFixed(1)} s`);

  // 2. One trial per budget point.
  const points = o.static.points;
  const trials = await timed(
    "search",
    () =>
      Promise.allSettled(points.map((budgets, i) =>
        submit<TrialJobResult>(
          "trial",
          `t${i}`,
          {
            search: spec,
            budgets: budgets.map((b) => b.text),
            values: sens.values,
          } satisfies TrialJobSpec,
        )
      )),
  );
  const outcomes = splitTrials(points, trials, problem);
  const { feasible } = outcomes;

  // 3. The front of everything the trials returned (judged with no budget).
  const kinds = [...new Map(o.static.budgets.map((b) => [b.kind, b])).values()];
  const all = feasible.flatMap((
    f,
  ) => [f.chosen, ...f.result.front.map((c) => candidateOf(problem, c, f.budgets))]);
  const front = paretoFront(all, (c) => objectivesOf(c, kinds));
  emit({
    type: "front",
    v: PROTOCOL_VERSION,
    run,
    at: now(),
    points: front.map((c, i) => ({
      candidateId: `f${i}`,
      metrics: finite({
        value: c.value,
        latencyMs: c.costs.latency,
        sramBytes: c.costs.sram,
        flashBytes: c.costs.flash,
      }),
    })),
  });

  // 4. Measure: each point's choice, the best uniform configurations, the uniform default.
  const first = feasible[0]!;
  const uniforms = uniformCandidates(o.static, problem, first.budgets)
    .filter((c) => c.feasible)
    .sort((a, b) => a.value - b.value)
    .slice(0, o.compareUniform ?? DEFAULT_COMPARE_UNIFORM);
  const defaultLayers = defaultLayersOf(o.static.space);
  const baselineCand = candidateOf(
    problem,
    choiceOfConfiguration(o.static.space, { layers: defaultLayers }),
    [],
  );
  // Each evaluation reports progress under its own label (eval-t0: the first point's choice,
  // eval-u0: the first uniform, eval-default), so that progress lines and the monitor can
  // tell them apart.
  const evalJob = (
    label: string,
    layers: Candidate["configuration"]["layers"],
    opts: { exportDir?: string | undefined; finetuneSteps?: number } = {},
  ) =>
    submit<CandidateJobResult>(
      "candidate-eval",
      `eval-${label}`,
      {
        search: spec,
        layers,
        ...(opts.exportDir === undefined ? {} : { exportDir: opts.exportDir }),
        ...(opts.finetuneSteps === undefined ? {} : { finetuneSteps: opts.finetuneSteps }),
      } satisfies CandidateJobSpec,
    );
  // The chosen and the uniform configurations within the budget all get the same fine-tuning;
  // the uniform default (int8, usually over budget) is a reference: post-training
  // quantization only (W8A8 PTQ is within a few hundredths of a point of its fine-tuned
  // accuracy, and fine-tuning it would cost as much as a candidate).
  const evals = await timed("evaluate", () =>
    Promise.all([
      ...feasible.map((f, i) =>
        evalJob(`t${i}`, f.chosen.configuration.layers, {
          exportDir: i === 0 ? o.exportDir : undefined,
        })
      ),
      ...uniforms.map((u, k) => evalJob(`u${k}`, u.configuration.layers)),
      evalJob("default", defaultLayers, { finetuneSteps: REFERENCE_FINETUNE_STEPS }),
    ]));
  evals.forEach((e, i) => {
    const c = i < feasible.length ? feasible[i]!.chosen : uniforms[i - feasible.length];
    if (!c) return;
    emit({
      type: "candidate",
      v: PROTOCOL_VERSION,
      run,
      at: now(),
      trialId: i < feasible.length ? `t${i}` : "uniform",
      candidateId: `c${i}`,
      metrics: finite({
        accuracy: e.accuracy,
        value: c.value,
        latencyMs: c.costs.latency,
        sramBytes: c.costs.sram,
        flashBytes: c.costs.flash,
      }),
      choice: c.configuration.layers as unknown as JsonValue,
    });
  });
  return searchResultOf({
    run,
    spec,
    static: o.static,
    trials: outcomes,
    front,
    uniforms,
    baseline: { candidate: baselineCand, layers: defaultLayers },
    evals,
    floatAccuracy: sens.floatAccuracy,
    timings,
    defaultFinetuneSteps: REFERENCE_FINETUNE_STEPS,
  });
}

/** Parses budget texts back (for workers). */
export function budgetsOfTexts(texts: readonly string[]): Budget[] {
  return parseBudgets([...texts]);
}

export { BudgetInfeasibleError };
