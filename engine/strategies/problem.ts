/**
 * Builds a {@link SearchProblem} from a graph, a profile, a space and per-option values:
 * the cost tables (`buildCostTable()` over the space's options) and the memory model.
 *
 * @module
 */
import { buildCostTable } from "../cost/table.ts";
import type { Graph } from "../models/ir.ts";
import type { HardwareProfile } from "../profile/types.ts";
import type { SearchSpace } from "../space/assemble.ts";
import { memoryModelOf } from "../space/memory.ts";
import type { SearchProblem } from "./types.ts";

/**
 * The problem of searching `space` (built from `graph`) on `profile`, minimizing the sum of
 * `values[layer][option]`. Throws RangeError when `values` does not match the space's
 * options or holds a non-finite number.
 *
 * @example
 * ```ts ignore
 * const space = buildSearchSpace(graph, profile);
 * const problem = buildProblem(graph, profile, { space, values: proxyValues(graph, space) });
 * ```
 */
export function buildProblem(
  graph: Graph,
  profile: HardwareProfile,
  parts: { readonly space: SearchSpace; readonly values: readonly Float64Array[] },
): SearchProblem {
  const { space, values } = parts;
  checkValues(space, values);
  const layers: Record<string, readonly SearchSpace["options"][number][number][]> = {};
  space.layers.forEach((name, l) => (layers[name] = space.options[l]!));
  const table = buildCostTable(graph, profile, { layers });
  return { space, table, memory: memoryModelOf(graph, space), values };
}

/** Throws RangeError unless `values` has one finite number per option of every layer. */
export function checkValues(space: SearchSpace, values: readonly Float64Array[]): void {
  if (values.length !== space.layers.length) {
    throw new RangeError(`Expected values for ${space.layers.length} layers, got ${values.length}`);
  }
  space.layers.forEach((name, l) => {
    const v = values[l]!;
    if (v.length !== space.options[l]!.length) {
      throw new RangeError(
        `Layer "${name}" has ${space.options[l]!.length} options but ${v.length} values`,
      );
    }
    const bad = v.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new RangeError(`Layer "${name}" option ${bad} has value ${v[bad]}`);
  });
}
