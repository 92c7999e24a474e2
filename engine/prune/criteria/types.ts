/**
 * The shape every pruning criterion shares: one importance score per channel of a
 * dependency group (higher = more important, pruned last).
 *
 * @module
 */
import type { tf } from "../../backend.ts";
import type { Weights } from "../../exec/weights.ts";
import type { Graph } from "../../models/ir.ts";
import type { ChannelAnalysis, DependencyGroup } from "../channels.ts";

/** A labelled batch: inputs and one-hot labels (as `batchToTensors` returns). */
export interface LabeledBatch {
  readonly x: tf.Tensor4D;
  readonly y: tf.Tensor2D;
}

/** What a criterion scores. */
export interface CriterionInput {
  readonly graph: Graph;
  readonly weights: Weights;
  readonly group: DependencyGroup;
  readonly analysis: ChannelAnalysis;
  /** Calibration batches; required when the criterion `needsData`. */
  readonly data?: readonly LabeledBatch[];
  /** Riemann steps of integrated gradients. */
  readonly steps?: number;
}

/** A pruning criterion: a config object in the {@linkcode criteria} registry. */
export interface PruningCriterion {
  readonly name: string;
  /** True when `score` needs `data`. */
  readonly needsData: boolean;
  /** One score per channel of `input.group` (length `group.channels`). */
  score(input: CriterionInput): Float32Array;
}
