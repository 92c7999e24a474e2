/**
 * `dnas` on a network: warm-up of the shared weights (α frozen, Gumbel gates at the start
 * temperature, so every choice gets trained), then the search — bilevel first-order DARTS
 * steps on two halves of the training data (weights on one, α on the other), or
 * single-level steps updating both from one batch — then, after the exact projection, a
 * short fine-tune of the chosen configuration and its accuracy.
 *
 * @module
 */
import { tf } from "../backend.ts";
import { type Batch, batches } from "../data/batches.ts";
import { type Dataset, sliceDataset } from "../data/dataset.ts";
import type { ExecSettings } from "../exec/settings.ts";
import { cloneWeights, disposeWeights, type Weights } from "../exec/weights.ts";
import type { Graph } from "../models/ir.ts";
import { evaluateGraph } from "../quant/evaluate_graph.ts";
import { createArchitecture } from "../relax/architecture.ts";
import { createDualAscent } from "../relax/dual.ts";
import { additiveBudgets } from "../relax/lagrangian.ts";
import type { Range } from "../relax/quantizers.ts";
import { temperatureAt } from "../relax/schedule.ts";
import { sramBans } from "../relax/sram_filter.ts";
import { createSupernet, disposeGates } from "../relax/supernet.ts";
import { createRng } from "../rng.ts";
import type { DnasOptions } from "./dnas_options.ts";
import { endlessBatches, settingsOf, supernetPasses } from "./dnas_passes.ts";
import { type ArchProbs, project, type Projection, readProbs } from "./dnas_project.ts";
import type { DnasReporter } from "./dnas_report.ts";
import type { StrategyContext } from "./types.ts";

/** What graph mode needs. */
export interface NetworkInputs {
  readonly graph: Graph;
  /** Starting (trained) float weights; copied, never changed. */
  readonly weights: Weights;
  /** Training data (bilevel: split in two halves, weights / α). */
  readonly train: Dataset;
  /** Held-out data for the final accuracy. */
  readonly test?: Dataset;
  /** Batch-norm momenta and dropout rates. */
  readonly settings?: ExecSettings;
}

/** Outcome of a graph-mode run. */
export interface NetworkOutcome {
  readonly probs: ArchProbs;
  readonly projection: Projection;
  /** Accuracy of the fine-tuned chosen configuration on `test`, when given. */
  readonly accuracy?: number;
  readonly stopped: boolean;
  /** Fine-tuned weights and activation ranges (only with `keepWeights`). */
  readonly finetuned?: { readonly weights: Weights; readonly ranges: Record<string, Range> };
}

/** Runs warm-up, search, projection, fine-tune and evaluation. */
export async function relaxNetwork(
  ctx: StrategyContext,
  opts: DnasOptions,
  inputs: NetworkInputs,
  report: DnasReporter,
): Promise<NetworkOutcome> {
  const { problem } = ctx;
  const { graph, train } = inputs;
  if (train.n < 2) throw new RangeError(`dnas needs at least 2 training examples, got ${train.n}`);
  const budgets = additiveBudgets(ctx.budgets);
  const sram = ctx.budgets.filter((b) => b.kind === "sram").map((b) => b.value);
  const weights = cloneWeights(inputs.weights);
  const net = createSupernet(graph, problem.space, weights);
  const arch = createArchitecture(
    problem.space,
    sramBans(problem.space, problem.memory, sram.length ? Math.min(...sram) : undefined),
  );
  const dual = createDualAscent(budgets.length, opts.dual);
  const rng = createRng(ctx.seed);
  const passes = supernetPasses(net, weights, train, {
    settings: settingsOf(graph, inputs.settings),
    rng,
  });
  const wOpt = tf.train.adam(opts.weightLr);
  const aOpt = tf.train.adam(opts.archLr);
  const half = Math.floor(train.n / 2);
  const wData = endlessBatches(sliceDataset(train, 0, half), opts.batchSize, ctx.seed);
  const aData = endlessBatches(sliceDataset(train, half, train.n), opts.batchSize, ctx.seed + 1);
  const allData = endlessBatches(train, opts.batchSize, ctx.seed + 2);
  const next = (it: Generator<Batch>) => it.next().value!;
  let keepWeights = false;
  const stop = () => ctx.signal?.aborted ?? false;

  try {
    passes.initRanges(
      batches(train, { batchSize: Math.min(opts.batchSize, train.n) }).next().value!,
    );
    let stopped = false;
    const sample = (tau: number) => () => arch.sample({ tau, rng, paths: opts.paths });
    for (let s = 0; s < opts.warmupSteps && !(stopped = stop()); s++) {
      const tau = opts.temperature.start;
      const loss = passes.weight(next(opts.bilevel ? wData : allData), sample(tau), wOpt);
      report.step("warmup", s, opts.warmupSteps, { loss, tau });
      if (s % 10 === 9) await tick();
    }
    const parts = { arch, table: problem.table, budgets, dual, optimizer: aOpt };
    for (let s = 0; s < opts.searchSteps && !stopped && !(stopped = stop()); s++) {
      const tau = temperatureAt(opts.temperature, s, opts.searchSteps);
      const gates = { tau, rng, paths: opts.paths };
      let r;
      if (opts.bilevel) {
        passes.weight(next(wData), sample(tau), wOpt);
        r = passes.arch(next(aData), parts, gates);
      } else {
        r = passes.joint(next(allData), { ...parts, weightOptimizer: wOpt }, gates);
      }
      report.step("search", s, opts.searchSteps, { ...r, tau, arch, dual, budgets });
      if (s % 5 === 4) await tick();
    }
    const probs = readProbs(arch);
    const projection = await project(problem, ctx.budgets, probs, ctx.seed, {
      refine: opts.refine,
    });
    const fixed = arch.oneHot(projection.chosen.choice);
    try {
      const fOpt = tf.train.adam(opts.weightLr);
      for (let s = 0; s < opts.finetuneSteps && !(stopped = stopped || stop()); s++) {
        const loss = passes.weight(next(allData), () => fixed, fOpt);
        report.step("finetune", s, opts.finetuneSteps, { loss });
        if (s % 10 === 9) await tick();
      }
      fOpt.dispose();
      let accuracy: number | undefined;
      if (inputs.test !== undefined) {
        const test = inputs.test;
        tf.tidy(() => {
          accuracy = evaluateGraph(graph, weights, test, { hooks: net.hooks(fixed) }).accuracy;
        });
      }
      keepWeights = opts.keepWeights;
      return {
        probs,
        projection,
        stopped,
        ...(accuracy === undefined ? {} : { accuracy }),
        ...(keepWeights ? { finetuned: { weights, ranges: net.ranges.snapshot() } } : {}),
      };
    } finally {
      disposeGates(fixed);
    }
  } finally {
    wOpt.dispose();
    aOpt.dispose();
    arch.dispose();
    net.dispose();
    if (!keepWeights) disposeWeights(weights);
  }
}

function tick(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
