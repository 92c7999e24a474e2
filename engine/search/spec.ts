/**
 * What one search run is asked to do: the inputs of `deno task search`, validated once,
 * with named defaults. Plain JSON, so a coordinator can hand it to workers on any bus.
 *
 * @module
 */
import { type Budget, parseBudgets } from "../cost/budget.ts";
import { STRATEGY_NAMES } from "../strategies/registry.ts";

/** Default model: the trained reference ResNet-8 shipped in `zoo/`. @default "resnet8" */
export const DEFAULT_MODEL = "resnet8";
/** Default hardware profile. @default "cortex-m7-stm32h743" */
export const DEFAULT_PROFILE = "cortex-m7-stm32h743";
/**
 * Default budgets: 56 KiB of flash for the weights, below the 78 KiB that uniform int8
 * ResNet-8 needs, so some layers must take 4-bit weights (the Cortex-M7 profile runs int4
 * weights at the int8 rate, so the latency stays that of int8) — a mixed configuration.
 * @default ["flash=56KiB"]
 */
export const DEFAULT_BUDGETS: readonly string[] = ["flash=56KiB"];
/** Default strategy. @default "dnas" */
export const DEFAULT_STRATEGY = "dnas";
/** Calibration images for sensitivities and activation ranges. @default 512 */
export const DEFAULT_CALIBRATION = 512;
/** Fine-tuning steps (batch 64) of each chosen configuration. @default 100 */
export const DEFAULT_FINETUNE_STEPS = 100;

/** A validated search request. */
export interface SearchSpec {
  /** Zoo name or a directory with `model.json`. */
  readonly model: string;
  /** Shipped profile name or a profile file. */
  readonly profile: string;
  /** Budget specs as given (`latency=2ms,4ms`), one per `--budget`. */
  readonly budgets: readonly string[];
  /** Strategy registry name. */
  readonly strategy: string;
  /** When true, no data is read: sensitivities and ranges come from the weights alone. */
  readonly dataFree: boolean;
  /** Seed of every random choice. */
  readonly seed: number;
  /** Fashion-MNIST directory (`undefined`: the Debian package's). */
  readonly dataDir?: string;
  /** Calibration images (ignored when data-free). */
  readonly calibration: number;
  /** Fine-tuning steps of the chosen configuration (0: none; forced 0 when data-free). */
  readonly finetuneSteps: number;
  /** Test images used for accuracies (`undefined`: all 10,000). */
  readonly testLimit?: number;
}

/** The budgets of a spec, parsed (throws RangeError naming a bad one). */
export function specBudgets(spec: SearchSpec): Budget[] {
  return parseBudgets([...spec.budgets]);
}

/**
 * Validates and completes a partial spec. Throws TypeError / RangeError naming the bad
 * field: unknown strategy, malformed budget, negative counts.
 *
 * @example
 * ```ts
 * import { makeSearchSpec } from "./engine/search/spec.ts";
 * const spec = makeSearchSpec({ strategy: "mckp" });
 * console.assert(spec.model === "resnet8" && spec.budgets[0] === "flash=56KiB");
 * ```
 */
export function makeSearchSpec(partial: Partial<SearchSpec> = {}): SearchSpec {
  const strategy = partial.strategy ?? DEFAULT_STRATEGY;
  if (!(STRATEGY_NAMES as readonly string[]).includes(strategy)) {
    throw new RangeError(
      `Unknown strategy "${strategy}": choose one of ${STRATEGY_NAMES.join(", ")}`,
    );
  }
  const count = (v: number | undefined, name: string, fallback: number): number => {
    const n = v ?? fallback;
    if (!Number.isInteger(n) || n < 0) {
      throw new RangeError(`--${name} must be a whole number >= 0, got ${v}`);
    }
    return n;
  };
  const spec: SearchSpec = {
    model: partial.model ?? DEFAULT_MODEL,
    profile: partial.profile ?? DEFAULT_PROFILE,
    budgets: partial.budgets && partial.budgets.length > 0 ? partial.budgets : DEFAULT_BUDGETS,
    strategy,
    dataFree: partial.dataFree ?? false,
    seed: count(partial.seed, "seed", 0),
    calibration: count(partial.calibration, "calibration", DEFAULT_CALIBRATION),
    finetuneSteps: partial.dataFree
      ? 0
      : count(partial.finetuneSteps, "finetune-steps", DEFAULT_FINETUNE_STEPS),
    ...(partial.dataDir === undefined ? {} : { dataDir: partial.dataDir }),
    ...(partial.testLimit === undefined
      ? {}
      : { testLimit: count(partial.testLimit, "test-limit", 10000) }),
  };
  specBudgets(spec); // throws on a malformed budget
  return spec;
}
