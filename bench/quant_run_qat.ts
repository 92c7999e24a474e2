/**
 * The `--qat-*` flags of `bench/quant_run.ts`: the recipe of the `qat-w4a8` mode, each
 * flag overriding one field of `DEFAULT_QAT_RECIPE`.
 *
 * @module
 */
import type { QatRecipe } from "./quant.ts";

/** `parseArgs` option specs of the QAT flags. */
export const QAT_FLAGS = {
  "qat-lr": { type: "string" },
  "qat-weights": { type: "string" },
  "qat-alpha": { type: "string" },
  "qat-temperature": { type: "string" },
  "qat-flip": { type: "boolean" },
  "no-qat-flip": { type: "boolean" },
  "qat-freeze-bn": { type: "string" },
  "qat-lsq": { type: "boolean" },
  "no-qat-lsq": { type: "boolean" },
  "qat-seed": { type: "string" },
} as const;

type Flags = {
  readonly [K in keyof typeof QAT_FLAGS]?: (typeof QAT_FLAGS)[K]["type"] extends "string" ? string
    : boolean;
};

function numberIn(name: string, v: string, lo: number, hi: number, open = false): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n > hi || n < lo || (open && n === lo)) {
    throw new RangeError(
      `Cannot use --${name} ${v}: expected a number in ${open ? "(" : "["}${lo}, ${hi}]`,
    );
  }
  return n;
}

function seedOf(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`Cannot use --qat-seed ${v}: expected an integer >= 0`);
  }
  return n;
}

/** A `--x` / `--no-x` pair: `{on}` when one is given, `{}` when neither; both is an error. */
export function toggle(on: boolean | undefined, off: boolean | undefined, name: string) {
  if (on && off) throw new RangeError(`Cannot use both --${name} and --no-${name}`);
  return on ? { on: true } : off ? { on: false } : {};
}

/**
 * The recipe fields the given flags override (absent flags: no field).
 *
 * @example
 * ```ts
 * import { qatRecipeFromFlags } from "./quant_run_qat.ts";
 * const r = qatRecipeFromFlags({ "qat-alpha": "0.7", "no-qat-flip": true });
 * console.assert(r.distillAlpha === 0.7 && r.flip === false);
 * ```
 */
export function qatRecipeFromFlags(f: Flags): QatRecipe {
  const w = f["qat-weights"];
  if (w !== undefined && w !== "minmax" && w !== "mse") {
    throw new RangeError(`Cannot use --qat-weights ${w}: expected minmax or mse`);
  }
  const flip = toggle(f["qat-flip"], f["no-qat-flip"], "qat-flip");
  const lsq = toggle(f["qat-lsq"], f["no-qat-lsq"], "qat-lsq");
  const field = <K extends keyof QatRecipe>(
    key: K,
    flag: "qat-lr" | "qat-alpha" | "qat-temperature" | "qat-freeze-bn",
    [lo, hi, open]: [number, number, boolean],
  ) => (f[flag] === undefined ? {} : { [key]: numberIn(flag, f[flag], lo, hi, open) });
  return {
    ...field("lr", "qat-lr", [0, 1, true]),
    ...(w === undefined ? {} : { weightObserver: w }),
    ...field("distillAlpha", "qat-alpha", [0, 1, false]),
    ...field("distillTemperature", "qat-temperature", [0, 100, true]),
    ...("on" in flip ? { flip: flip.on } : {}),
    ...field("freezeBnAfter", "qat-freeze-bn", [0, 1, false]),
    ...("on" in lsq ? { lsq: lsq.on } : {}),
    ...(f["qat-seed"] === undefined ? {} : { seed: seedOf(f["qat-seed"]) }),
  };
}
