/**
 * A placeholder objective for the search until real sensitivities exist: a quantization
 * noise proxy per layer option, `N * (4^-wbits + 4^-abits) + WIDTH_PENALTY * N * (1 - width)`
 * with `N` the layer's weight count. Data-free and crude; for tests and timing only.
 *
 * @module
 */
import { type Graph, isComputeNode, weightCount } from "../models/ir.ts";
import type { SearchSpace } from "./assemble.ts";

/** Weight of the width term of {@link proxyValues}. @default 0.01 */
export const WIDTH_PENALTY = 0.01;

/**
 * Per layer, per option of `space` (built from `graph`): the noise proxy.
 *
 * @example
 * ```ts ignore
 * const values = proxyValues(graph, space);
 * ```
 */
export function proxyValues(graph: Graph, space: SearchSpace): Float64Array[] {
  const byName = new Map(graph.nodes.map((n) => [n.name, n]));
  return space.layers.map((name, l) => {
    const node = byName.get(name);
    if (!node || !isComputeNode(node)) {
      throw new RangeError(`Space layer "${name}" is not a compute layer of "${graph.name}"`);
    }
    const n = weightCount(graph, node);
    return Float64Array.from(
      space.options[l]!,
      (o) => n * (4 ** -o.wbits + 4 ** -o.abits) + WIDTH_PENALTY * n * (1 - o.width),
    );
  });
}
