/**
 * `dnas` on a network: warm-up of the shared weights (α frozen, Gumbel gates at the start
 * temperature, so every choice gets trained), then alternating first-order DARTS steps on
 * two halves of the training data (weights on one, α on the other), then — after the
 * exact projection — a short fine-tune of the chosen configuration and its accuracy.
 *
 * @module
 */
import { tf } from "../backend.ts";
import { batches } from "../data/batches.ts";
import { type Dataset, sliceDataset } from "../data/dataset.ts";
import { batchToTensors } from "../data/to_tensors.ts";
import { applyBnUpdates, type BnUpdate, forward } from "../exec/forward.ts";
import type { ExecSettings } from "../exec/settings.ts";
import { cloneWeights, disposeWeights, trainableVariables, type Weights } from "../exec/weights.ts";
import type { Graph } from "../models/ir.ts";
import { evaluateGraph } from "../quant/evaluate_graph.ts";
import { createArchitecture } from "../relax/architecture.ts";
import { createDualAscent } from "../relax/dual.ts";
import { additiveBudgets } from "../relax/lagrangian.ts";
import { type Range, RangeRecorder } from "../relax/quantizers.ts";
import { temperatureAt } from "../relax/schedule.ts";
import { sramBans } from "../relax/sram_filter.ts";
import { createSupernet, disposeGates, type Gates, type Supernet } from "../relax/supernet.ts";
import { createRng } from "../rng.ts";
import type { DnasOptions } from "./dnas_options.ts";
import { type ArchProbs, project, type Projection, readProbs } from "./dnas_project.ts";
import type { DnasReporter } from "./dnas_report.ts";
import { archStep, crossEntropy, weightStep } from "./dnas_step.ts";
import type { StrategyContext } from "./types.ts";

/** What graph mode needs. */
export interface NetworkInputs {
  readonly graph: Graph;
  /** Starting (trained) float weights; copied, never changed. */
  readonly weights: Weights;
  /** Training data (split in two halves: weights / α). */
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

function* endless(ds: Dataset, batchSize: number, seed: number) {
  const bs = Math.min(batchSize, ds.n);
  for (let epoch = 0;; epoch++) {
    yield* batches(ds, { batchSize: bs, seed: seed * 7919 + epoch, dropRemainder: true });
  }
}

function settingsOf(graph: Graph, given?: ExecSettings): ExecSettings {
  if (given) return given;
  const dropout = Object.fromEntries(
    graph.nodes.filter((n) => n.op === "dropout").map((n) => [n.name, { rate: 0 }]),
  );
  return { bnMomentum: {}, dropout };
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
  const settings = settingsOf(graph, inputs.settings);
  const weights = cloneWeights(inputs.weights);
  const vars = trainableVariables(weights);
  const net = createSupernet(graph, problem.space, weights);
  const arch = createArchitecture(
    problem.space,
    sramBans(problem.space, problem.memory, sram.length ? Math.min(...sram) : undefined),
  );
  const dual = createDualAscent(budgets.length, opts.dual);
  const rng = createRng(ctx.seed);
  const wOpt = tf.train.adam(opts.weightLr);
  const aOpt = tf.train.adam(opts.archLr);
  const half = Math.floor(train.n / 2);
  const wData = endless(sliceDataset(train, 0, half), opts.batchSize, ctx.seed);
  const aData = endless(sliceDataset(train, half, train.n), opts.batchSize, ctx.seed + 1);
  const allData = endless(train, opts.batchSize, ctx.seed + 2);
  let keepWeights = false;
  const stop = () => ctx.signal?.aborted ?? false;

  const trainOn = (
    b: ReturnType<typeof wData.next>["value"],
    gates: () => Gates,
    o: tf.Optimizer,
  ) => {
    const { x, y } = batchToTensors(b!, train);
    const rec = new RangeRecorder();
    const bn: BnUpdate[] = [];
    try {
      return weightStep(vars, o, () => {
        const g = gates();
        const logits = forward(graph, weights, x, {
          training: true,
          hooks: net.hooks(g, { recorder: rec }),
          bnUpdates: bn,
          settings,
          rng,
        });
        return crossEntropy(y, logits);
      });
    } finally {
      applyBnUpdates(weights, bn, settings.bnMomentum);
      rec.flush(net.ranges);
      x.dispose();
      y.dispose();
    }
  };

  try {
    initRanges(net, weights, train, opts.batchSize, settings);
    let stopped = false;
    const sample = (tau: number) => () => arch.sample({ tau, rng, paths: opts.paths });
    for (let s = 0; s < opts.warmupSteps && !(stopped = stop()); s++) {
      const tau = opts.temperature.start;
      const loss = trainOn(wData.next().value, sample(tau), wOpt);
      report.step("warmup", s, opts.warmupSteps, { loss, tau });
      if (s % 10 === 9) await tick();
    }
    for (let s = 0; s < opts.searchSteps && !stopped && !(stopped = stop()); s++) {
      const tau = temperatureAt(opts.temperature, s, opts.searchSteps);
      trainOn(wData.next().value, sample(tau), wOpt);
      const { x, y } = batchToTensors(aData.next().value!, train);
      const r = archStep(
        { arch, table: problem.table, budgets, dual, optimizer: aOpt },
        (g) =>
          crossEntropy(
            y,
            forward(graph, weights, x, { training: true, hooks: net.hooks(g), settings, rng }),
          ),
        { tau, rng, paths: opts.paths },
      );
      x.dispose();
      y.dispose();
      report.step("search", s, opts.searchSteps, {
        loss: r.loss,
        tau,
        arch,
        dual,
        budgets,
        ratios: r.ratios,
      });
      if (s % 5 === 4) await tick();
    }
    const probs = readProbs(arch);
    const projection = await project(problem, ctx.budgets, probs, ctx.seed);
    const fixed = arch.oneHot(projection.chosen.choice);
    try {
      const fOpt = tf.train.adam(opts.weightLr);
      for (let s = 0; s < opts.finetuneSteps && !(stopped = stopped || stop()); s++) {
        const loss = trainOn(allData.next().value, () => fixed, fOpt);
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

/** Sets the activation ranges from one float training-mode batch. */
function initRanges(
  net: Supernet,
  weights: Weights,
  train: Dataset,
  batchSize: number,
  settings: ExecSettings,
): void {
  const b = batches(train, { batchSize: Math.min(batchSize, train.n) }).next().value!;
  const { x, y } = batchToTensors(b, train);
  const rec = new RangeRecorder();
  forward(net.graph, weights, x, { training: true, hooks: net.observeHooks(rec), settings })
    .dispose();
  rec.flush(net.ranges);
  x.dispose();
  y.dispose();
}
