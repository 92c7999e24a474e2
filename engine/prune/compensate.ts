/**
 * Data-free compensation of pruned channels. A channel cut out of a layer's input took
 * part in the layer's output: its expected contribution `Σ_k W[k, c, o]·E[x_c]` shifts
 * every output's mean, and its variance is missing from the outputs' spread, so the batch
 * norm reading the layer normalizes with stale statistics. Without data to re-estimate
 * them, `E[x_c]` and `Var[x_c]` come from the batch norms before the cut
 * (`engine/quant/expected_activations.ts`, as in data-free bias correction), and:
 *
 * - the mean shift goes into the moving mean of the batch norm reading the layer
 *   (`μ ← μ − shift`), else into the layer's bias (`b ← b + shift`);
 * - that batch norm's moving variance is scaled by the share of the output variance the
 *   kept inputs carry, `1 − Σ_removed / Σ_all` of `Σ_k W[k, c, o]²·Var[x_c]` (inputs taken
 *   as independent), never below {@linkcode MIN_VARIANCE_SHARE}.
 *
 * Call it on the full-size weights with the pruning masks, before surgery. The zero
 * padding at the borders is ignored, as in data-free bias correction. Measured on the zoo
 * networks (`deno run -A bench/quant_run.ts --modes prune-datafree`: L1, every group at
 * 87.5% of its channels, about 77% of the MACs, the whole test set): resnet8 16.08% pruned
 * as is, 74.32% compensated, 81.78% with the batch norms re-estimated on 2,048 training
 * images, 86.49% compensated then re-estimated; mobilenet-tiny 54.77%, 86.28%, 87.36%,
 * 87.32%. Compensating first helps re-estimation where a layer that lost inputs has no
 * batch norm after it (resnet8's logits): its mean shift goes into its bias, which
 * re-estimating batch norms cannot repair.
 *
 * @module
 */
import { tf } from "../backend.ts";
import type { Weights } from "../exec/weights.ts";
import { type Graph, nodeByName } from "../models/ir.ts";
import { expectedActivations } from "../quant/expected_activations.ts";
import { analyzeChannels, type ChannelAnalysis } from "./channels.ts";
import type { GroupMasks } from "./masks.ts";

/**
 * Smallest share of its moving variance a batch norm keeps (a guard for layers that lose
 * almost every input). @default 0.05
 */
export const MIN_VARIANCE_SHARE = 0.05;

/** What {@linkcode compensatePruned} did at one layer that lost inputs. */
export interface Compensation {
  /** The conv / dense layer reading pruned channels. */
  readonly layer: string;
  /** Where the mean shift went: a batch norm's statistics, the layer's bias, or nowhere. */
  readonly into: "batchnorm" | "bias" | "none";
  /** The batch norm adjusted, when `into` is `"batchnorm"`. */
  readonly batchnorm?: string;
  /** Why nothing was done, when `into` is `"none"`. */
  readonly reason?: string;
}

/** Per output channel: the removed inputs' mean contribution and variance share. */
function removedContribution(
  kernel: Float32Array,
  shape: readonly number[],
  removed: (input: number) => boolean,
  mean: Float64Array,
  variance: Float64Array,
): { shift: Float64Array; share: Float64Array } {
  const cout = shape.at(-1)!, cin = shape.at(-2)!;
  const spatial = kernel.length / (cin * cout);
  const shift = new Float64Array(cout), lost = new Float64Array(cout);
  const total = new Float64Array(cout);
  for (let p = 0; p < cin; p++) {
    const cut = removed(p);
    for (let o = 0; o < cout; o++) {
      let sum = 0, squares = 0;
      for (let s = 0; s < spatial; s++) {
        const w = kernel[(s * cin + p) * cout + o]!;
        sum += w;
        squares += w * w;
      }
      const v = squares * variance[p]!;
      total[o]! += v;
      if (cut) {
        shift[o]! += sum * mean[p]!;
        lost[o]! += v;
      }
    }
  }
  const share = Float64Array.from(
    total,
    (t, o) => (t > 0 ? Math.max(MIN_VARIANCE_SHARE, 1 - lost[o]! / t) : 1),
  );
  return { shift, share };
}

function update(variable: tf.Variable, f: (t: tf.Tensor) => tf.Tensor): void {
  tf.tidy(() => variable.assign(f(variable)));
}

/**
 * Compensates, in place, every conv / dense layer that reads a channel `masks` remove (see
 * the module notes); returns what was done per layer.
 *
 * @example
 * ```ts
 * import { initBackend } from "../backend.ts";
 * import { buildZooModel } from "../models/zoo.ts";
 * import { graphFromLayersModel } from "../models/from_layers.ts";
 * import { disposeWeights, weightsFromLayersModel } from "../exec/weights.ts";
 * import { compensatePruned } from "./compensate.ts";
 * import { pruneToRatio } from "./prune_to_ratio.ts";
 * import { surgery } from "./surgery.ts";
 * await initBackend("cpu");
 * const model = buildZooModel("resnet8");
 * const graph = graphFromLayersModel(model);
 * const weights = weightsFromLayersModel(model, graph);
 * const { masks } = pruneToRatio(graph, weights, { criterion: "l1", macsRatio: 0.8 });
 * const done = compensatePruned(graph, weights, masks);
 * console.assert(done.every((c) => c.into === "batchnorm"));
 * const small = surgery(graph, weights, masks);
 * disposeWeights(weights);
 * disposeWeights(small.weights);
 * ```
 */
export function compensatePruned(
  graph: Graph,
  weights: Weights,
  masks: GroupMasks,
  analysis: ChannelAnalysis = analyzeChannels(graph),
): Compensation[] {
  const moments = expectedActivations(graph, weights);
  const out: Compensation[] = [];
  for (const group of analysis.groups) {
    const mask = masks[group.id];
    if (mask === undefined || mask.every((v) => v !== 0)) continue;
    for (const layer of group.consumers) {
      const input = nodeByName(graph, layer).inputs[0]!;
      const m = moments.get(input);
      if (m === undefined) {
        out.push({ layer, into: "none", reason: `no data-free moments of "${input}"` });
        continue;
      }
      const index = analysis.nodes.get(input)!.index;
      const kernel = weights[layer]!.kernel!;
      const { shift, share } = removedContribution(
        kernel.dataSync() as Float32Array,
        kernel.shape,
        (p) => mask[index[p]!] === 0,
        m.mean,
        m.variance,
      );
      const bn = graph.nodes.find((n) => n.op === "batchnorm" && n.inputs[0] === layer);
      const stats = bn === undefined ? undefined : weights[bn.name];
      if (bn && stats?.movingMean && stats.movingVariance) {
        update(stats.movingMean, (t) => tf.sub(t, tf.tensor1d(Float32Array.from(shift))));
        update(stats.movingVariance, (t) => tf.mul(t, tf.tensor1d(Float32Array.from(share))));
        out.push({ layer, into: "batchnorm", batchnorm: bn.name });
      } else if (weights[layer]!.bias) {
        update(weights[layer]!.bias!, (t) => tf.add(t, tf.tensor1d(Float32Array.from(shift))));
        out.push({ layer, into: "bias" });
      } else {
        out.push({ layer, into: "none", reason: "no batch norm after it and no bias" });
      }
    }
  }
  return out;
}
