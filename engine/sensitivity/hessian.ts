/**
 * Hessian-trace sensitivity (HAWQ-v2 style): per layer, the mean curvature of the
 * (batch-mean cross-entropy) loss in its kernel, `c_l = max(0, Tr(H_l)) / n_l`, and in the
 * tensor it reads, `c_x = max(0, Tr(H_x)) / n_x`, from Hutchinson estimates averaged over
 * the calibration batches. A choice's value is the second-order loss increase under an
 * isotropic Hessian:
 *
 * - bits: `½ c_l ‖Q_w(W_l) − W_l‖² + ½ c_x ‖Q_a(x) − x‖²` (activation noise measured on the
 *   batch, per-tensor affine min-max);
 * - width: `½ Σ_producers c_l ‖W_l[…, removed]‖²`, the removed channels being the lowest
 *   scored by the criterion (a first-order term and the batch-norm shift are ignored).
 *
 * Kernels are not batch-norm folded (per-channel symmetric quantization is fold-invariant,
 * the curvature is not).
 *
 * @module
 */
import { tf } from "../backend.ts";
import { forward } from "../exec/forward.ts";
import type { Weights } from "../exec/weights.ts";
import { type Graph, isComputeNode } from "../models/ir.ts";
import { analyzeChannels } from "../prune/channels.ts";
import type { LabeledBatch, PruningCriterion } from "../prune/criteria/types.ts";
import { fakeQuant } from "../quant/fake_quant.ts";
import { computeQParams } from "../quant/qparams.ts";
import type { SensitivityChoices } from "./choices.ts";
import { type HutchinsonOptions, hutchinsonTraces } from "./hutchinson.ts";
import { FLOAT, kernelError, sumSquares } from "./_quant.ts";
import type { SensitivityTable } from "./table.ts";
import { scoreGroups, widthMask } from "./_width_masks.ts";

/** Default finite-difference step, relative to the RMS of each block. @default 1e-2 */
export const DEFAULT_REL_EPS = 1e-2;

/** Options of {@linkcode hessianSensitivity}. */
export interface HessianOptions extends Omit<HutchinsonOptions, "eps"> {
  readonly choices: SensitivityChoices;
  /** Criterion ranking a group's channels for width choices. @default "l1" */
  readonly criterion?: string | PruningCriterion;
  /** Step relative to each block's RMS. @default {@linkcode DEFAULT_REL_EPS} */
  readonly relEps?: number;
  /** Clock in ms. @default performance.now */
  readonly now?: () => number;
}

function rms(t: tf.Tensor): number {
  return tf.tidy(() => Math.sqrt(tf.mean(tf.square(t)).dataSync()[0]!)) || 1;
}

/**
 * Estimates the table on `data` (use at least 2 batches; each batch is one Hutchinson run).
 * `meta.details` holds per-block traces, their variance and the draws per batch.
 *
 * @example
 * ```ts ignore
 * const t = hessianSensitivity(graph, weights, batches, { choices: defaultChoices(graph) });
 * ```
 */
export function hessianSensitivity(
  graph: Graph,
  weights: Weights,
  data: readonly LabeledBatch[],
  options: HessianOptions,
): SensitivityTable {
  if (data.length === 0) throw new RangeError("Cannot estimate Hessian traces on 0 batches");
  const now = options.now ?? (() => performance.now());
  const t0 = now();
  const relEps = options.relEps ?? DEFAULT_REL_EPS;
  const nodes = new Map(graph.nodes.map((n) => [n.name, n]));
  const analysis = analyzeChannels(graph);
  const scored = scoreGroups(graph, weights, options.choices.groups, {
    analysis,
    data,
    ...(options.criterion ? { criterion: options.criterion } : {}),
  });
  const kernels = [
    ...new Set([...Object.keys(options.choices.bits), ...scored.flatMap((g) => g.group.producers)]),
  ];
  for (const k of kernels) {
    const n = nodes.get(k);
    if (!n || !isComputeNode(n) || !weights[k]?.kernel) {
      throw new RangeError(
        `Cannot estimate the Hessian of "${k}": not a compute layer with a kernel`,
      );
    }
  }
  const readAbits = new Map<string, Set<number>>();
  for (const [name, pairs] of Object.entries(options.choices.bits)) {
    const p = nodes.get(name)!.inputs[0]!;
    for (const { abits } of pairs.filter((x) => x.abits < FLOAT)) {
      readAbits.set(p, (readAbits.get(p) ?? new Set()).add(abits));
    }
  }
  const acts = [...readAbits.keys()];
  const curv = new Array<number>(kernels.length + acts.length).fill(0);
  const traces: number[][] = [], variances: number[][] = [], draws: number[] = [];
  const noise = new Map<string, number>(); // `${p}` -> abits -> summed energy (avg over batches)
  const energy = (p: string, a: number) => noise.get(`${p}\u0000${a}`) ?? 0;
  let examples = 0;
  data.forEach((b, bi) => {
    examples += b.x.shape[0];
    const actRms = new Map<string, number>();
    forward(graph, weights, b.x, {
      hooks: {
        output: (node, y) => {
          const bitsSet = readAbits.get(node.name);
          if (bitsSet === undefined) return y;
          actRms.set(node.name, rms(y));
          const lo = y.min().dataSync()[0]!, hi = y.max().dataSync()[0]!;
          for (const a of bitsSet) {
            const p = computeQParams([lo], [hi], a, { symmetric: false });
            const e = tf.tidy(() => tf.sum(tf.square(tf.sub(fakeQuant(y, p), y))).dataSync()[0]!);
            const key = `${node.name}\u0000${a}`;
            noise.set(key, (noise.get(key) ?? 0) + e / data.length);
          }
          return y;
        },
      },
    }).dispose();
    const params = [
      ...kernels.map((k) => weights[k]!.kernel!),
      ...acts.map((p) => tf.zeros([b.x.shape[0], ...nodes.get(p)!.outShape])),
    ];
    const eps = [
      ...kernels.map((k) => relEps * rms(weights[k]!.kernel!)),
      ...acts.map((p) => relEps * actRms.get(p)!),
    ];
    const kIndex = new Map(kernels.map((k, i) => [k, i]));
    const aIndex = new Map(acts.map((p, i) => [p, kernels.length + i]));
    const lossOf = (...ps: tf.Tensor[]) =>
      tf.tidy(() => {
        const logits = forward(graph, weights, b.x, {
          hooks: {
            weight: (node, name, w) => {
              const i = name === "kernel" ? kIndex.get(node.name) : undefined;
              return i === undefined ? w : ps[i]!;
            },
            output: (node, y) => {
              const i = aIndex.get(node.name);
              return i === undefined ? y : tf.add(y, ps[i]!);
            },
          },
        });
        return tf.neg(tf.mean(tf.sum(tf.mul(b.y, tf.logSoftmax(logits)), -1))) as tf.Scalar;
      });
    const r = hutchinsonTraces((ps) => tf.grads(lossOf)(ps), params, {
      ...options,
      eps,
      seed: (options.seed ?? 0) + bi,
    });
    params.slice(kernels.length).forEach((t) => t.dispose());
    r.traces.forEach((
      t,
      i,
    ) => (curv[i] = curv[i]! + Math.max(0, t) / params[i]!.size / data.length));
    traces.push(r.traces);
    variances.push(r.variances);
    draws.push(r.draws);
  });
  const cOf = (k: string) => curv[kernels.indexOf(k)]!;
  const cAct = (p: string) => curv[kernels.length + acts.indexOf(p)]!;
  const bits: SensitivityTable["bits"] = Object.fromEntries(
    Object.entries(options.choices.bits).map(([name, pairs]) => {
      const node = nodes.get(name)!;
      if (!isComputeNode(node)) throw new RangeError(`"${name}" is not a compute layer`);
      const k = weights[name]!.kernel!;
      const data32 = k.dataSync() as Float32Array;
      return [
        name,
        pairs.map(({ wbits, abits }) => {
          const w = wbits < FLOAT
            ? 0.5 * cOf(name) * sumSquares(kernelError(node, data32, k.shape, wbits))
            : 0;
          const a = abits < FLOAT
            ? 0.5 * cAct(node.inputs[0]!) * energy(node.inputs[0]!, abits)
            : 0;
          return { wbits, abits, value: w + a };
        }),
      ];
    }),
  );
  const groups = scored.map((g) => ({
    layers: g.choices.layers,
    entries: g.choices.widths.map((width) => {
      if (width >= 1) return { width, value: 0 };
      const mask = widthMask(g, width);
      let value = 0;
      for (const prod of g.group.producers) {
        const kd = weights[prod]!.kernel!.dataSync() as Float32Array;
        const index = analysis.nodes.get(prod)!.index;
        let s = 0;
        kd.forEach((v, i) => {
          if (mask[index[i % index.length]!] === 0) s += v * v;
        });
        value += 0.5 * cOf(prod) * s;
      }
      return { width, value };
    }),
  }));
  const blocks = [...kernels, ...acts.map((p) => `input of consumers of ${p}`)];
  const meanVar = blocks.map((_, i) =>
    variances.reduce((s, v) => s + v[i]!, 0) / (data.length * data.length)
  );
  return {
    bits,
    groups,
    meta: {
      method: "hessian",
      graph: graph.name,
      unit: "second-order loss increase (nats)",
      examples,
      batches: data.length,
      seconds: (now() - t0) / 1000,
      details: {
        blocks,
        traces: blocks.map((_, i) => traces.reduce((s, t) => s + t[i]!, 0) / data.length),
        traceVariance: meanVar,
        curvature: curv,
        draws,
      },
    },
  };
}
