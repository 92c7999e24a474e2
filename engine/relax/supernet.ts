/**
 * The supernet: executor hooks that run one network over shared float weights while every
 * layer mixes its choices with gate weights. Weights: a composite kernel
 * `Σ_w π_w Q_w(W)` (EdMIPS, one convolution per layer); activations: the tensor a layer
 * reads is `Σ_a P(a) Q_a(y)` where `P` is the distribution of the smallest `abits` among
 * its readers; widths: one soft nested mask `Σ_c q_c m_c` per node of a width group.
 * With one-hot gates the hooks compute exactly the plain fake-quantized, masked network.
 *
 * @module
 */
import { tf } from "../backend.ts";
import type { ExecHooks } from "../exec/hooks.ts";
import type { Weights } from "../exec/weights.ts";
import type { Graph } from "../models/ir.ts";
import type { PruningCriterion } from "../prune/criteria/types.ts";
import type { SearchSpace } from "../space/assemble.ts";
import { type SupernetLayout, supernetLayout } from "./layout.ts";
import {
  quantizeActivation,
  quantizeKernel,
  type RangeRecorder,
  RangeTracker,
} from "./quantizers.ts";
import { type WidthGeneMasks, widthGeneMasks } from "./width_masks.ts";

/** Gate weights of one forward pass (the caller owns the tensors). */
export interface Gates {
  /** Per layer (space order): weights over its bit pairs. */
  readonly bits: readonly tf.Tensor1D[];
  /** Per width gene with more than one width: weights over its widths. */
  readonly widths: ReadonlyMap<number, tf.Tensor1D>;
}

/** Disposes every tensor of `gates`. */
export function disposeGates(gates: Gates): void {
  for (const t of gates.bits) t.dispose();
  for (const t of gates.widths.values()) t.dispose();
}

/** A supernet over a graph, a space and (shared) weights. */
export interface Supernet {
  readonly graph: Graph;
  readonly space: SearchSpace;
  readonly layout: SupernetLayout;
  readonly widthMasks: readonly WidthGeneMasks[];
  /** Activation ranges (moving averages). */
  readonly ranges: RangeTracker;
  /**
   * Hooks mixing choices by `gates`; call inside the step's tidy scope. With `recorder`,
   * each quantized tensor's min/max is recorded for the range tracker.
   */
  hooks(gates: Gates, opts?: { readonly recorder?: RangeRecorder }): ExecHooks;
  /** Hooks that only record the ranges of the quantized tensors (float network). */
  observeHooks(recorder: RangeRecorder): ExecHooks;
  /** Releases the constant tensors. */
  dispose(): void;
}

/** Options of {@linkcode createSupernet}. */
export interface SupernetOptions {
  /** Channel ranking of the width masks. @default "l1" */
  readonly criterion?: string | PruningCriterion;
  /** Weight of a new batch's range in the activation range averages. @default 0.01 */
  readonly rangeAveraging?: number;
}

/**
 * Builds the supernet of `space` (built from `graph`); `weights` are only read here (to
 * rank channels).
 *
 * @example
 * ```ts ignore
 * const net = createSupernet(graph, space, weights);
 * const logits = forward(graph, weights, x, { hooks: net.hooks(gates) });
 * ```
 */
export function createSupernet(
  graph: Graph,
  space: SearchSpace,
  weights: Weights,
  opts: SupernetOptions = {},
): Supernet {
  const layout = supernetLayout(graph, space);
  const widthMasks = widthGeneMasks(graph, space, weights, opts);
  const ranges = new RangeTracker(opts.rangeAveraging);
  const layerOf = new Map(layout.layers.map((l, i) => [l.node.name, i]));
  const tensorOf = new Map(layout.tensors.map((t) => [t.name, t]));
  const consts: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T): T => (consts.push(t), t);
  const toW = layout.layers.map((l) =>
    keep(tf.tensor2d(l.pairToW, [l.pairToW.length / l.wbits.length, l.wbits.length]))
  );
  const toA = layout.layers.map((l) =>
    keep(tf.tensor2d(l.pairToA, [l.pairToA.length / l.abits.length, l.abits.length]))
  );
  const atLeast = new Map(layout.tensors.map((t) => [
    t.name,
    t.atLeast.map((m, i) => {
      const rows = layout.layers[t.readers[i]!]!.abits.length;
      return keep(tf.tensor2d(m, [rows, t.bits.length]));
    }),
  ]));
  const maskMats = widthMasks.map((g) =>
    [...g.nodes].map(([name, ms]) => {
      const c = ms[0]!.length;
      const flat = new Float32Array(ms.length * c);
      ms.forEach((m, i) => flat.set(m, i * c));
      return { name, gene: g.gene, mat: keep(tf.tensor2d(flat, [ms.length, c])) };
    })
  ).flat();

  const marginal = (gate: tf.Tensor1D, m: tf.Tensor2D): tf.Tensor1D =>
    tf.reshape(tf.matMul(tf.reshape(gate, [1, gate.size]), m), [-1]) as tf.Tensor1D;

  function hooks(gates: Gates, o: { readonly recorder?: RangeRecorder } = {}): ExecHooks {
    if (gates.bits.length !== layout.layers.length) {
      throw new RangeError(`Expected ${layout.layers.length} bit gates, got ${gates.bits.length}`);
    }
    const masks: Record<string, tf.Tensor> = {};
    for (const { name, gene, mat } of maskMats) {
      const q = gates.widths.get(gene);
      if (q === undefined) throw new RangeError(`No gate for width gene ${gene}`);
      masks[name] = marginal(q, mat as tf.Tensor2D);
    }
    return {
      masks,
      weight: (node, name, w) => {
        const l = layerOf.get(node.name);
        if (l === undefined || name !== "kernel" || node.op === "input") return w;
        const lay = layout.layers[l]!;
        if (lay.wbits.length === 1) return quantizeKernel(lay.node, w, lay.wbits[0]!);
        const mix = tf.unstack(marginal(gates.bits[l]!, toW[l] as tf.Tensor2D));
        return tf.addN(lay.wbits.map((b, i) => tf.mul(mix[i]!, quantizeKernel(lay.node, w, b))));
      },
      output: (node, y) => {
        const t = tensorOf.get(node.name);
        if (t === undefined) return y;
        o.recorder?.record(t.name, y);
        if (t.bits.length === 1) return quantizeActivation(ranges, t.name, y, t.bits[0]!);
        // P(min abits >= b_j) = Π_r P(a_r >= b_j); P(min = b_j) = S_j - S_{j+1}.
        const mats = atLeast.get(t.name)!;
        const survival = t.readers
          .map((r, i) =>
            marginal(marginal(gates.bits[r]!, toA[r] as tf.Tensor2D), mats[i] as tf.Tensor2D)
          )
          .reduce((a, b) => tf.mul(a, b));
        const next = tf.concat([tf.slice(survival, [1], [t.bits.length - 1]), tf.zeros([1])]);
        const p = tf.unstack(tf.sub(survival, next));
        return tf.addN(
          t.bits.map((b, j) => tf.mul(p[j]!, quantizeActivation(ranges, t.name, y, b))),
        );
      },
    };
  }

  return {
    graph,
    space,
    layout,
    widthMasks,
    ranges,
    hooks,
    observeHooks: (recorder) => ({
      output: (node, y) => {
        if (tensorOf.has(node.name)) recorder.record(node.name, y);
        return y;
      },
    }),
    dispose: () => consts.forEach((t) => t.dispose()),
  };
}
