/**
 * Sensitivity allocation of a MACs target (NetAdapt-like, Yang et al., ECCV 2018, without
 * the per-step fine-tune): starting from every channel, each step tries removing a slice of
 * each group's lowest-scored channels, measures the loss on calibration batches, and takes
 * the slice that raises the loss least per MAC saved, until the MACs are within the target.
 *
 * The loss is measured with batch statistics in the batch norms (dropout off), so a pruned
 * channel's effect on the following layers is seen after the re-standardisation that
 * batch-norm recalibration gives the pruned network, not through stale moving statistics.
 *
 * @module
 */
import { tf } from "../backend.ts";
import { forward } from "../exec/forward.ts";
import type { Weights } from "../exec/weights.ts";
import type { Graph } from "../models/ir.ts";
import { DEFAULT_MIN_KEEP } from "./allocate.ts";
import type { DependencyGroup } from "./channels.ts";
import type { LabeledBatch } from "./criteria/types.ts";
import { maskHooks, widthMasks } from "./masks.ts";
import { graphMacs, prunedGraph } from "./surgery.ts";
import { noDropoutSettings } from "../exec/settings.ts";

/** Share of a group's channels one greedy step removes. @default 1/16 */
export const DEFAULT_SENSITIVITY_STEP = 1 / 16;

/** Options of {@linkcode sensitivityWidths}. */
export interface SensitivityOptions {
  /** Share of a group's channels removed per step (at least one channel). */
  readonly step?: number;
  /** Minimum kept fraction per group. @default 0.25 */
  readonly minKeep?: number;
}

/**
 * Widths per group from greedy loss-per-MAC steps (see the module doc). Channels within a
 * group go in score order, as `widthMasks` keeps them. Throws when `minKeep` stops it above
 * the target, or when there is no data.
 *
 * @example
 * ```ts ignore
 * import { pruneToRatio } from "./prune_to_ratio.ts";
 * // Through pruneToRatio: L1 order inside each group, sensitivity across groups.
 * const r = pruneToRatio(graph, weights, {
 *   criterion: "l1",
 *   macsRatio: 0.5,
 *   allocation: "sensitivity",
 *   data: [{ x, y }],
 * });
 * console.log(r.widths);
 * ```
 */
export function sensitivityWidths(
  graph: Graph,
  weights: Weights,
  groups: readonly DependencyGroup[],
  scores: Readonly<Record<string, Float32Array>>,
  target: number,
  data: readonly LabeledBatch[],
  opts: SensitivityOptions = {},
): Record<string, number> {
  if (data.length === 0) throw new RangeError("Cannot allocate by sensitivity: no data");
  const step = opts.step ?? DEFAULT_SENSITIVITY_STEP;
  const minKeep = opts.minKeep ?? DEFAULT_MIN_KEEP;
  if (!(step > 0 && step <= 1)) {
    throw new RangeError(`Cannot remove a share ${step} of a group per step: expected (0, 1]`);
  }
  if (!(minKeep > 0 && minKeep <= 1)) {
    throw new RangeError(`Cannot keep a fraction ${minKeep} of each group: expected (0, 1]`);
  }
  const settings = noDropoutSettings(graph);
  const macsOf = (w: Record<string, number>) =>
    graphMacs(prunedGraph(graph, widthMasks(groups, scores, w)));
  const lossOf = (w: Record<string, number>): number => {
    const hooks = maskHooks(graph, widthMasks(groups, scores, w));
    const total = tf.tidy(() => {
      let sum: tf.Tensor = tf.scalar(0);
      for (const { x, y } of data) {
        const logits = forward(graph, weights, x, { training: true, hooks, settings });
        sum = tf.add(sum, tf.losses.softmaxCrossEntropy(y, logits));
      }
      return sum;
    });
    const v = total.dataSync()[0]! / data.length;
    total.dispose();
    return v;
  };
  const widths: Record<string, number> = Object.fromEntries(groups.map((g) => [g.id, g.channels]));
  const floor = new Map(groups.map((g) => [g.id, Math.max(1, Math.ceil(g.channels * minKeep))]));
  let macs = macsOf(widths);
  let loss = lossOf(widths);
  while (macs > target) {
    let best: { id: string; w: Record<string, number>; macs: number; loss: number } | null = null;
    let bestRate = Infinity;
    for (const g of groups) {
      const keep = widths[g.id]!;
      if (keep <= floor.get(g.id)!) continue;
      const cut = Math.max(1, Math.round(g.channels * step));
      const w = { ...widths, [g.id]: Math.max(floor.get(g.id)!, keep - cut) };
      const m = macsOf(w);
      if (m >= macs) continue;
      const l = lossOf(w);
      const rate = (l - loss) / (macs - m);
      if (rate < bestRate) {
        bestRate = rate;
        best = { id: g.id, w, macs: m, loss: l };
      }
    }
    if (best === null) {
      throw new RangeError(
        `Cannot prune to ${target} MACs while keeping ${minKeep} of every group: ` +
          `the floor leaves ${macs} (${(macs / graphMacs(graph)).toFixed(3)} of the network); ` +
          "lower minKeep",
      );
    }
    // The last step removes only as many channels as the target needs.
    if (best.macs < target) {
      const id = best.id;
      for (let k = widths[id]! - 1; k > best.w[id]!; k--) {
        const w = { ...widths, [id]: k };
        const m = macsOf(w);
        if (m <= target) {
          best = { id, w, macs: m, loss: best.loss };
          break;
        }
      }
    }
    Object.assign(widths, best.w);
    macs = best.macs;
    loss = best.loss;
  }
  return widths;
}
