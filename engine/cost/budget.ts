/**
 * Budgets: what a tailored network may cost on the target (latency, energy, peak SRAM,
 * flash), parsed from command-line text, and the feasibility check against the smallest
 * cost the cost model can achieve.
 *
 * Grammar (one `--budget` value; pass several values as an array):
 *
 * ```
 * spec  := item ("," item)*
 * item  := KIND "=" VALUE     a budget of KIND
 *        | VALUE              another point of the previous item's KIND
 * KIND  := latency | energy | sram | flash
 * VALUE := NUMBER UNIT        NUMBER > 0, decimal (1, 0.5, 2e3); no space needed before UNIT
 * ```
 *
 * Units, converted to the canonical unit of {@link Budget.value}:
 * - latency -> milliseconds: `s`, `ms`, `us` (or `µs`).
 * - energy -> millijoules: `J`, `mJ`, `uJ` (or `µJ`).
 * - sram, flash -> bytes: `B`; SI decimal `kB` = `KB` = 1000 B, `MB` = 10^6 B, `GB` = 10^9 B;
 *   IEC binary `KiB` = 1024 B, `MiB` = 2^20 B, `GiB` = 2^30 B. The result must be a whole
 *   number of bytes.
 *
 * Several values of one kind (`latency=2ms,4ms,8ms`) are budget points: the search runs
 * one trial per point ({@link budgetPoints}). The same kind and value twice is an error.
 *
 * @example
 * ```ts
 * import { parseBudgets } from "./budget.ts";
 * const budgets = parseBudgets(["latency=2ms,4ms", "sram=256KiB"]);
 * console.log(budgets.map((b) => b.value)); // [2, 4, 262144]
 * ```
 *
 * @module
 */

import {
  BUDGET_KINDS,
  type BudgetKind,
  formatBudgetValue,
  parseBudgetValue,
} from "./budget_units.ts";

export { BUDGET_KINDS, type BudgetKind, formatBudgetValue } from "./budget_units.ts";

/** One budget: a limit on one kind of cost. */
export interface Budget {
  /** What is limited. */
  readonly kind: BudgetKind;
  /** The limit in the canonical unit: ms (latency), mJ (energy), bytes (sram, flash). */
  readonly value: number;
  /** The input as written, normalized to `kind=VALUE`, e.g. `"sram=256KiB"`. */
  readonly text: string;
}

/**
 * Parses budget specs (see the module doc for the grammar and units). Throws a RangeError
 * naming the bad item and the whole input on unknown kinds, units or bad numbers.
 *
 * @example
 * ```ts
 * import { parseBudgets } from "./budget.ts";
 * parseBudgets("latency=5ms,sram=256KiB"); // [{kind: "latency", value: 5, ...}, {kind: "sram", value: 262144, ...}]
 * ```
 */
export function parseBudgets(specs: string | readonly string[]): Budget[] {
  const out: Budget[] = [];
  for (const spec of typeof specs === "string" ? [specs] : specs) {
    let kind: BudgetKind | undefined;
    for (const raw of spec.split(",")) {
      const item = raw.trim();
      const fail = (why: string): never => {
        throw new RangeError(`Cannot parse budget "${item}" in "${spec}": ${why}`);
      };
      if (item === "") fail("empty item (a stray comma?)");
      const eq = item.indexOf("=");
      let valueText = item;
      if (eq >= 0) {
        const name = item.slice(0, eq).trim();
        if (!(BUDGET_KINDS as readonly string[]).includes(name)) {
          fail(`unknown budget kind "${name}" (use ${BUDGET_KINDS.join(", ")})`);
        }
        kind = name as BudgetKind;
        valueText = item.slice(eq + 1).trim();
      } else if (kind === undefined) {
        fail(`expected KIND=VALUE (kinds: ${BUDGET_KINDS.join(", ")})`);
      }
      const k = kind as BudgetKind;
      const parsed = parseBudgetValue(k, valueText);
      if (typeof parsed === "string") fail(parsed);
      const value = parsed as number;
      const text = `${k}=${valueText.replace(/\s+/g, "")}`;
      const twin = out.find((b) => b.kind === k && b.value === value);
      if (twin) fail(`duplicates ${twin.text}`);
      out.push({ kind: k, value, text });
    }
  }
  return out;
}

/**
 * The budget points: one combination per element of the cartesian product of each kind's
 * values, kinds in first-appearance order. `latency=2ms,4ms` + `sram=256KiB` gives
 * `[[latency=2ms, sram=256KiB], [latency=4ms, sram=256KiB]]`; no budgets gives `[[]]`.
 */
export function budgetPoints(budgets: readonly Budget[]): Budget[][] {
  const kinds = [...new Set(budgets.map((b) => b.kind))];
  let points: Budget[][] = [[]];
  for (const kind of kinds) {
    const values = budgets.filter((b) => b.kind === kind);
    points = points.flatMap((p) => values.map((v) => [...p, v]));
  }
  return points;
}

/** A budget the smallest achievable cost exceeds. */
export interface BudgetViolation {
  /** The budget that cannot be met. */
  readonly budget: Budget;
  /** The smallest achievable cost of that kind, canonical unit. */
  readonly minAchievable: number;
}

/**
 * No configuration meets one or more budgets: even the cheapest configuration costs more.
 * The message names each violated budget and the smallest achievable value.
 */
export class BudgetInfeasibleError extends Error {
  /** Each violated budget with the smallest achievable value of its kind. */
  readonly violations: readonly BudgetViolation[];

  /** Builds the error from the violations (at least one). */
  constructor(violations: readonly BudgetViolation[], options?: ErrorOptions) {
    const parts = violations.map((v) =>
      `${v.budget.text} (smallest achievable ${v.budget.kind}: ${
        formatBudgetValue(v.budget.kind, v.minAchievable)
      })`
    );
    super(`No configuration meets the budget: ${parts.join("; ")}`, options);
    this.name = "BudgetInfeasibleError";
    this.violations = violations;
  }
}

/** Relative slack so that a budget equal to the minimum (up to rounding) is feasible. */
const FEASIBILITY_TOLERANCE = 1e-9;

/**
 * The budgets that `minAchievable` (the smallest cost of each kind over all configurations,
 * from the cost model) exceeds. A budget whose kind has no minimum throws a RangeError:
 * the cost model cannot evaluate it (e.g. an energy budget on a profile without energy).
 */
export function infeasibleBudgets(
  minAchievable: Partial<Record<BudgetKind, number>>,
  budgets: readonly Budget[],
): BudgetViolation[] {
  const out: BudgetViolation[] = [];
  for (const budget of budgets) {
    const min = minAchievable[budget.kind];
    if (min === undefined || !Number.isFinite(min)) {
      throw new RangeError(
        `Cannot check budget ${budget.text}: no smallest achievable ${budget.kind} was given (got ${min})`,
      );
    }
    if (min > budget.value * (1 + FEASIBILITY_TOLERANCE)) out.push({ budget, minAchievable: min });
  }
  return out;
}

/**
 * Throws a {@link BudgetInfeasibleError} listing every budget that `minAchievable` exceeds.
 *
 * @example
 * ```ts
 * import { checkFeasible, parseBudgets } from "./budget.ts";
 * checkFeasible({ latency: 3.2 }, parseBudgets("latency=4ms")); // fine
 * // checkFeasible({ latency: 3.2 }, parseBudgets("latency=2ms")) throws:
 * // No configuration meets the budget: latency=2ms (smallest achievable latency: 3.2 ms)
 * ```
 */
export function checkFeasible(
  minAchievable: Partial<Record<BudgetKind, number>>,
  budgets: readonly Budget[],
): void {
  const violations = infeasibleBudgets(minAchievable, budgets);
  if (violations.length > 0) throw new BudgetInfeasibleError(violations);
}
