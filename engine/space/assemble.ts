/**
 * The search space as genes: one width gene per width group (layers whose output widths
 * must be equal) and one bits gene per layer (its `(wbits, abits)` pair). Every gene vector
 * is a valid configuration, so exhaustive enumeration, random sampling and crossover never
 * produce an invalid shape. Graph-free: {@link assembleSpace} builds a space from plain
 * per-layer lists (the graph builder in `../space.ts` and synthetic test problems use it).
 *
 * @module
 */
import type { LayerChoice } from "../cost/config.ts";
import type { BitPair } from "../profile/types.ts";

/** One gene: a width choice shared by a group of layers, or one layer's bit pair. */
export interface Gene {
  /** `width`: index into the group's widths; `bits`: index into the layer's pairs. */
  readonly kind: "width" | "bits";
  /** Layers this gene sets (one for a bits gene; the group's members for a width gene). */
  readonly layers: readonly number[];
  /** Number of values the gene takes. */
  readonly size: number;
}

/** A layer of a {@link SpaceSpec}. */
export interface SpaceLayerSpec {
  /** Layer name. */
  readonly name: string;
  /** IR op (conv2d, depthwise, dense) or any label for synthetic spaces. */
  readonly op: string;
  /** Supported (wbits, abits) pairs, at least one. */
  readonly pairs: readonly BitPair[];
  /** Width fractions, ascending; `[1]` when the width is not chosen (pinned, depthwise). */
  readonly widths: readonly number[];
  /** Width group key: layers with the same key share one width gene (same widths). */
  readonly group?: string;
}

/** A plain description of a space: layers in topological order. */
export interface SpaceSpec {
  /** The layers, topological order. */
  readonly layers: readonly SpaceLayerSpec[];
}

/** A search space: per-layer options and the genes that index them. */
export interface SearchSpace {
  /** Layer names, topological order (the order of every per-layer array). */
  readonly layers: readonly string[];
  /** Per layer: its op. */
  readonly ops: readonly string[];
  /** Per layer: supported bit pairs. */
  readonly pairs: readonly (readonly BitPair[])[];
  /** Per layer: width fractions (`[1]` when not chosen). */
  readonly widths: readonly (readonly number[])[];
  /**
   * Per layer: its options, pair-major: option `o = pair * widths.length + widthIndex`.
   * This is the option list handed to `buildCostTable()`.
   */
  readonly options: readonly (readonly LayerChoice[])[];
  /** Genes in decision order (a layer's width gene precedes its bits gene). */
  readonly genes: readonly Gene[];
  /** Per layer: index of its width gene, -1 when its width is not chosen. */
  readonly widthGene: Int32Array;
  /** Per layer: index of its bits gene. */
  readonly bitsGene: Int32Array;
}

/**
 * Builds a space from plain per-layer lists. Throws RangeError for a layer with no pair or
 * no width, or for group members whose widths differ.
 *
 * @example
 * ```ts
 * import { assembleSpace } from "./assemble.ts";
 * const space = assembleSpace({ layers: [
 *   { name: "a", op: "conv2d", pairs: [{ w: 8, a: 8 }, { w: 4, a: 8 }], widths: [0.5, 1], group: "g" },
 *   { name: "b", op: "dense", pairs: [{ w: 8, a: 8 }], widths: [1] },
 * ] });
 * console.assert(space.genes.length === 3 && space.options[0]!.length === 4);
 * ```
 */
export function assembleSpace(spec: SpaceSpec): SearchSpace {
  const genes: { kind: "width" | "bits"; layers: number[]; size: number }[] = [];
  const byGroup = new Map<string, number>();
  const widthGene = new Int32Array(spec.layers.length).fill(-1);
  const bitsGene = new Int32Array(spec.layers.length);
  spec.layers.forEach((l, i) => {
    if (l.pairs.length === 0) throw new RangeError(`Layer "${l.name}" has no bit pair`);
    if (l.widths.length === 0) throw new RangeError(`Layer "${l.name}" has no width`);
    if (l.widths.length > 1 || l.group !== undefined) {
      const key = l.group ?? `\u0000${l.name}`;
      let g = byGroup.get(key);
      if (g === undefined) {
        g = genes.length;
        byGroup.set(key, g);
        genes.push({ kind: "width", layers: [], size: l.widths.length });
      } else {
        const first = spec.layers[genes[g]!.layers[0]!]!;
        if (first.widths.join() !== l.widths.join()) {
          throw new RangeError(
            `Layers "${first.name}" and "${l.name}" share width group "${key}" but offer ` +
              `different widths [${first.widths.join(", ")}] vs [${l.widths.join(", ")}]`,
          );
        }
      }
      genes[g]!.layers.push(i);
      widthGene[i] = g;
    }
    bitsGene[i] = genes.length;
    genes.push({ kind: "bits", layers: [i], size: l.pairs.length });
  });
  // A width gene of size 1 decides nothing: keep it (harmless) so group structure is visible.
  return {
    layers: spec.layers.map((l) => l.name),
    ops: spec.layers.map((l) => l.op),
    pairs: spec.layers.map((l) => l.pairs),
    widths: spec.layers.map((l) => l.widths),
    options: spec.layers.map((l) =>
      l.pairs.flatMap((p) => l.widths.map((width) => ({ wbits: p.w, abits: p.a, width })))
    ),
    genes,
    widthGene,
    bitsGene,
  };
}

/** Number of configurations of a space (product of gene sizes), exact. */
export function spaceSize(space: SearchSpace): bigint {
  let n = 1n;
  for (const g of space.genes) n *= BigInt(g.size);
  return n;
}

/** log10 of {@link spaceSize}, for reports of huge spaces. */
export function spaceLog10Size(space: SearchSpace): number {
  let s = 0;
  for (const g of space.genes) s += Math.log10(g.size);
  return s;
}
