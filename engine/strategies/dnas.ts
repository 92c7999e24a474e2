/**
 * `dnas`: differentiable search (DARTS / DNAS with EdMIPS composite convolutions) under
 * hard budgets. Each layer mixes its `(wbits, abits)` pairs and each width group its
 * widths with Gumbel-softmax gates over shared float weights; the loss is the task loss
 * plus `Σ_k λ_k (E[C_k]/B_k − 1)` over the additive budgets (latency, energy, flash), with
 * λ raised by damped dual ascent while a budget is violated; peak SRAM bans options that
 * alone break it. The temperature anneals exponentially. The final configuration is the
 * argmax, projected exactly onto every budget by `mckp` over `−log p`, refined by spending
 * the budget it leaves unused on the upgrades the problem's values favour, then fine-tuned
 * and evaluated.
 *
 * With `ctx.resources` holding `graph`, `weights` and `train` (see {@linkcode DnasResources})
 * it trains the supernet; without them it relaxes the problem's additive `values` instead
 * (table mode: fast, no network).
 *
 * @module
 */
import { initBackend, tf } from "../backend.ts";
import type { Dataset } from "../data/dataset.ts";
import type { ExecSettings } from "../exec/settings.ts";
import type { Weights } from "../exec/weights.ts";
import type { Range } from "../relax/quantizers.ts";
import { resultOf } from "./_result.ts";
import { type DnasOptions, parseDnasOptions } from "./dnas_options.ts";
import { project, type Projection } from "./dnas_project.ts";
import { createReporter } from "./dnas_report.ts";
import { relaxTable } from "./dnas_table.ts";
import { relaxNetwork } from "./dnas_train.ts";
import { feasibleAnchor } from "./feasibility.ts";
import type {
  Candidate,
  Strategy,
  StrategyContext,
  StrategyResources,
  StrategyResult,
} from "./types.ts";

/** Resources `dnas` trains with (graph mode needs `graph`, `weights` and `train`). */
export interface DnasResources extends StrategyResources {
  /** Trained float weights of `graph` (copied; never changed). */
  readonly weights?: Weights;
  /** Training data (half trains the weights, half the architecture). */
  readonly train?: Dataset;
  /** Held-out data for the accuracy of the chosen configuration. */
  readonly test?: Dataset;
  /** Batch-norm momenta and dropout rates (`execSettingsFromLayersModel`). */
  readonly settings?: ExecSettings;
}

/** What `dnas` returns besides the common result. */
export interface DnasResult extends StrategyResult {
  /** `network` (supernet trained) or `table` (relaxation of `values`). */
  readonly mode: "network" | "table";
  /** The argmax of the final probabilities, evaluated exactly (may break a budget). */
  readonly argmax: Candidate;
  /** The most probable configuration within the budgets, before refinement. */
  readonly projected: Candidate;
  /** Final probabilities: per layer over its pairs; per width gene over its widths. */
  readonly probabilities: {
    readonly bits: readonly (readonly number[])[];
    readonly widths: Readonly<Record<number, readonly number[]>>;
  };
  /** Accuracy of the fine-tuned chosen configuration (network mode with test data). */
  readonly accuracy?: number;
  /** Progress records (one per report). */
  readonly history: readonly Record<string, number>[];
  /** Fine-tuned weights (caller disposes) and activation ranges, with `keepWeights`. */
  readonly finetuned?: { readonly weights: Weights; readonly ranges: Record<string, Range> };
}

/**
 * Creates the `dnas` strategy. Options: see {@linkcode DnasOptions} (`warmupSteps`,
 * `searchSteps`, `finetuneSteps`, `tableSteps`, `batchSize`, `weightLr`, `archLr`,
 * `temperature: {start, end}`, `paths: "all" | 1 | 2`, `dual: {lr, averaging,
 * proportional, margin}`, `keepWeights`, `progressEvery`).
 *
 * @example
 * ```ts ignore
 * const r = await dnasStrategy({ searchSteps: 100 }).run({
 *   problem, budgets: parseBudgets("latency=4ms"), seed: 1,
 *   resources: { graph, weights, train, test },
 * });
 * console.log(r.chosen.configuration, r.chosen.costs.latency, r.accuracy);
 * ```
 */
export function dnasStrategy(options?: Readonly<Record<string, unknown>>): Strategy {
  const opts = parseDnasOptions(options);
  return { name: "dnas", run: (ctx) => runDnas(ctx, opts) };
}

async function runDnas(ctx: StrategyContext, opts: DnasOptions): Promise<DnasResult> {
  const now = ctx.now ?? (() => performance.now());
  const t0 = now();
  feasibleAnchor(ctx.problem, ctx.budgets); // BudgetInfeasibleError before any training
  if (!tf.engine().backendName) await initBackend(); // callers that never started tfjs
  const res = (ctx.resources ?? {}) as DnasResources;
  const network = res.graph !== undefined && res.weights !== undefined &&
    res.train !== undefined;
  const planned = network
    ? opts.warmupSteps + opts.searchSteps + opts.finetuneSteps
    : opts.tableSteps;
  const report = createReporter(ctx, opts.progressEvery, planned);
  let projection: Projection;
  let probs;
  let stopped: boolean;
  let accuracy: number | undefined;
  let finetuned: DnasResult["finetuned"];
  if (network) {
    const out = await relaxNetwork(ctx, opts, {
      graph: res.graph!,
      weights: res.weights!,
      train: res.train!,
      ...(res.test ? { test: res.test } : {}),
      ...(res.settings ? { settings: res.settings } : {}),
    }, report);
    ({ projection, probs, stopped, accuracy, finetuned } = out);
  } else {
    const out = relaxTable(ctx, opts, report);
    ({ probs, stopped } = out);
    projection = await project(ctx.problem, ctx.budgets, probs, ctx.seed, {
      refine: opts.refine,
    });
    if (res.evaluateAccuracy) {
      accuracy = await res.evaluateAccuracy(projection.chosen.configuration, ctx.signal);
    }
  }
  const base = resultOf("dnas", ctx, {
    chosen: projection.chosen,
    candidates: [projection.chosen],
    proven: false,
    stats: { evaluations: projection.evaluations, timeMs: now() - t0, stopped },
  });
  return {
    ...base,
    mode: network ? "network" : "table",
    argmax: projection.argmax,
    projected: projection.projected,
    probabilities: {
      bits: probs.bits.map((p) => Array.from(p)),
      widths: Object.fromEntries([...probs.widths].map(([g, p]) => [g, Array.from(p)])),
    },
    ...(accuracy === undefined ? {} : { accuracy }),
    history: report.history,
    ...(finetuned ? { finetuned } : {}),
  };
}
