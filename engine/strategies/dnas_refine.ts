/**
 * The last step of `dnas`'s projection: spend the budget the relaxation left unused. The
 * multipliers of the dual ascent lag behind the expected cost, so a short search often ends
 * with the expected cost well below the budget (the multiplier still high from an earlier
 * violation) and its argmax leaves budget unspent. Among the configurations where every
 * layer keeps its projected option or takes one with at least its bits and width (more
 * precision or channels never cost less), this picks the one with the smallest total value
 * — the problem's measured sensitivities — that fits every budget, exactly, by `mckp`. The
 * projected configuration is one of them, so the result fits every budget and its value is
 * never larger; an upgrade is only taken when the sensitivities say it helps.
 *
 * @module
 */
import type { Budget } from "../cost/budget.ts";
import type { LayerChoice } from "../cost/config.ts";
import { candidateOf } from "./evaluate.ts";
import { mckpStrategy } from "./mckp.ts";
import type { Candidate, SearchProblem } from "./types.ts";

/** True when `o` keeps or raises every one of `c`'s bit-widths and its width. */
export function isUpgrade(o: LayerChoice, c: LayerChoice): boolean {
  return o.wbits >= c.wbits && o.abits >= c.abits && o.width >= c.width;
}

/**
 * Per layer, per option: the problem's value for options that upgrade (or keep) the
 * layer's option in `choice` — plus a tie-breaking `ε` for a change, so an upgrade is taken
 * only for a real gain — and a value larger than any configuration of allowed options for
 * the others.
 */
export function refinementValues(
  problem: SearchProblem,
  choice: ArrayLike<number>,
): Float64Array[] {
  const { space, values } = problem;
  let span = 0;
  for (const v of values) span += Math.max(...Array.from(v, Math.abs));
  const excluded = 2 * span + 1;
  const eps = 1e-9 * (1 + span);
  return space.options.map((opts, l) => {
    const c = choice[l]!;
    return Float64Array.from(opts, (o, k) => {
      if (k === c) return values[l]![k]!;
      return isUpgrade(o, opts[c]!) ? values[l]![k]! + eps : excluded;
    });
  });
}

/**
 * Refines a feasible `chosen` as described in the module notes; returns it unchanged when
 * no upgrade fits or helps.
 *
 * @example
 * ```ts ignore
 * const { chosen } = await refineProjection(problem, budgets, projected, seed);
 * console.assert(chosen.value <= projected.value && chosen.feasible);
 * ```
 */
export async function refineProjection(
  problem: SearchProblem,
  budgets: readonly Budget[],
  chosen: Candidate,
  seed: number,
): Promise<{ chosen: Candidate; evaluations: number }> {
  if (!chosen.feasible) throw new RangeError("Cannot refine a configuration that breaks a budget");
  const values = refinementValues(problem, chosen.choice);
  const r = await mckpStrategy().run({ problem: { ...problem, values }, budgets, seed });
  const refined = candidateOf(problem, r.chosen.choice, budgets);
  const better = refined.feasible && refined.value < chosen.value;
  return { chosen: better ? refined : chosen, evaluations: r.stats.evaluations };
}
