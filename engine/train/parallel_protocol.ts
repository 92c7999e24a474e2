/**
 * Messages between {@linkcode trainDataParallel} and its Web Workers (version 1). Each worker
 * holds a replica of the model; per step it computes the gradient of its shard of the batch,
 * the main thread averages the shards' gradients and every replica applies the same update,
 * so the replicas stay identical.
 *
 * @module
 */
import type { AugmentOptions } from "./augment.ts";

/** Protocol version of the data-parallel training messages. */
export const PARALLEL_PROTOCOL_VERSION = 1;

/** The data set as shared memory, so every worker reads it without a copy. */
export interface SharedDataset {
  /** Backed by a SharedArrayBuffer. */
  readonly images: Float32Array;
  /** Backed by a SharedArrayBuffer. */
  readonly labels: Int32Array;
  readonly n: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly numClasses: number;
}

/** Main thread to worker. */
export type ToWorker =
  | {
    readonly v: 1;
    readonly kind: "init";
    /** `JSON.stringify(model.toJSON(undefined, false))`. */
    readonly modelJson: string;
    /** Values of `model.weights`, in order. */
    readonly weights: readonly Float32Array[];
    readonly data: SharedDataset;
    readonly rank: number;
    readonly world: number;
    readonly seed: number;
    readonly batchSize: number;
    readonly labelSmoothing: number;
    readonly augment: AugmentOptions;
  }
  /** Start of an epoch: the shuffled example order shared by all replicas. */
  | { readonly v: 1; readonly kind: "epoch"; readonly order: Int32Array }
  /** Compute the gradient of step `step` (0-based within the epoch) on this worker's shard. */
  | { readonly v: 1; readonly kind: "step"; readonly step: number }
  /** Apply the averaged gradient (concatenated in trainable-weight order) at rate `lr`. */
  | { readonly v: 1; readonly kind: "apply"; readonly grads: Float32Array; readonly lr: number }
  /** Send back every weight (trainable and batch-norm statistics). */
  | { readonly v: 1; readonly kind: "finish" };

/** Worker to main thread. */
export type FromWorker =
  | { readonly v: 1; readonly kind: "ready"; readonly rank: number }
  | {
    readonly v: 1;
    readonly kind: "grads";
    readonly rank: number;
    readonly loss: number;
    readonly grads: Float32Array;
  }
  | {
    readonly v: 1;
    readonly kind: "weights";
    readonly rank: number;
    readonly weights: Float32Array[];
  }
  | { readonly v: 1; readonly kind: "error"; readonly rank: number; readonly message: string };
