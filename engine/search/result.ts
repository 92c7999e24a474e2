/**
 * `result.json`: what a search run returns. The field names are a contract (other tools
 * read them): `{run, model, profile, budgets, strategy, seed, baseline: {accuracy, costs},
 * chosen: {layers, accuracy, costs}, front: [...], timings}`. Extend, never rename.
 *
 * @module
 */
import type { Budget } from "../cost/budget.ts";
import type { LayerChoice } from "../cost/config.ts";
import type { Candidate } from "../strategies/types.ts";

/** Result format version. */
export const RESULT_FORMAT = "tailor-result/v1";

/** Whole-network costs, in the units of `deno task cost --json` totals. */
export interface ResultCosts {
  readonly latencyMs: number;
  readonly energyMj: number | null;
  readonly flashBytes: number;
  readonly peakSramBytes: number;
  readonly bops: number;
}

/** One point of the front. */
export interface FrontPoint {
  /** Budget point that produced it (`latency=4ms` ...). */
  readonly budget: string;
  /** Objective value (predicted accuracy loss, lower is better). */
  readonly value: number;
  readonly costs: ResultCosts;
  readonly layers: Readonly<Record<string, LayerChoice>>;
  /** Test accuracy after fine-tuning, when it was evaluated. */
  readonly accuracy?: number;
  /** True for the point chosen as the answer. */
  readonly chosen?: boolean;
}

/** A uniform configuration (one bit pair and one width everywhere), measured. */
export interface UniformResult {
  readonly layers: Readonly<Record<string, LayerChoice>>;
  readonly accuracy: number;
  readonly costs: ResultCosts;
}

/** The whole `result.json`. */
export interface SearchResult {
  readonly format: typeof RESULT_FORMAT;
  readonly run: string;
  readonly model: string;
  readonly profile: string;
  readonly budgets: readonly { kind: string; value: number; text: string }[];
  readonly strategy: string;
  readonly seed: number;
  readonly dataFree: boolean;
  /** The float model and the uniform default configuration (8-bit where supported). */
  readonly baseline: {
    /** Float test accuracy. */
    readonly accuracy: number;
    /** Costs of the uniform default configuration. */
    readonly costs: ResultCosts;
    /** Test accuracy of the uniform default configuration, quantized. */
    readonly uniformAccuracy?: number;
    /** Fine-tuning steps behind `uniformAccuracy` (0: post-training quantization). */
    readonly uniformFinetuneSteps?: number;
    readonly layers: Readonly<Record<string, LayerChoice>>;
  };
  /** The answer: the best configuration that fits every budget. */
  readonly chosen: {
    readonly layers: Readonly<Record<string, LayerChoice>>;
    readonly accuracy: number;
    readonly costs: ResultCosts;
    readonly value: number;
    /** True when the strategy proved the configuration optimal for its objective. */
    readonly proven: boolean;
    /** The best uniform configuration within the same budgets, for comparison. */
    readonly uniform?: UniformResult | null;
    /** Every uniform configuration measured (best first), `uniform` being the first. */
    readonly uniforms?: readonly UniformResult[];
  };
  readonly front: readonly FrontPoint[];
  /** Budget points with no feasible configuration: the smallest achievable values. */
  readonly infeasible: readonly { budget: string; message: string }[];
  /** Seconds per phase. */
  readonly timings: Readonly<Record<string, number>>;
  /** Search-space size, log10. */
  readonly spaceLog10: number;
}

/** Result costs of a strategy candidate. */
export function costsOf(c: Candidate): ResultCosts {
  return {
    latencyMs: c.costs.latency,
    energyMj: c.costs.energy,
    flashBytes: c.costs.flash,
    peakSramBytes: c.costs.sram,
    bops: c.costs.bops,
  };
}

/** The budgets in result form. */
export function budgetsOf(budgets: readonly Budget[]): SearchResult["budgets"] {
  return budgets.map((b) => ({ kind: b.kind, value: b.value, text: b.text }));
}
