/**
 * Sensitivity tables: a value per layer and `(wbits, abits)` pair and per width group and
 * width, each estimating what that one choice alone costs in accuracy (the float / full
 * width choice costing 0). The search minimizes the sum over layers and groups, so a table
 * turns into the additive objective of a configuration and into the per-option values the
 * strategies (`mckp`, `exhaustive`, ...) consume.
 *
 * @module
 */
import type { Configuration } from "../cost/config.ts";
import type { SearchSpace } from "../space/assemble.ts";

/** How a table was estimated. */
export type SensitivityMethod = "data-driven" | "hessian" | "data-free";

/** Value of one bit pair of one layer. */
export interface BitsEntry {
  readonly wbits: number;
  readonly abits: number;
  /** Estimated cost of the choice (>= 0 for `hessian` and `data-free`). */
  readonly value: number;
}

/** Value of one width of one group. */
export interface WidthEntry {
  readonly width: number;
  readonly value: number;
}

/** Values of one width group. */
export interface GroupSensitivity {
  /** Member layers; the first is the group's key. */
  readonly layers: readonly string[];
  readonly entries: readonly WidthEntry[];
}

/** How a table was made. */
export interface SensitivityMeta {
  readonly method: SensitivityMethod;
  /** Graph name. */
  readonly graph: string;
  /** Unit of the values, e.g. `loss increase (nats)` or `output noise-to-signal ratio`. */
  readonly unit: string;
  /** Calibration examples (0 when data-free). */
  readonly examples: number;
  /** Calibration batches. */
  readonly batches: number;
  /** Wall time in seconds. */
  readonly seconds: number;
  /** Extra numbers (float loss, Hutchinson draws, trace variances ...). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** A sensitivity table. */
export interface SensitivityTable {
  /** Per layer name: one entry per measured pair. */
  readonly bits: Readonly<Record<string, readonly BitsEntry[]>>;
  /** Per width group: one entry per measured width. */
  readonly groups: readonly GroupSensitivity[];
  readonly meta: SensitivityMeta;
}

/** Pairs at or above this many bits on both sides count as float (value 0 when unmeasured). */
export const FLOAT_BITS = 32;

/**
 * Value of `layer` at `(wbits, abits)`. The float pair is 0 when unmeasured; any other
 * unmeasured pair throws a RangeError naming it.
 */
export function bitsValue(
  table: SensitivityTable,
  layer: string,
  pair: { readonly wbits: number; readonly abits: number },
): number {
  const e = table.bits[layer]?.find((x) => x.wbits === pair.wbits && x.abits === pair.abits);
  if (e !== undefined) return e.value;
  if (pair.wbits >= FLOAT_BITS && pair.abits >= FLOAT_BITS) return 0;
  throw new RangeError(
    `Sensitivity table has no value for layer "${layer}" at w${pair.wbits}a${pair.abits}`,
  );
}

/** The group whose key or member is `layer`, if any. */
export function groupOf(table: SensitivityTable, layer: string): GroupSensitivity | undefined {
  return table.groups.find((g) => g.layers.includes(layer));
}

/**
 * Value of a group at `width` (1 is 0 when unmeasured; any other unmeasured width throws a
 * RangeError naming it).
 */
export function widthValue(group: GroupSensitivity, width: number): number {
  const e = group.entries.find((x) => Math.abs(x.width - width) < 1e-9);
  if (e !== undefined) return e.value;
  if (width === 1) return 0;
  throw new RangeError(
    `Sensitivity table has no value for width ${width} of group "${group.layers[0]}"`,
  );
}

/**
 * The additive objective of a configuration: the sum of its layers' bit values plus, per
 * width group, the value of the width of the group's first listed member. Layers missing
 * from the configuration count as float, full width.
 *
 * @example
 * ```ts
 * import { objectiveValue, type SensitivityTable } from "./table.ts";
 * const table: SensitivityTable = {
 *   bits: { a: [{ wbits: 4, abits: 8, value: 0.5 }] },
 *   groups: [{ layers: ["a"], entries: [{ width: 0.5, value: 0.25 }] }],
 *   meta: { method: "data-free", graph: "g", unit: "nsr", examples: 0, batches: 0, seconds: 0 },
 * };
 * const v = objectiveValue(table, { layers: { a: { wbits: 4, abits: 8, width: 0.5 } } });
 * console.assert(v === 0.75);
 * ```
 */
export function objectiveValue(table: SensitivityTable, config: Configuration): number {
  let sum = 0;
  for (const [name, c] of Object.entries(config.layers)) sum += bitsValue(table, name, c);
  for (const g of table.groups) {
    const c = config.layers[g.layers[0]!];
    if (c !== undefined) sum += widthValue(g, c.width);
  }
  return sum;
}

/** Options of {@linkcode optionValues}. */
export interface OptionValuesOptions {
  /** Clamp values at 0 (a measured gain from noise is treated as no loss). @default true */
  readonly clamp?: boolean;
}

/**
 * Per layer of `space`, per option (`space.options[l]`, pair-major): the bit value of the
 * option's pair, plus the width value of the option's width on the first layer of each
 * width gene (so a group's width is counted once). The shape `buildProblem()` expects as
 * `values`. Throws a RangeError for a pair or width the table lacks.
 *
 * @example
 * ```ts ignore
 * const problem = buildProblem(graph, profile, { space, values: optionValues(table, space) });
 * ```
 */
export function optionValues(
  table: SensitivityTable,
  space: SearchSpace,
  options: OptionValuesOptions = {},
): Float64Array[] {
  const clamp = options.clamp ?? true;
  const fix = (v: number) => (clamp ? Math.max(0, v) : v);
  const firstOfGene = new Map<number, number>();
  space.layers.forEach((_, l) => {
    const g = space.widthGene[l]!;
    if (g >= 0 && !firstOfGene.has(g)) firstOfGene.set(g, l);
  });
  return space.layers.map((name, l) => {
    const g = space.widthGene[l]!;
    const owner = g >= 0 && firstOfGene.get(g) === l;
    const group = owner ? groupOf(table, name) : undefined;
    return Float64Array.from(space.options[l]!, (o) => {
      const bits = fix(bitsValue(table, name, o));
      if (!owner || o.width === 1) return bits;
      if (group === undefined) {
        throw new RangeError(`Sensitivity table has no width group containing "${name}"`);
      }
      return bits + fix(widthValue(group, o.width));
    });
  });
}
