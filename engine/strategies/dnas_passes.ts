/**
 * The passes `dnas` makes over one batch of its supernet: a weight step under given gates
 * (warm-up, bilevel search, fine-tune), an α step, and a single-level step updating both.
 * Every pass that trains the weights updates the batch-norm statistics and the supernet's
 * activation ranges; every tensor made in a pass is released in it.
 *
 * @module
 */
import type { tf } from "../backend.ts";
import { type Batch, batches } from "../data/batches.ts";
import type { Dataset } from "../data/dataset.ts";
import { batchToTensors } from "../data/to_tensors.ts";
import { applyBnUpdates, type BnUpdate, forward } from "../exec/forward.ts";
import type { ExecHooks } from "../exec/hooks.ts";
import type { ExecSettings } from "../exec/settings.ts";
import { trainableVariables, type Weights } from "../exec/weights.ts";
import type { Graph } from "../models/ir.ts";
import { RangeRecorder } from "../relax/quantizers.ts";
import type { Gates, Supernet } from "../relax/supernet.ts";
import type { Rng } from "../rng.ts";
import {
  archStep,
  type ArchStepParts,
  crossEntropy,
  type GateSettings,
  jointStep,
  type StepReport,
  weightStep,
} from "./dnas_step.ts";
import { noDropoutSettings } from "../exec/settings.ts";

/** An endless stream of shuffled batches of `ds` (a new order every epoch). */
export function* endlessBatches(ds: Dataset, batchSize: number, seed: number): Generator<Batch> {
  const bs = Math.min(batchSize, ds.n);
  for (let epoch = 0;; epoch++) {
    yield* batches(ds, { batchSize: bs, seed: seed * 7919 + epoch, dropRemainder: true });
  }
}

/** Training-mode settings: the given ones, else Keras momenta and no dropout. */
export function settingsOf(graph: Graph, given?: ExecSettings): ExecSettings {
  return given ?? noDropoutSettings(graph);
}

/** The passes over one supernet (see the module notes). */
export interface SupernetPasses {
  /** The trainable float weights. */
  readonly variables: tf.Variable[];
  /** One weight step under `gates()`; returns the loss. */
  weight(b: Batch, gates: () => Gates, optimizer: tf.Optimizer): number;
  /** One α step (weights unchanged, statistics not updated). */
  arch(b: Batch, parts: ArchStepParts, gates: GateSettings): StepReport;
  /** One single-level step: weights (by `weightOptimizer`) and α from one pass. */
  joint(
    b: Batch,
    parts: ArchStepParts & { readonly weightOptimizer: tf.Optimizer },
    gates: GateSettings,
  ): StepReport;
  /** Sets the activation ranges from one float training-mode batch. */
  initRanges(b: Batch): void;
}

/** Creates the passes of `net` over `weights` (changed in place by the weight steps). */
export function supernetPasses(
  net: Supernet,
  weights: Weights,
  train: Dataset,
  opts: { readonly settings: ExecSettings; readonly rng: Rng },
): SupernetPasses {
  const { settings, rng } = opts;
  const graph = net.graph;
  const vars = trainableVariables(weights);
  const loss = (x: tf.Tensor4D, y: tf.Tensor2D, hooks: ExecHooks, bn?: BnUpdate[]) =>
    crossEntropy(
      y,
      forward(graph, weights, x, {
        training: true,
        hooks,
        ...(bn ? { bnUpdates: bn } : {}),
        settings,
        rng,
      }),
    );
  /** Runs `step` on `b` with range-recording hooks, then applies BN and range updates. */
  const training = <T>(
    b: Batch,
    step: (x: tf.Tensor4D, y: tf.Tensor2D, hooks: (g: Gates) => ExecHooks, bn: BnUpdate[]) => T,
  ): T => {
    const { x, y } = batchToTensors(b, train);
    const rec = new RangeRecorder();
    const bn: BnUpdate[] = [];
    try {
      return step(x, y, (g) => net.hooks(g, { recorder: rec }), bn);
    } finally {
      applyBnUpdates(weights, bn, settings.bnMomentum);
      rec.flush(net.ranges);
      x.dispose();
      y.dispose();
    }
  };
  return {
    variables: vars,
    weight: (b, gates, optimizer) =>
      training(
        b,
        (x, y, hooks, bn) => weightStep(vars, optimizer, () => loss(x, y, hooks(gates()), bn)),
      ),
    arch(b, parts, gates) {
      const { x, y } = batchToTensors(b, train);
      try {
        return archStep(parts, (g) => loss(x, y, net.hooks(g)), gates);
      } finally {
        x.dispose();
        y.dispose();
      }
    },
    joint: (b, parts, gates) =>
      training(
        b,
        (x, y, hooks, bn) =>
          jointStep({ ...parts, weights: vars }, (g) => loss(x, y, hooks(g), bn), gates),
      ),
    initRanges(b) {
      const { x, y } = batchToTensors(b, train);
      const rec = new RangeRecorder();
      forward(graph, weights, x, { training: true, hooks: net.observeHooks(rec), settings })
        .dispose();
      rec.flush(net.ranges);
      x.dispose();
      y.dispose();
    },
  };
}
