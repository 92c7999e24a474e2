/**
 * The vocabulary every search strategy shares: the problem it solves (precomputed tables),
 * the context it runs in (budgets, seed, progress, cancellation, optional resources for
 * strategies that train), the candidates it evaluates and the result it returns.
 *
 * Objective: minimize the sum over layers of `values[layer][option]` (e.g. a predicted
 * accuracy loss) subject to every budget; costs are always the exact costs of the whole
 * configuration (`evaluateChoice()`), never a per-layer approximation.
 *
 * @module
 */
import type { Budget } from "../cost/budget.ts";
import type { Configuration } from "../cost/config.ts";
import type { CostTable } from "../cost/table.ts";
import type { Graph } from "../models/ir.ts";
import type { HardwareProfile } from "../profile/types.ts";
import type { SearchSpace } from "../space/assemble.ts";
import type { MemoryModel } from "../space/memory.ts";

/** What the combinatorial strategies search: space, exact cost tables, values. */
export interface SearchProblem {
  /** The space (genes, per-layer options). */
  readonly space: SearchSpace;
  /** Additive costs per layer option and source width (`buildCostTable()` on `space.options`). */
  readonly table: CostTable;
  /** Peak SRAM tables. */
  readonly memory: MemoryModel;
  /** Per layer, per option: the value to minimize (additive over layers). */
  readonly values: readonly Float64Array[];
}

/** Exact costs of one configuration. Units: ms, mJ, bytes, bit-ops. */
export interface CandidateCosts {
  readonly latency: number;
  /** Null when the profile has no energy model. */
  readonly energy: number | null;
  readonly flash: number;
  readonly sram: number;
  readonly bops: number;
}

/** One evaluated configuration. */
export interface Candidate {
  /** Option index per layer (into `space.options[layer]`). */
  readonly choice: Int32Array;
  /** The same choice as `{layers: {NAME: {wbits, abits, width}}}`. */
  readonly configuration: Configuration;
  /** Objective value (sum of the per-layer values). */
  readonly value: number;
  /** Exact costs. */
  readonly costs: CandidateCosts;
  /** Total relative budget violation: sum over budgets of `max(0, cost / limit - 1)`. */
  readonly violation: number;
  /** True when every budget holds. */
  readonly feasible: boolean;
}

/** A progress report (for progress bars; strategies may report any phase). */
export interface StrategyProgress {
  /** Strategy name. */
  readonly strategy: string;
  /** Phase label, e.g. `search`, `generation`, `train`. */
  readonly phase: string;
  /** Steps done. */
  readonly step: number;
  /** Steps expected, when known. */
  readonly total?: number;
  /** Best feasible value so far, when any. */
  readonly best?: number;
  /** Free-form numbers (loss, lambda, expected cost ...). */
  readonly metrics?: Readonly<Record<string, number>>;
}

/**
 * Optional inputs of strategies that need more than tables (the gradient strategy `dnas`):
 * the graph, the profile, and an accuracy evaluator of a configuration. Combinatorial
 * strategies ignore them.
 */
export interface StrategyResources {
  readonly graph?: Graph;
  readonly profile?: HardwareProfile;
  /** Accuracy of a configuration (e.g. fine-tune and test); may be slow. */
  readonly evaluateAccuracy?: (config: Configuration, signal?: AbortSignal) => Promise<number>;
}

/** Everything a strategy run receives. */
export interface StrategyContext {
  /** The problem. */
  readonly problem: SearchProblem;
  /** Budgets that must all hold (one budget point). */
  readonly budgets: readonly Budget[];
  /** Seed of every random choice. */
  readonly seed: number;
  /** Called now and then with progress. */
  readonly onProgress?: (p: StrategyProgress) => void;
  /** Stops the run early (the result then says `stopped`). */
  readonly signal?: AbortSignal;
  /** Clock in ms (injected for tests). @default {performance.now} */
  readonly now?: () => number;
  /** Inputs for strategies that train. */
  readonly resources?: StrategyResources;
}

/** Counters of a run. */
export interface StrategyStats {
  /** Exact evaluations of full configurations. */
  readonly evaluations: number;
  /** Wall time, ms. */
  readonly timeMs: number;
  /** Search-tree nodes (branch and bound), when relevant. */
  readonly nodes?: number;
  /** True when a limit or the abort signal ended the run early. */
  readonly stopped: boolean;
}

/** What every strategy returns. */
export interface StrategyResult {
  /** Strategy name. */
  readonly strategy: string;
  /** The chosen configuration: the best feasible value found. */
  readonly chosen: Candidate;
  /** Non-dominated feasible candidates over (value, each budgeted cost). */
  readonly front: readonly Candidate[];
  /** True when `chosen` is a proven optimum of the objective (mckp, exhaustive). */
  readonly proven: boolean;
  /** Counters. */
  readonly stats: StrategyStats;
}

/** A configured strategy. */
export interface Strategy {
  /** Registry name. */
  readonly name: string;
  /** Runs one budget point. Throws `BudgetInfeasibleError` when no configuration fits. */
  run(ctx: StrategyContext): Promise<StrategyResult>;
}

/** Builds a strategy from untrusted options (TypeError/RangeError naming a bad option). */
export type StrategyFactory = (options?: Readonly<Record<string, unknown>>) => Strategy;
