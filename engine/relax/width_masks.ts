/**
 * Nested channel masks of the width choices: each width group's channels are ranked once
 * by a pruning criterion (L1 by default, computed on the starting weights); width `w`
 * keeps the `prunedChannels(C, w)` best, so masks are nested and a mix of widths is one
 * soft mask `Σ_c q_c m_c` per node (one convolution, methods.md §1).
 *
 * @module
 */
import { prunedChannels } from "../cost/config.ts";
import type { Weights } from "../exec/weights.ts";
import type { Graph } from "../models/ir.ts";
import { analyzeChannels } from "../prune/channels.ts";
import { criterionByName } from "../prune/criteria/mod.ts";
import type { PruningCriterion } from "../prune/criteria/types.ts";
import { nodeMasks, topKMask } from "../prune/masks.ts";
import type { SearchSpace } from "../space/assemble.ts";

/** Default channel-ranking criterion. @default "l1" */
export const DEFAULT_WIDTH_CRITERION = "l1";

/** The masks of one width gene. */
export interface WidthGeneMasks {
  /** Gene index in `space.genes`. */
  readonly gene: number;
  /** Width fractions, ascending (the gene's values). */
  readonly widths: readonly number[];
  /** Dependency group id (prune's analysis). */
  readonly group: string;
  /** Per node carrying the group: one mask per width (1 keeps, 0 prunes). */
  readonly nodes: ReadonlyMap<string, readonly Float32Array[]>;
}

/**
 * The nested masks of every width gene with more than one width. Throws RangeError when a
 * gene's layers are not the producers of a prunable dependency group.
 *
 * @example
 * ```ts ignore
 * const masks = widthGeneMasks(graph, space, weights);
 * ```
 */
export function widthGeneMasks(
  graph: Graph,
  space: SearchSpace,
  weights: Weights,
  opts: { readonly criterion?: string | PruningCriterion } = {},
): WidthGeneMasks[] {
  const analysis = analyzeChannels(graph);
  const criterion = typeof opts.criterion === "object"
    ? opts.criterion
    : criterionByName(opts.criterion ?? DEFAULT_WIDTH_CRITERION);
  if (criterion.needsData) {
    throw new RangeError(`Cannot rank channels by "${criterion.name}": it needs data`);
  }
  const out: WidthGeneMasks[] = [];
  space.genes.forEach((gene, g) => {
    if (gene.kind !== "width" || gene.size < 2) return;
    const key = space.layers[gene.layers[0]!]!;
    const group = analysis.groups.find((x) => x.producers.includes(key));
    if (group === undefined || !group.prunable) {
      throw new RangeError(`Cannot mask the width of "${key}": no prunable channel group`);
    }
    const scores = criterion.score({ graph, weights, group, analysis });
    const widths = space.widths[gene.layers[0]!]!;
    const perWidth = widths.map((w) =>
      nodeMasks(
        graph,
        { [group.id]: topKMask(scores, prunedChannels(group.channels, w)) },
        analysis,
      )
    );
    const names = new Set(perWidth.flatMap((m) => Object.keys(m)));
    const nodes = new Map<string, Float32Array[]>();
    for (const name of names) {
      const ch = analysis.nodes.get(name)!.index.length;
      nodes.set(name, perWidth.map((m) => m[name] ?? new Float32Array(ch).fill(1)));
    }
    out.push({ gene: g, widths, group: group.id, nodes });
  });
  return out;
}
