/**
 * What a sensitivity table is measured for: per configurable layer, its `(wbits, abits)`
 * pairs; per width group (layers whose output widths are tied), its widths. Built from a
 * search space (the real per-layer pairs of a profile) or from plain lists.
 *
 * @module
 */
import { DEFAULT_WIDTHS, MAX_BITS } from "../cost/config.ts";
import { widthGroups } from "../cost/widths.ts";
import { type Graph, isComputeNode } from "../models/ir.ts";
import type { SearchSpace } from "../space/assemble.ts";

/** A `(wbits, abits)` pair of one layer (32 = float). */
export interface BitsChoice {
  readonly wbits: number;
  readonly abits: number;
}

/** Width choices of one width group. */
export interface WidthGroupChoices {
  /** Member layers (conv2d / dense), graph order; the first one is the group's key. */
  readonly layers: readonly string[];
  /** Width fractions in (0, 1], ascending. */
  readonly widths: readonly number[];
}

/** The choices a sensitivity table covers. */
export interface SensitivityChoices {
  /** Per compute layer name: its bit pairs. */
  readonly bits: Readonly<Record<string, readonly BitsChoice[]>>;
  /** Prunable width groups with more than one width. */
  readonly groups: readonly WidthGroupChoices[];
}

/** Default weight bits of {@linkcode defaultChoices}. @default [2, 4, 8] */
export const DEFAULT_WBITS: readonly number[] = [2, 4, 8];

/** Default activation bits of {@linkcode defaultChoices}. @default [4, 8] */
export const DEFAULT_ABITS: readonly number[] = [4, 8];

/**
 * The choices of a search space: every layer's pairs and every width gene's group.
 *
 * @example
 * ```ts ignore
 * const choices = choicesOfSpace(buildSearchSpace(graph, profile));
 * ```
 */
export function choicesOfSpace(space: SearchSpace): SensitivityChoices {
  const bits: Record<string, BitsChoice[]> = {};
  space.layers.forEach((name, l) => {
    bits[name] = space.pairs[l]!.map((p) => ({ wbits: p.w, abits: p.a }));
  });
  const groups: WidthGroupChoices[] = [];
  for (const gene of space.genes) {
    if (gene.kind !== "width" || gene.size < 2) continue;
    const first = gene.layers[0]!;
    groups.push({
      layers: gene.layers.map((l) => space.layers[l]!),
      widths: space.widths[first]!,
    });
  }
  return { bits, groups };
}

/**
 * Every pair of `wbits` x `abits` for every compute layer, and `widths` for every prunable
 * width group of the graph (the search space's defaults without a profile).
 *
 * @example
 * ```ts ignore
 * const choices = defaultChoices(graph); // w{2,4,8} x a{4,8}, widths {0.25, 0.5, 0.75, 1}
 * ```
 */
export function defaultChoices(
  graph: Graph,
  options: {
    readonly wbits?: readonly number[];
    readonly abits?: readonly number[];
    readonly widths?: readonly number[];
  } = {},
): SensitivityChoices {
  const wbits = options.wbits ?? DEFAULT_WBITS;
  const abits = options.abits ?? DEFAULT_ABITS;
  for (const b of [...wbits, ...abits]) {
    if (!Number.isInteger(b) || b < 1 || b > MAX_BITS) {
      throw new RangeError(`Cannot use bit-width ${b}: expected an integer in 1..${MAX_BITS}`);
    }
  }
  const widths = [...new Set(options.widths ?? DEFAULT_WIDTHS)].sort((a, b) => a - b);
  for (const w of widths) {
    if (!(w > 0 && w <= 1)) throw new RangeError(`Width ${w} is not a fraction in (0, 1]`);
  }
  const bits: Record<string, BitsChoice[]> = {};
  for (const node of graph.nodes.filter(isComputeNode)) {
    bits[node.name] = wbits.flatMap((w) => abits.map((a) => ({ wbits: w, abits: a })));
  }
  const groups = widths.length < 2 ? [] : widthGroups(graph)
    .filter((g) => g.prunable)
    .map((g) => ({ layers: g.layers, widths }));
  return { bits, groups };
}
