/**
 * The static structure of a supernet over a search space: per layer, how its bit pairs map
 * onto distinct weight bits and activation bits; per quantized tensor (the output of a
 * compute layer's first input, as `activationTargets()` defines it), the layers reading it,
 * whose smallest `abits` is the precision it is stored at.
 *
 * @module
 */
import { type ComputeNode, type Graph, isComputeNode } from "../models/ir.ts";
import type { SearchSpace } from "../space/assemble.ts";

/** One configurable layer. */
export interface LayerLayout {
  readonly node: ComputeNode;
  /** Distinct weight bits, ascending. */
  readonly wbits: readonly number[];
  /** Row-major `[pairs, wbits.length]` 0/1 matrix: pair -> its weight bits. */
  readonly pairToW: Float32Array;
  /** Distinct activation bits, ascending. */
  readonly abits: readonly number[];
  /** Row-major `[pairs, abits.length]` 0/1 matrix: pair -> its activation bits. */
  readonly pairToA: Float32Array;
}

/** One quantized activation tensor. */
export interface TensorLayout {
  /** Producer node name (its output is quantized). */
  readonly name: string;
  /** Layer indices (space order) reading it. */
  readonly readers: readonly number[];
  /** Distinct bits over its readers, ascending. */
  readonly bits: readonly number[];
  /**
   * Per reader: row-major `[reader abits, bits.length]` matrix with 1 where the reader's
   * bits are `>=` the tensor's bits: `P(a_r >= b) = marginal_r · column(b)`.
   */
  readonly atLeast: readonly Float32Array[];
}

/** The whole layout. */
export interface SupernetLayout {
  readonly layers: readonly LayerLayout[];
  readonly tensors: readonly TensorLayout[];
}

function distinct(xs: readonly number[]): number[] {
  return [...new Set(xs)].sort((a, b) => a - b);
}

function indicator(rows: readonly number[], cols: readonly number[]): Float32Array {
  const m = new Float32Array(rows.length * cols.length);
  rows.forEach((r, i) => (m[i * cols.length + cols.indexOf(r)] = 1));
  return m;
}

/**
 * The layout of `space` over `graph`. Throws RangeError when a space layer is not a
 * compute node of the graph.
 *
 * @example
 * ```ts ignore
 * const layout = supernetLayout(graph, buildSearchSpace(graph, profile));
 * ```
 */
export function supernetLayout(graph: Graph, space: SearchSpace): SupernetLayout {
  const byName = new Map(graph.nodes.map((n) => [n.name, n]));
  const layers = space.layers.map((name, l): LayerLayout => {
    const node = byName.get(name);
    if (node === undefined || !isComputeNode(node)) {
      throw new RangeError(`Space layer "${name}" is not a compute layer of "${graph.name}"`);
    }
    const pairs = space.pairs[l]!;
    const wbits = distinct(pairs.map((p) => p.w));
    const abits = distinct(pairs.map((p) => p.a));
    return {
      node,
      wbits,
      abits,
      pairToW: indicator(pairs.map((p) => p.w), wbits),
      pairToA: indicator(pairs.map((p) => p.a), abits),
    };
  });
  const readers = new Map<string, number[]>();
  layers.forEach((l, i) => {
    const p = l.node.inputs[0]!;
    readers.set(p, [...(readers.get(p) ?? []), i]);
  });
  const tensors = [...readers].map(([name, rs]): TensorLayout => {
    const bits = distinct(rs.flatMap((r) => layers[r]!.abits));
    const atLeast = rs.map((r) => {
      const own = layers[r]!.abits;
      const m = new Float32Array(own.length * bits.length);
      own.forEach((a, i) => bits.forEach((b, j) => (m[i * bits.length + j] = a >= b ? 1 : 0)));
      return m;
    });
    return { name, readers: rs, bits, atLeast };
  });
  // Keep the graph's node order for tensors (stable, readable).
  const order = new Map(graph.nodes.map((n, i) => [n.name, i]));
  tensors.sort((a, b) => order.get(a.name)! - order.get(b.name)!);
  return { layers, tensors };
}
