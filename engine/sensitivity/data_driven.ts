/**
 * Data-driven sensitivity: `Ω_l(o) = L(network with only l at choice o) − L(float)` on a
 * fixed set of calibration batches, for every layer's `(wbits, abits)` pair and every width
 * group's width. Weights are quantized per output channel (symmetric min-max), the tensor a
 * layer reads per tensor (affine min-max over all calibration batches; shared by every
 * consumer of that tensor, as deployed); a width masks the group's lowest-scored channels.
 * Each batch's float activations are kept, so a variant recomputes only the nodes from its
 * first changed node on.
 *
 * @module
 */
import { tf } from "../backend.ts";
import type { Weights } from "../exec/weights.ts";
import { type ComputeNode, type Graph, isComputeNode } from "../models/ir.ts";
import { analyzeChannels } from "../prune/channels.ts";
import type { LabeledBatch, PruningCriterion } from "../prune/criteria/types.ts";
import { type ActivationObserverKind, createObserver, observerAt } from "../quant/calibrate.ts";
import type { Observer } from "../quant/observer.ts";
import type { SensitivityChoices } from "./choices.ts";
import { FLOAT, quantizeKernel } from "./_quant.ts";
import { disposeCache, floatCache, type Variant, variantLogits } from "./_suffix.ts";
import type { BitsEntry, GroupSensitivity, SensitivityTable } from "./table.ts";
import { scoreGroups, widthNodeMasks } from "./_width_masks.ts";

/** Loss whose increase is measured: cross-entropy on the labels, or KL to the float output. */
export type SensitivityLoss = "cross-entropy" | "kl";

/** Options of {@linkcode dataDrivenSensitivity}. */
export interface DataDrivenOptions {
  /** The choices to measure (see `choicesOfSpace`, `defaultChoices`). */
  readonly choices: SensitivityChoices;
  /** Criterion ranking a group's channels for width choices. @default "l1" */
  readonly criterion?: string | PruningCriterion;
  /** @default "cross-entropy" */
  readonly loss?: SensitivityLoss;
  /** Called after each batch with (batches done, batches). */
  readonly onProgress?: (done: number, total: number) => void;
  /** Clock in ms. @default performance.now */
  readonly now?: () => number;
  /** Observer of the tensors read at reduced `abits` (as `quantize`'s). @default "auto" */
  readonly observer?: ActivationObserverKind;
}

/** Sum over the batch of the per-example loss of `logits` (float logits for `kl`). */
function lossSum(kind: SensitivityLoss, logits: tf.Tensor2D, b: LabeledBatch, ref: tf.Tensor2D) {
  return tf.tidy(() => {
    const logp = tf.logSoftmax(logits);
    if (kind === "cross-entropy") return tf.neg(tf.sum(tf.mul(b.y, logp))).dataSync()[0]!;
    const logq = tf.logSoftmax(ref);
    return tf.sum(tf.mul(tf.exp(logq), tf.sub(logq, logp))).dataSync()[0]!;
  });
}

interface Job {
  readonly variant: Variant;
  readonly add: (lossSum: number) => void;
}

/**
 * Measures the table on `data` (a fixed calibration set; e.g. 2-4 batches of 128).
 * Throws a RangeError for an unknown layer or no data.
 *
 * @example
 * ```ts ignore
 * const table = dataDrivenSensitivity(graph, weights, batches, { choices: defaultChoices(graph) });
 * console.log(table.bits.conv1, table.meta.seconds);
 * ```
 */
export function dataDrivenSensitivity(
  graph: Graph,
  weights: Weights,
  data: readonly LabeledBatch[],
  options: DataDrivenOptions,
): SensitivityTable {
  if (data.length === 0) throw new RangeError("Cannot measure sensitivity on 0 batches");
  const now = options.now ?? (() => performance.now());
  const t0 = now();
  const loss = options.loss ?? "cross-entropy";
  const index = new Map(graph.nodes.map((n, i) => [n.name, i]));
  const nodeOf = (name: string): ComputeNode => {
    const n = graph.nodes[index.get(name) ?? -1];
    if (n === undefined || !isComputeNode(n)) {
      throw new RangeError(`Cannot measure layer "${name}": not a compute layer of the graph`);
    }
    return n;
  };
  // Pass 1: float loss, and the range of every tensor a quantized layer reads.
  // Per tensor read, one observer per kind its readers' abits call for.
  const kind = options.observer ?? "auto";
  const observers = new Map<string, Map<string, Observer>>();
  const observerOf = (tensor: string, abits: number): Observer => {
    const at = observerAt(kind, abits);
    const byKind = observers.get(tensor) ?? new Map<string, Observer>();
    observers.set(tensor, byKind);
    const o = byKind.get(at) ?? createObserver(at);
    byKind.set(at, o);
    return o;
  };
  for (const [name, pairs] of Object.entries(options.choices.bits)) {
    for (const p of pairs.filter((p) => p.abits < FLOAT)) {
      observerOf(nodeOf(name).inputs[0]!, p.abits);
    }
  }
  let floatSum = 0, examples = 0;
  for (const b of data) {
    const cache = floatCache(graph, weights, b.x);
    const out = cache[graph.output] as tf.Tensor2D;
    floatSum += lossSum(loss, out, b, out);
    examples += b.x.shape[0];
    for (const [tensor, byKind] of observers) {
      for (const o of byKind.values()) o.observe(cache[tensor]!);
    }
    disposeCache(graph, cache);
  }
  // Variants: one per non-float pair and per width < 1.
  const owned: tf.Tensor[] = [];
  const jobs: Job[] = [];
  const bits: Record<string, BitsEntry[]> = {};
  const sums = new Map<object, number>();
  const pending: { entry: { wbits: number; abits: number } | { width: number }; key: object }[] =
    [];
  for (const [name, pairs] of Object.entries(options.choices.bits)) {
    const node = nodeOf(name);
    const kernel = weights[name]?.kernel;
    if (kernel === undefined) throw new RangeError(`Cannot quantize "${name}": no kernel`);
    const data32 = kernel.dataSync() as Float32Array;
    const qk = new Map<number, tf.Tensor>();
    bits[name] = [];
    for (const p of pairs) {
      if (p.wbits >= FLOAT && p.abits >= FLOAT) continue;
      let replace: Variant["replace"];
      if (p.wbits < FLOAT) {
        let k = qk.get(p.wbits);
        if (k === undefined) {
          k = tf.tensor(quantizeKernel(node, data32, kernel.shape, p.wbits), kernel.shape);
          qk.set(p.wbits, k);
          owned.push(k);
        }
        replace = { kernel: k };
      }
      const producer = node.inputs[0]!;
      const quantize = p.abits < FLOAT
        ? {
          node: producer,
          params: observerOf(producer, p.abits).qparams(p.abits, {
            symmetric: false,
          }),
        }
        : undefined;
      const key = {};
      const variant: Variant = {
        start: index.get(quantize ? producer : name)!,
        layer: name,
        ...(replace ? { replace } : {}),
        ...(quantize ? { quantize } : {}),
      };
      jobs.push({ variant, add: (s) => sums.set(key, (sums.get(key) ?? 0) + s) });
      pending.push({ entry: p, key });
    }
  }
  const analysis = analyzeChannels(graph);
  const scored = scoreGroups(graph, weights, options.choices.groups, {
    analysis,
    data,
    ...(options.criterion ? { criterion: options.criterion } : {}),
  });
  const groupKeys: { key: object; width: number }[][] = scored.map((g) =>
    g.choices.widths.filter((w) => w < 1).map((width) => {
      const masks: Record<string, tf.Tensor> = {};
      let start = Infinity;
      for (const [n, m] of Object.entries(widthNodeMasks(graph, g, width, analysis))) {
        masks[n] = tf.tensor1d(m);
        owned.push(masks[n]);
        start = Math.min(start, index.get(n)!);
      }
      const key = {};
      jobs.push({
        variant: { start, masks },
        add: (s) => sums.set(key, (sums.get(key) ?? 0) + s),
      });
      return { key, width };
    })
  );
  // Pass 2: every variant on every batch, from the batch's float activations.
  try {
    data.forEach((b, i) => {
      const cache = floatCache(graph, weights, b.x);
      const ref = cache[graph.output] as tf.Tensor2D;
      for (const job of jobs) {
        const logits = variantLogits(graph, weights, cache, job.variant);
        job.add(lossSum(loss, logits, b, ref));
        logits.dispose();
      }
      disposeCache(graph, cache);
      options.onProgress?.(i + 1, data.length);
    });
  } finally {
    for (const t of owned) t.dispose();
  }
  const base = floatSum / examples;
  const delta = (key: object) => (sums.get(key) ?? 0) / examples - base;
  let k = 0;
  for (const [name, pairs] of Object.entries(options.choices.bits)) {
    for (const p of pairs) {
      const value = p.wbits >= FLOAT && p.abits >= FLOAT ? 0 : delta(pending[k++]!.key);
      bits[name]!.push({ wbits: p.wbits, abits: p.abits, value });
    }
  }
  const groups: GroupSensitivity[] = scored.map((g, i) => ({
    layers: g.choices.layers,
    entries: g.choices.widths.map((width) => ({
      width,
      value: width >= 1 ? 0 : delta(groupKeys[i]!.find((x) => x.width === width)!.key),
    })),
  }));
  return {
    bits,
    groups,
    meta: {
      method: "data-driven",
      graph: graph.name,
      unit: loss === "kl" ? "KL to float output (nats)" : "cross-entropy increase (nats)",
      examples,
      batches: data.length,
      seconds: (now() - t0) / 1000,
      details: { floatLoss: base, evaluations: jobs.length * data.length },
    },
  };
}
