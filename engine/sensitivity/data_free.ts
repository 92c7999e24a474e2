/**
 * Data-free sensitivity: from weights and batch-norm statistics only. Every choice is
 * scored by the noise-to-signal ratio it adds at the output of the layer(s) it touches,
 * since the output's inverse SQNR is about the sum of the layers' (so ratios add, as the
 * search assumes). With per-channel input statistics `(m_c, v_c)` and range from
 * {@link propagateMoments} (independent inputs):
 *
 * - signal of layer l: `S_l = Σ_o [(Σ_i W_i m_c(i) + b_o)² + Σ_i W_i² v_c(i)]`;
 * - weight noise at `wbits`: the same sums with `ΔW = Q_w(W) − W` and no bias;
 * - activation noise at `abits`: `‖W‖² · step²/12`, `step` of the per-tensor affine
 *   quantizer over the input's range (`mean ± 4 sd`, clipped by its activation);
 * - bits value: `(N_w + N_a) / S_l`;
 * - width value: for every consumer C of the group, the noise of dropping the removed input
 *   channels (`ΔX = −x_c`) over `S_C`, summed; removed channels are the lowest scored by a
 *   data-free criterion (L1 default).
 *
 * @module
 */
import type { Weights } from "../exec/weights.ts";
import { type ComputeNode, type Graph, isComputeNode } from "../models/ir.ts";
import { analyzeChannels } from "../prune/channels.ts";
import type { PruningCriterion } from "../prune/criteria/types.ts";
import type { SensitivityChoices } from "./choices.ts";
import { type ChannelStats, forEachWeight, propagateMoments, type UNIFORM_01 } from "./_moments.ts";
import { activationStep, FLOAT, kernelError, sumSquares } from "./_quant.ts";
import type { SensitivityTable } from "./table.ts";
import { criterionOf, scoreGroups, widthMask } from "./_width_masks.ts";

/** Options of {@linkcode dataFreeSensitivity}. */
export interface DataFreeOptions {
  readonly choices: SensitivityChoices;
  /** Data-free criterion ranking a group's channels. @default "l1" */
  readonly criterion?: string | PruningCriterion;
  /** Assumed distribution of every input element. @default uniform on [0, 1] */
  readonly input?: typeof UNIFORM_01;
  /** Clock in ms. @default performance.now */
  readonly now?: () => number;
}

/** Output noise energy of a weight perturbation `dw` (restricted to input channels `keep`). */
function noiseEnergy(
  node: ComputeNode,
  dw: Float32Array,
  shape: readonly number[],
  x: ChannelStats,
  only?: (cin: number) => boolean,
): number {
  const cout = node.outShape.at(-1)!;
  const mean = new Float64Array(cout);
  let v = 0;
  forEachWeight(node, shape, (ci, co, i) => {
    if (only && !only(ci)) return;
    const w = dw[i]!;
    mean[co] = mean[co]! + w * x.mean[ci]!;
    v += w * w * Math.max(x.sq[ci]! - x.mean[ci]! ** 2, 0);
  });
  return v + sumSquares(mean);
}

/**
 * Computes the table without any data. Values are non-negative and finite; unit: output
 * noise-to-signal ratio. Throws a RangeError for a layer that is not a compute layer, or a
 * criterion that needs data.
 *
 * @example
 * ```ts ignore
 * const table = dataFreeSensitivity(graph, weights, { choices: defaultChoices(graph) });
 * ```
 */
export function dataFreeSensitivity(
  graph: Graph,
  weights: Weights,
  options: DataFreeOptions,
): SensitivityTable {
  const now = options.now ?? (() => performance.now());
  const t0 = now();
  const criterion = criterionOf(options.criterion);
  if (criterion.needsData) {
    throw new RangeError(`Cannot use criterion "${criterion.name}" without data`);
  }
  const nodes = new Map(graph.nodes.map((n) => [n.name, n]));
  const stats = propagateMoments(graph, weights, options.input ? { input: options.input } : {});
  const kernelOf = (name: string) => {
    const node = nodes.get(name);
    const k = weights[name]?.kernel;
    if (!node || !isComputeNode(node) || !k) {
      throw new RangeError(`Cannot score layer "${name}": not a compute layer with a kernel`);
    }
    return { node, data: k.dataSync() as Float32Array, shape: k.shape };
  };
  const signal = new Map<string, number>();
  const signalOf = (name: string): number => {
    let s = signal.get(name);
    if (s === undefined) {
      const { node, data, shape } = kernelOf(name);
      const bias = node.useBias ? weights[name]?.bias?.dataSync() as Float32Array : undefined;
      const x = stats.get(node.inputs[0]!)!;
      s = noiseEnergy(node, data, shape, x) + (bias ? biasTerm(node, data, shape, x, bias) : 0);
      s = Math.max(s, 1e-30);
      signal.set(name, s);
    }
    return s;
  };
  const bits: SensitivityTable["bits"] = Object.fromEntries(
    Object.entries(options.choices.bits).map(([name, pairs]) => {
      const { node, data, shape } = kernelOf(name);
      const x = stats.get(node.inputs[0]!)!;
      const lo = Math.min(0, ...x.lo), hi = Math.max(0, ...x.hi);
      const w2 = sumSquares(data);
      return [
        name,
        pairs.map(({ wbits, abits }) => {
          const nw = wbits < FLOAT
            ? noiseEnergy(node, kernelError(node, data, shape, wbits), shape, x)
            : 0;
          const na = abits < FLOAT ? w2 * activationStep(lo, hi, abits) ** 2 / 12 : 0;
          return { wbits, abits, value: (nw + na) / signalOf(name) };
        }),
      ];
    }),
  );
  const analysis = analyzeChannels(graph);
  const scored = scoreGroups(graph, weights, options.choices.groups, { analysis, criterion });
  const groups = scored.map((g) => ({
    layers: g.choices.layers,
    entries: g.choices.widths.map((width) => {
      if (width >= 1) return { width, value: 0 };
      const mask = widthMask(g, width);
      let value = 0;
      for (const consumer of g.group.consumers) {
        const { node, data, shape } = kernelOf(consumer);
        const input = node.inputs[0]!;
        const index = analysis.nodes.get(input)!.index;
        const removed = (ci: number) => mask[index[ci]!] === 0;
        value += noiseEnergy(node, data, shape, stats.get(input)!, removed) / signalOf(consumer);
      }
      return { width, value };
    }),
  }));
  return {
    bits,
    groups,
    meta: {
      method: "data-free",
      graph: graph.name,
      unit: "output noise-to-signal ratio",
      examples: 0,
      batches: 0,
      seconds: (now() - t0) / 1000,
      details: { criterion: criterion.name },
    },
  };
}

/** `Σ_o (2 μ_o b_o + b_o²)`: what a bias adds to `Σ_o E[y_o²]` given the mean `μ_o`. */
function biasTerm(
  node: ComputeNode,
  data: Float32Array,
  shape: readonly number[],
  x: ChannelStats,
  bias: Float32Array,
): number {
  const mean = new Float64Array(bias.length);
  forEachWeight(node, shape, (ci, co, i) => (mean[co] = mean[co]! + data[i]! * x.mean[ci]!));
  let s = 0;
  bias.forEach((b, o) => (s += 2 * mean[o]! * b + b * b));
  return s;
}
