/**
 * The JSON contracts of the search's jobs: what the coordinator asks (`spec`) and what a
 * worker answers (`result`) for each job kind. Plain data, validated on receipt, so they
 * cross any bus.
 *
 * @module
 */
import type { LayerChoice } from "../cost/config.ts";
import type { SearchSpec } from "./spec.ts";

/** `sensitivity-scan`: per-option values of the search problem, and baseline accuracies. */
export interface SensitivityJobSpec {
  readonly search: SearchSpec;
}

/** Answer to a {@linkcode SensitivityJobSpec}. */
export interface SensitivityJobResult {
  /** Per layer of the space (in `space.layers` order), per option: the value to minimize. */
  readonly values: number[][];
  /** How the values were obtained (`data-driven`, `data-free`). */
  readonly method: string;
  /** Float test accuracy of the model (null when data-free with no test data). */
  readonly floatAccuracy: number | null;
  readonly seconds: number;
}

/** `trial`: one strategy run at one budget point. */
export interface TrialJobSpec {
  readonly search: SearchSpec;
  /** Budget texts of this point (`latency=4ms`, `sram=256KiB`). */
  readonly budgets: readonly string[];
  readonly values: number[][];
}

/** Answer to a {@linkcode TrialJobSpec}. */
export interface TrialJobResult {
  /** Option index per space layer of the chosen configuration. */
  readonly chosen: number[];
  /** Option indices of the front's candidates. */
  readonly front: number[][];
  readonly proven: boolean;
  readonly evaluations: number;
  readonly seconds: number;
}

/** `candidate-eval`: compress one configuration, fine-tune, measure test accuracy. */
export interface CandidateJobSpec {
  readonly search: SearchSpec;
  readonly layers: Readonly<Record<string, LayerChoice>>;
  /** Writes the compressed model there (tailor-export/v1) when given. */
  readonly exportDir?: string;
  /**
   * Fine-tuning steps of this candidate, instead of the search's `finetuneSteps` (0: post-
   * training quantization only, as for the uniform int8 reference).
   */
  readonly finetuneSteps?: number;
}

/** Answer to a {@linkcode CandidateJobSpec}. */
export interface CandidateJobResult {
  /** Test accuracy after compression and fine-tuning (null when no test data). */
  readonly accuracy: number | null;
  /** Bytes of the exported weight file, when exported. */
  readonly weightBytes?: number;
  /** Fine-tuning steps the candidate got (0 when there was no training data). */
  readonly finetuneSteps?: number;
  /** Test images behind `accuracy` (0 without a test set). */
  readonly testExamples?: number;
  readonly seconds: number;
}

/** Throws a TypeError unless `x` is an object with the named fields. */
export function expectFields<T>(x: unknown, what: string, fields: readonly string[]): T {
  if (typeof x !== "object" || x === null) {
    throw new TypeError(`Malformed ${what}: expected an object, got ${JSON.stringify(x)}`);
  }
  for (const f of fields) {
    if (!(f in x)) throw new TypeError(`Malformed ${what}: missing field "${f}"`);
  }
  return x as T;
}
