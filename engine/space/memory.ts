/**
 * Peak SRAM as search tables: every activation tensor with its lifetime (execution steps),
 * its element count per width of the layer that sets its channels, and the layers whose
 * activation bits set its storage bits (the largest `abits` among them). Peak SRAM of a
 * choice is the largest sum of live tensor bytes over the steps: a max over sums, not a sum
 * over layers. Graph-free once built, so synthetic problems can state one directly; the
 * graph builder follows the cost model's liveness conventions (`engine/cost/memory.ts`)
 * and tests check it against `peakSram()`.
 *
 * @module
 */
import { INPUT_BITS } from "../cost/memory.ts";
import { prunedChannels } from "../cost/config.ts";
import { planOf } from "../cost/_plan.ts";
import type { Graph } from "../models/ir.ts";
import type { SearchSpace } from "./assemble.ts";

/** One activation tensor (buffer). */
export interface MemoryTensor {
  /** Layer whose width sets its channels; -1 when its channels are fixed. */
  readonly source: number;
  /** Elements per width index of the source (length 1 when `source` is -1). */
  readonly elems: Float64Array;
  /** Layers whose `abits` it is stored at (the largest); may be empty. */
  readonly readers: Int32Array;
  /** Lower limit on its bits (the graph input's 8 bits), 0 for none. */
  readonly fixedBits: number;
  /** First and last execution step it is live. */
  readonly born: number;
  readonly death: number;
}

/** The tensors of a network and its number of execution steps. */
export interface MemoryModel {
  /** Number of execution steps. */
  readonly steps: number;
  /** Tensors. */
  readonly tensors: readonly MemoryTensor[];
}

/** Bytes a tensor takes at a choice. */
export function tensorBytes(
  t: MemoryTensor,
  space: SearchSpace,
  choice: ArrayLike<number>,
): number {
  const w = t.source < 0 ? 0 : choice[t.source]! % space.widths[t.source]!.length;
  let bits = t.fixedBits;
  for (const r of t.readers) {
    const a = space.options[r]![choice[r]!]!.abits;
    if (a > bits) bits = a;
  }
  return Math.ceil((t.elems[w]! * bits) / 8);
}

/**
 * Peak live bytes of a choice (`choice[l]` = option index of layer l).
 *
 * @example
 * ```ts ignore
 * const peak = peakOfChoice(memoryModelOf(graph, space), space, choice);
 * ```
 */
export function peakOfChoice(
  model: MemoryModel,
  space: SearchSpace,
  choice: ArrayLike<number>,
): number {
  const delta = new Float64Array(model.steps + 1);
  for (const t of model.tensors) {
    const bytes = tensorBytes(t, space, choice);
    delta[t.born]! += bytes;
    delta[t.death + 1]! -= bytes;
  }
  let live = 0, peak = 0;
  for (let s = 0; s < model.steps; s++) {
    live += delta[s]!;
    if (live > peak) peak = live;
  }
  return peak;
}

/**
 * The memory model of `graph` for a space built from it (`buildSearchSpace`). Throws
 * RangeError when the space's layers are not the graph's compute layers in order.
 */
export function memoryModelOf(graph: Graph, space: SearchSpace): MemoryModel {
  const plan = planOf(graph);
  const names = plan.compute.map((n) => plan.nodes[n]!.name);
  if (names.join("\u0000") !== space.layers.join("\u0000")) {
    throw new RangeError(
      `Space layers [${space.layers.join(", ")}] are not the compute layers of "${graph.name}"`,
    );
  }
  const memo = new Map<number, number[]>();
  const flatReaders = (b: number): number[] => {
    const hit = memo.get(b);
    if (hit) return hit;
    const out = new Set<number>();
    for (const r of plan.readers[b]!) {
      const c = plan.computeOf[r]!;
      if (c >= 0) out.add(c);
      else for (const x of flatReaders(plan.bufferOf[r]!)) out.add(x);
    }
    if (plan.readers[b]!.length === 0) out.add(plan.lastCompute);
    const list = [...out].sort((x, y) => x - y);
    memo.set(b, list);
    return list;
  };
  const tensors: MemoryTensor[] = [];
  for (let b = plan.bufferNode.length - 1; b >= 0; b--) {
    const node = plan.nodes[plan.bufferNode[b]!]!;
    const isInput = node.op === "input";
    const s = plan.widthSource[plan.bufferNode[b]!]!;
    const source = s >= 0 && space.widths[s]!.length > 1 ? s : -1;
    const last = node.outShape.at(-1) ?? 1;
    const perCh = node.outShape.reduce((x, y) => x * y, 1) / last;
    let elems: Float64Array;
    if (source < 0) elems = Float64Array.of(perCh * last);
    else {
      const orig = plan.nodes[plan.compute[source]!]!.outShape.at(-1)!;
      elems = Float64Array.from(
        space.widths[source]!,
        (w) => perCh * ((prunedChannels(orig, w) * last) / orig),
      );
    }
    tensors.push({
      source,
      elems,
      readers: Int32Array.from(isInput ? [] : flatReaders(b)),
      fixedBits: isInput ? INPUT_BITS : 0,
      born: plan.born[b]!,
      death: plan.death[b]!,
    });
  }
  return { steps: plan.steps, tensors: tensors.reverse() };
}
