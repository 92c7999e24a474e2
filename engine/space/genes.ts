/**
 * Conversions between the three views of one configuration: a gene vector (one integer per
 * gene), a choice (one option index per layer, the index into `space.options[layer]` and the
 * cost tables), and a `Configuration` (`{layers: {NAME: {wbits, abits, width}}}`); plus the
 * mixed-radix index used for exhaustive enumeration and uniform sampling.
 *
 * @module
 */
import type { Configuration, LayerChoice } from "../cost/config.ts";
import type { Rng } from "../rng.ts";
import { type SearchSpace, spaceSize } from "./assemble.ts";

/**
 * The per-layer option indices a gene vector selects. Throws RangeError on a wrong length
 * or an out-of-range gene.
 *
 * @example
 * ```ts
 * import { assembleSpace } from "./assemble.ts";
 * import { choiceOfGenes } from "./genes.ts";
 * const space = assembleSpace({ layers: [
 *   { name: "a", op: "conv2d", pairs: [{ w: 8, a: 8 }, { w: 4, a: 8 }], widths: [0.5, 1] },
 * ] });
 * console.log(choiceOfGenes(space, [1, 1])); // Int32Array [3]: w4a8 at width 1
 * ```
 */
export function choiceOfGenes(space: SearchSpace, genes: ArrayLike<number>): Int32Array {
  checkGenes(space, genes);
  const choice = new Int32Array(space.layers.length);
  for (let l = 0; l < choice.length; l++) {
    const wg = space.widthGene[l]!;
    const w = wg < 0 ? 0 : genes[wg]!;
    choice[l] = genes[space.bitsGene[l]!]! * space.widths[l]!.length + w;
  }
  return choice;
}

/**
 * The gene vector of a per-layer choice. Throws RangeError when the choice gives members of
 * one width group different widths, or an index is out of range.
 */
export function genesOfChoice(space: SearchSpace, choice: ArrayLike<number>): Int32Array {
  if (choice.length !== space.layers.length) {
    throw new RangeError(`Expected ${space.layers.length} option indices, got ${choice.length}`);
  }
  const genes = new Int32Array(space.genes.length).fill(-1);
  for (let l = 0; l < choice.length; l++) {
    const o = choice[l]!;
    const nw = space.widths[l]!.length;
    if (!Number.isInteger(o) || o < 0 || o >= space.options[l]!.length) {
      throw new RangeError(`Option index ${o} out of range for layer "${space.layers[l]}"`);
    }
    genes[space.bitsGene[l]!] = Math.floor(o / nw);
    const wg = space.widthGene[l]!;
    if (wg < 0) continue;
    if (genes[wg]! >= 0 && genes[wg] !== o % nw) {
      throw new RangeError(
        `Layer "${space.layers[l]}" takes width ${space.widths[l]![o % nw]} but its width ` +
          `group already has ${space.widths[l]![genes[wg]!]}`,
      );
    }
    genes[wg] = o % nw;
  }
  return genes;
}

/** The configuration a per-layer choice stands for. */
export function configurationOf(space: SearchSpace, choice: ArrayLike<number>): Configuration {
  const layers: Record<string, LayerChoice> = {};
  space.layers.forEach((name, l) => {
    const o = space.options[l]![choice[l]!];
    if (!o) throw new RangeError(`Option index ${choice[l]} out of range for layer "${name}"`);
    layers[name] = o;
  });
  return { layers };
}

/**
 * The per-layer choice of a configuration. Throws RangeError naming a layer that is missing
 * or whose `{wbits, abits, width}` is not one of its options.
 */
export function choiceOfConfiguration(space: SearchSpace, config: Configuration): Int32Array {
  const choice = Int32Array.from(space.layers, (name) => {
    const c = config.layers[name];
    if (!c) throw new RangeError(`Configuration has no choice for layer "${name}"`);
    const o = space.options[space.layers.indexOf(name)]!.findIndex((x) =>
      x.wbits === c.wbits && x.abits === c.abits && x.width === c.width
    );
    if (o < 0) {
      throw new RangeError(
        `Layer "${name}": w${c.wbits}a${c.abits} width ${c.width} is not in the search space`,
      );
    }
    return o;
  });
  genesOfChoice(space, choice); // checks group consistency
  return choice;
}

/** The gene vector at mixed-radix `index` in `[0, spaceSize)` (first gene most significant). */
export function genesAt(space: SearchSpace, index: bigint): Int32Array {
  if (index < 0n || index >= spaceSize(space)) {
    throw new RangeError(`Index ${index} out of range [0, ${spaceSize(space)})`);
  }
  const genes = new Int32Array(space.genes.length);
  let rest = index;
  for (let g = space.genes.length - 1; g >= 0; g--) {
    const size = BigInt(space.genes[g]!.size);
    genes[g] = Number(rest % size);
    rest /= size;
  }
  return genes;
}

/** The mixed-radix index of a gene vector (inverse of {@link genesAt}). */
export function indexOfGenes(space: SearchSpace, genes: ArrayLike<number>): bigint {
  checkGenes(space, genes);
  let index = 0n;
  space.genes.forEach((g, i) => {
    index = index * BigInt(g.size) + BigInt(genes[i]!);
  });
  return index;
}

/** Advances a gene vector to the next one in mixed-radix order; false after the last. */
export function nextGenes(space: SearchSpace, genes: Int32Array): boolean {
  for (let g = genes.length - 1; g >= 0; g--) {
    if (++genes[g]! < space.genes[g]!.size) return true;
    genes[g] = 0;
  }
  return false;
}

/** A uniformly random gene vector (every configuration equally likely). */
export function randomGenes(space: SearchSpace, rng: Rng): Int32Array {
  return Int32Array.from(space.genes, (g) => rng.int(g.size));
}

function checkGenes(space: SearchSpace, genes: ArrayLike<number>): void {
  if (genes.length !== space.genes.length) {
    throw new RangeError(`Expected ${space.genes.length} genes, got ${genes.length}`);
  }
  for (let g = 0; g < genes.length; g++) {
    const v = genes[g]!;
    if (!Number.isInteger(v) || v < 0 || v >= space.genes[g]!.size) {
      throw new RangeError(
        `Gene ${g} is ${v}, expected an integer in [0, ${space.genes[g]!.size})`,
      );
    }
  }
}
