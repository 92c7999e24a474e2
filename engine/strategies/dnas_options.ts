/**
 * Options of the `dnas` strategy: named defaults, parsed and validated once from untrusted
 * input (TypeError / RangeError naming the bad option).
 *
 * @module
 */
import { DEFAULT_DUAL, type DualOptions } from "../relax/dual.ts";
import type { PathMode } from "../relax/gumbel.ts";
import { DEFAULT_TEMPERATURE, type TemperatureSchedule } from "../relax/schedule.ts";
import { checkOptionKeys, intOption } from "./_result.ts";

/** Parsed options of `dnas`. */
export interface DnasOptions {
  /** Weight-only steps before the architecture moves (α frozen at uniform). @default 50 */
  readonly warmupSteps: number;
  /** Search steps (one weight step and one α step each). @default 200 */
  readonly searchSteps: number;
  /**
   * Bilevel (first-order DARTS): each search step is a weight step on one half of the
   * training data, then an α step on the other half (two passes). When false, one
   * single-level step updates both from one batch (one pass). @default true
   */
  readonly bilevel: boolean;
  /** Fine-tune steps of the chosen configuration. @default 100 */
  readonly finetuneSteps: number;
  /** α steps when no graph/weights/data are given (table mode). @default 100 */
  readonly tableSteps: number;
  /** Examples per batch. @default 64 */
  readonly batchSize: number;
  /** Adam learning rate of the shared weights (fine-tuning, not from scratch). @default 5e-4 */
  readonly weightLr: number;
  /** Adam learning rate of the architecture logits. @default 0.03 */
  readonly archLr: number;
  /** Gumbel-softmax temperature schedule. @default {start: 2, end: 0.2} */
  readonly temperature: TemperatureSchedule;
  /** Paths per gate and step: "all" (soft mix), 1 or 2 (ProxylessNAS-style). @default "all" */
  readonly paths: PathMode;
  /** Dual ascent settings. @default lr 0.1, averaging 0.9, margin 0.02 */
  readonly dual: Required<DualOptions>;
  /**
   * Spend the budget the projected configuration leaves unused on upgrades the problem's
   * values favour (`dnas_refine.ts`). @default true
   */
  readonly refine: boolean;
  /** Keep the fine-tuned weights in the result (the caller disposes them). @default false */
  readonly keepWeights: boolean;
  /** Progress report every this many steps. @default 10 */
  readonly progressEvery: number;
}

/** Default options. */
export const DNAS_DEFAULTS: DnasOptions = {
  warmupSteps: 50,
  searchSteps: 200,
  bilevel: true,
  finetuneSteps: 100,
  tableSteps: 100,
  batchSize: 64,
  weightLr: 5e-4,
  archLr: 0.03,
  temperature: DEFAULT_TEMPERATURE,
  paths: "all",
  dual: { ...DEFAULT_DUAL, margin: 0.02 },
  refine: true,
  keepWeights: false,
  progressEvery: 10,
};

const KEYS = [
  "warmupSteps",
  "searchSteps",
  "bilevel",
  "finetuneSteps",
  "tableSteps",
  "batchSize",
  "weightLr",
  "archLr",
  "temperature",
  "paths",
  "dual",
  "refine",
  "keepWeights",
  "progressEvery",
];

function count(o: Readonly<Record<string, unknown>> | undefined, k: string, d: number): number {
  const v = o?.[k];
  if (v === 0) return 0;
  return intOption(o, k, d);
}

function positive(o: Readonly<Record<string, unknown>> | undefined, k: string, d: number): number {
  const v = o?.[k];
  if (v === undefined) return d;
  if (typeof v !== "number" || !(v > 0) || !Number.isFinite(v)) {
    throw new TypeError(`Option ${k} must be a positive number, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Parses untrusted options over {@linkcode DNAS_DEFAULTS}. */
export function parseDnasOptions(options?: Readonly<Record<string, unknown>>): DnasOptions {
  checkOptionKeys("dnas", options, KEYS);
  const d = DNAS_DEFAULTS;
  const paths = options?.paths ?? d.paths;
  if (paths !== "all" && paths !== 1 && paths !== 2) {
    throw new TypeError(`Option paths must be "all", 1 or 2, got ${JSON.stringify(paths)}`);
  }
  const t = (options?.temperature ?? d.temperature) as Record<string, unknown>;
  const temperature = {
    start: positive(t, "start", d.temperature.start),
    end: positive(t, "end", d.temperature.end),
  };
  const du = (options?.dual ?? {}) as Record<string, unknown>;
  const dual = { ...d.dual };
  for (const k of Object.keys(du)) {
    if (!(k in dual) || typeof du[k] !== "number") {
      throw new TypeError(`Option dual.${k} is unknown or not a number`);
    }
    (dual as Record<string, number>)[k] = du[k] as number;
  }
  const keep = options?.keepWeights ?? d.keepWeights;
  if (typeof keep !== "boolean") throw new TypeError(`Option keepWeights must be a boolean`);
  const flag = (k: "bilevel" | "refine"): boolean => {
    const v = options?.[k] ?? d[k];
    if (typeof v !== "boolean") {
      throw new TypeError(`Option ${k} must be a boolean, got ${JSON.stringify(v)}`);
    }
    return v;
  };
  return {
    warmupSteps: count(options, "warmupSteps", d.warmupSteps),
    searchSteps: intOption(options, "searchSteps", d.searchSteps),
    bilevel: flag("bilevel"),
    finetuneSteps: count(options, "finetuneSteps", d.finetuneSteps),
    tableSteps: intOption(options, "tableSteps", d.tableSteps),
    batchSize: intOption(options, "batchSize", d.batchSize),
    weightLr: positive(options, "weightLr", d.weightLr),
    archLr: positive(options, "archLr", d.archLr),
    temperature,
    paths,
    dual,
    refine: flag("refine"),
    keepWeights: keep,
    progressEvery: intOption(options, "progressEvery", d.progressEvery),
  };
}
