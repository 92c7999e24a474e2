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
  /**
   * The answer: the configuration of the first budget point that could be met (every point
   * when the budgets are of different kinds; `infeasible` lists the points that could not).
   */
  readonly chosen: {
    /** The budget point it answers (`latency=4ms`; budgets of one point joined by commas). */
    readonly budget?: string;
    readonly layers: Readonly<Record<string, LayerChoice>>;
    /** Test accuracy, fake-quantized, after `finetuneSteps` steps of fine-tuning. */
    readonly accuracy: number;
    /** Fine-tuning steps behind `accuracy` (0: post-training quantization only). */
    readonly finetuneSteps?: number;
    /** Test images behind `accuracy` (the first ones of the Fashion-MNIST test set). */
    readonly testExamples?: number;
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

/** Cost field of each budget kind, and how to write its value. */
const KIND_COST: Readonly<Record<string, { key: keyof ResultCosts; show: (v: number) => string }>> =
  {
    latency: { key: "latencyMs", show: (v) => `${v.toPrecision(4)} ms` },
    energy: { key: "energyMj", show: (v) => `${v.toPrecision(4)} mJ` },
    sram: { key: "peakSramBytes", show: (v) => `${Math.round(v).toLocaleString("en-US")} B` },
    flash: { key: "flashBytes", show: (v) => `${Math.round(v).toLocaleString("en-US")} B` },
  };

/**
 * The budgets of the point `chosen` answers (all budgets when the result does not say).
 */
export function chosenBudgets(result: SearchResult): SearchResult["budgets"] {
  const label = result.chosen.budget ?? result.front.find((p) => p.chosen)?.budget;
  if (label === undefined) return result.budgets;
  const own = new Set(label.split(","));
  return result.budgets.filter((b) => own.has(b.text));
}

/**
 * What a user should know about a result beyond its figures, one sentence each: budget
 * points that could not be met (and which point was answered instead), and budgets that do
 * not bind because the uniform default configuration (8-bit) already meets them.
 *
 * @example
 * ```ts ignore
 * for (const line of resultNotes(result)) console.error(`tailor: ${line}`);
 * ```
 */
export function resultNotes(result: SearchResult): string[] {
  const notes = result.infeasible.map((i) =>
    `budget point ${i.budget} cannot be met (${i.message.replace(/\s*\n\s*/g, "; ")}); ` +
    `the chosen configuration answers ${result.chosen.budget ?? "the next point"}`
  );
  const budgets = chosenBudgets(result);
  const slack = budgets.filter((b) => {
    const cost = KIND_COST[b.kind];
    const v = cost === undefined ? null : result.baseline.costs[cost.key];
    return v !== null && v !== undefined && v <= b.value;
  });
  if (budgets.length > 0 && slack.length === budgets.length) {
    const shown = slack.map((b) =>
      `${KIND_COST[b.kind]!.show(result.baseline.costs[KIND_COST[b.kind]!.key] as number)} ` +
      `against ${b.text}`
    );
    notes.push(
      `the budget does not bind: the uniform default configuration (8-bit where supported) ` +
        `already meets it (${shown.join(", ")}); the choice then rests on sensitivity ` +
        `estimates alone`,
    );
  }
  return notes;
}
