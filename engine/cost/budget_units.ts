/**
 * Budget kinds and their units: parsing `5ms`, `2mJ`, `256KiB` into the canonical unit of
 * each kind, and formatting a canonical value back for messages.
 *
 * @module
 */

/** The kinds of budget, in a fixed order. */
export const BUDGET_KINDS = ["latency", "energy", "sram", "flash"] as const;

/** One kind of budget: latency (ms), energy (mJ), sram (bytes, peak activations), flash (bytes). */
export type BudgetKind = typeof BUDGET_KINDS[number];

/** Unit name -> factor to the canonical unit, per kind. */
const UNITS: Readonly<Record<BudgetKind, Readonly<Record<string, number>>>> = {
  latency: { s: 1000, ms: 1, us: 1e-3, "µs": 1e-3 },
  energy: { J: 1000, mJ: 1, uJ: 1e-3, "µJ": 1e-3 },
  sram: byteUnits(),
  flash: byteUnits(),
};

function byteUnits(): Record<string, number> {
  return {
    B: 1,
    kB: 1e3,
    KB: 1e3,
    MB: 1e6,
    GB: 1e9,
    KiB: 1024,
    MiB: 1024 ** 2,
    GiB: 1024 ** 3,
  };
}

/** Canonical unit of each kind, for messages. */
export const CANONICAL_UNIT: Readonly<Record<BudgetKind, string>> = {
  latency: "ms",
  energy: "mJ",
  sram: "B",
  flash: "B",
};

const VALUE_SYNTAX = /^(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|\.\d+)\s*([A-Za-zµ]*)$/;

/**
 * Parses `NUMBER UNIT` for a kind into its canonical unit; returns the reason as a string
 * when it cannot (the caller adds the context).
 */
export function parseBudgetValue(kind: BudgetKind, text: string): number | string {
  const units = UNITS[kind];
  const allowed = Object.keys(units).join(", ");
  const m = VALUE_SYNTAX.exec(text);
  if (!m) return `value "${text}" is not a positive number with a unit (${allowed})`;
  const [, num = "", unit = ""] = m;
  if (unit === "") return `value "${text}" needs a unit (${allowed})`;
  const factor = units[unit];
  if (factor === undefined) return `unknown unit "${unit}" for ${kind} (use ${allowed})`;
  const n = Number(num);
  if (!(n > 0) || !Number.isFinite(n)) return `value "${text}" must be positive and finite`;
  const value = n * factor;
  if (CANONICAL_UNIT[kind] === "B") {
    const bytes = Math.round(value);
    if (Math.abs(bytes - value) > 1e-6 * Math.max(1, value)) {
      return `value "${text}" is not a whole number of bytes (${value} B)`;
    }
    return bytes;
  }
  return value;
}

/**
 * Formats a canonical value for messages: `"3.41 ms"`, `"0.52 mJ"`,
 * `"83456 B (81.5 KiB)"`.
 */
export function formatBudgetValue(kind: BudgetKind, value: number): string {
  const unit = CANONICAL_UNIT[kind];
  const short = Number(value.toPrecision(4));
  if (unit !== "B") return `${short} ${unit}`;
  const bytes = Math.round(value);
  if (bytes < 1024) return `${bytes} B`;
  const [div, name] = bytes < 1024 ** 2 ? [1024, "KiB"] : [1024 ** 2, "MiB"];
  return `${bytes} B (${Number((bytes / div).toPrecision(4))} ${name})`;
}
