/**
 * Peak SRAM is a max over execution steps, not a sum, so it has no expected form in the
 * relaxation. Instead, options that alone break the SRAM budget are banned up front: a
 * layer's pair, or a width gene's width, whose peak with every other layer at its
 * smallest-memory option (smallest `abits`, smallest width) already exceeds the budget.
 * Live bytes never shrink as widths or bits grow, so no feasible configuration uses a
 * banned option; the final exact projection enforces the rest.
 *
 * @module
 */
import type { SearchSpace } from "../space/assemble.ts";
import { type MemoryModel, peakOfChoice } from "../space/memory.ts";
import type { Bans } from "./architecture.ts";

function smallestAbitsPair(space: SearchSpace, l: number): number {
  const ps = space.pairs[l]!;
  let p = 0;
  ps.forEach((x, i) => (x.a < ps[p]!.a ? (p = i) : 0));
  return p;
}

/**
 * The options banned by an SRAM budget of `limit` bytes (none when `limit` is undefined).
 *
 * @example
 * ```ts ignore
 * const bans = sramBans(problem.space, problem.memory, 256 * 1024);
 * ```
 */
export function sramBans(
  space: SearchSpace,
  memory: MemoryModel,
  limit: number | undefined,
): Bans {
  const n = space.layers.length;
  const base = Int32Array.from(
    { length: n },
    (_, l) => smallestAbitsPair(space, l) * space.widths[l]!.length,
  );
  const over = (choice: Int32Array): boolean =>
    limit !== undefined && peakOfChoice(memory, space, choice) > limit * (1 + 1e-9);
  const pairs = space.pairs.map((ps, l) =>
    ps.map((_, p) => {
      const c = base.slice();
      c[l] = p * space.widths[l]!.length;
      return over(c);
    })
  );
  const widths = new Map<number, boolean[]>();
  space.genes.forEach((g, gi) => {
    if (g.kind !== "width" || g.size < 2) return;
    widths.set(
      gi,
      Array.from({ length: g.size }, (_, w) => {
        const c = base.slice();
        for (const l of g.layers) c[l] = base[l]! + w;
        return over(c);
      }),
    );
  });
  return { pairs, widths };
}
