/**
 * Integrated-gradients neuron relevance (SInGE-style, needs data). Each channel of the
 * group gets a scale μ_c applied where the group's channels leave it (the inputs of its
 * consumers). Along the path μ = α·1, α from 0 to 1, the attribution of channel c is
 * `a_c = ∫ ∂L/∂μ_c dα` (right Riemann sum over `steps` points, averaged over batches);
 * by completeness `Σ_c a_c = L(1) − L(0)`. The score is `−a_c`: the loss increase that
 * the channel's presence prevents. (SInGE scales one neuron at a time; scaling the group
 * together costs one backward pass per step instead of one per channel.)
 *
 * @module
 */
import { tf } from "../../backend.ts";
import { forward } from "../../exec/forward.ts";
import type { CriterionInput, PruningCriterion } from "./types.ts";
import { nodeByName } from "../../models/ir.ts";

/** Default number of Riemann steps. */
export const DEFAULT_IG_STEPS = 4;

/** The integrated-gradients criterion. */
export const integratedGradientsCriterion: PruningCriterion = {
  name: "integrated-gradients",
  needsData: true,
  score({ graph, weights, group, analysis, data, steps }: CriterionInput): Float32Array {
    if (data === undefined || data.length === 0) {
      throw new RangeError(`Cannot score group "${group.id}" by integrated gradients: no data`);
    }
    const n = steps ?? DEFAULT_IG_STEPS;
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(`Cannot use ${n} integrated-gradient steps: expected an integer >= 1`);
    }
    const exits = [...new Set(group.consumers.map((c) => nodeByName(graph, c).inputs[0]!))];
    // Expansion matrices [channels, positions] (a gather's gradient needs
    // UnsortedSegmentSum, which the wasm backend lacks; a matMul's does not).
    const indices = exits.map((e) => {
      const index = analysis.nodes.get(e)!.index;
      const m = new Float32Array(group.channels * index.length);
      index.forEach((g, p) => (m[g * index.length + p] = 1));
      return [e, tf.tensor2d(m, [group.channels, index.length])] as const;
    });
    const total = tf.tidy(() => {
      let sum: tf.Tensor = tf.zeros([group.channels]);
      for (const { x, y } of data) {
        const lossOf = (mu: tf.Tensor): tf.Scalar => {
          const masks = Object.fromEntries(
            indices.map((
              [e, idx],
            ) => [e, tf.reshape(tf.matMul(tf.reshape(mu, [1, -1]), idx), [-1])]),
          );
          const logits = forward(graph, weights, x, { hooks: { masks } });
          return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
        };
        const grad = tf.grad(lossOf);
        for (let k = 1; k <= n; k++) {
          const g = grad(tf.fill([group.channels], k / n));
          sum = tf.add(sum, g);
        }
      }
      return tf.div(sum, -n * data.length);
    });
    const scores = total.dataSync() as Float32Array;
    total.dispose();
    for (const [, idx] of indices) idx.dispose();
    return Float32Array.from(scores);
  },
};
