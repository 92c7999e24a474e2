/**
 * One optimisation step of the relaxation, shared by both `dnas` modes: the α step
 * (objective under sampled gates plus the Lagrangian budget term, multipliers outside
 * autodiff, then one dual ascent update) and the weight step (task loss under sampled
 * gates, batch-norm statistics and activation ranges updated). Every tensor made in a step
 * is released in it.
 *
 * @module
 */
import { tf } from "../backend.ts";
import type { Budget } from "../cost/budget.ts";
import type { CostTable } from "../cost/table.ts";
import type { Architecture } from "../relax/architecture.ts";
import type { DualAscent } from "../relax/dual.ts";
import type { PathMode } from "../relax/gumbel.ts";
import { budgetRatios, lagrangianTerm } from "../relax/lagrangian.ts";
import type { Gates } from "../relax/supernet.ts";
import type { Rng } from "../rng.ts";

/** Gate sampling settings of one step. */
export interface GateSettings {
  readonly tau: number;
  readonly rng: Rng;
  readonly paths: PathMode;
}

/** Everything an α step needs. */
export interface ArchStepParts {
  readonly arch: Architecture;
  readonly table: CostTable;
  /** Additive budgets (latency, energy, flash). */
  readonly budgets: readonly Budget[];
  readonly dual: DualAscent;
  readonly optimizer: tf.Optimizer;
}

/** What a step reports. */
export interface StepReport {
  /** Total loss (objective + Lagrangian term). */
  readonly loss: number;
  /** `E[C_k] / B_k` per additive budget, before the update. */
  readonly ratios: Float32Array;
}

/**
 * One α step: minimizes `objective(gates) + Σ λ_k (E[C_k]/B_k − 1)` over the logits, then
 * updates the multipliers from the ratios.
 */
export function archStep(
  parts: ArchStepParts,
  objective: (gates: Gates) => tf.Scalar,
  gates: GateSettings,
): StepReport {
  const { arch, table, budgets, dual, optimizer } = parts;
  let kept: tf.Tensor | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const g = arch.sample(gates);
    const obj = objective(g);
    const ratios = budgetRatios(table, arch.optionProbs(arch.probabilities()), budgets);
    kept = tf.keep(ratios);
    return tf.add(obj, lagrangianTerm(ratios, dual.lambdas)) as tf.Scalar;
  }, arch.variables());
  optimizer.applyGradients(grads);
  const loss = value.dataSync()[0]!;
  const ratios = kept!.dataSync() as Float32Array;
  value.dispose();
  kept!.dispose();
  for (const g of Object.values(grads)) g.dispose();
  if (ratios.length > 0) dual.update(ratios);
  return { loss, ratios };
}

/** What a joint step reports. */
export interface JointStepReport extends StepReport {
  /** The task loss alone (without the budget term). */
  readonly taskLoss: number;
}

/**
 * One single-level step: the weights and the logits both descend `objective(gates) +
 * Σ λ_k (E[C_k]/B_k − 1)` computed in one forward and one backward pass over one batch (the
 * budget term does not depend on the weights), then the multipliers are updated. Half the
 * cost of an α step followed by a weight step; used when the two batches would come from
 * data the weights were already trained on anyway (fine-tuning a trained network).
 */
export function jointStep(
  parts: ArchStepParts & {
    readonly weights: tf.Variable[];
    readonly weightOptimizer: tf.Optimizer;
  },
  objective: (gates: Gates) => tf.Scalar,
  gates: GateSettings,
): JointStepReport {
  const { arch, table, budgets, dual, optimizer } = parts;
  const archVars = arch.variables();
  const archNames = new Set(archVars.map((v) => v.name));
  let kept: tf.Tensor[] = [];
  const { value, grads } = tf.variableGrads(() => {
    const g = arch.sample(gates);
    const obj = objective(g);
    const ratios = budgetRatios(table, arch.optionProbs(arch.probabilities()), budgets);
    kept = [tf.keep(ratios), tf.keep(obj)];
    return tf.add(obj, lagrangianTerm(ratios, dual.lambdas)) as tf.Scalar;
  }, [...parts.weights, ...archVars]);
  const weightGrads: tf.NamedTensorMap = {};
  const archGrads: tf.NamedTensorMap = {};
  for (const [name, g] of Object.entries(grads)) {
    (archNames.has(name) ? archGrads : weightGrads)[name] = g;
  }
  parts.weightOptimizer.applyGradients(weightGrads);
  optimizer.applyGradients(archGrads);
  const loss = value.dataSync()[0]!;
  const ratios = kept[0]!.dataSync() as Float32Array;
  const taskLoss = kept[1]!.dataSync()[0]!;
  value.dispose();
  for (const t of kept) t.dispose();
  for (const g of Object.values(grads)) g.dispose();
  if (ratios.length > 0) dual.update(ratios);
  return { loss, ratios, taskLoss };
}

/** Mean softmax cross-entropy of logits against one-hot labels. */
export function crossEntropy(y: tf.Tensor2D, logits: tf.Tensor2D): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
}

/**
 * One weight step: minimizes `loss()` over `vars`; returns the loss value.
 */
export function weightStep(
  vars: tf.Variable[],
  optimizer: tf.Optimizer,
  loss: () => tf.Scalar,
): number {
  const { value, grads } = tf.variableGrads(loss, vars);
  optimizer.applyGradients(grads);
  const v = value.dataSync()[0]!;
  value.dispose();
  for (const g of Object.values(grads)) g.dispose();
  return v;
}
