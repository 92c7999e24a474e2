/**
 * First-order Taylor criterion (Molchanov et al., CVPR 2019; needs data). Each channel of
 * the group gets a gate μ_c = 1 where the group's channels leave it (the inputs of its
 * consumers); the score is the mean over batches of `(∂L/∂μ_c)²`, the squared first-order
 * estimate of the loss change when the channel is removed.
 *
 * @module
 */
import { tf } from "../../backend.ts";
import { forward } from "../../exec/forward.ts";
import { nodeByName } from "../../models/ir.ts";
import type { CriterionInput, PruningCriterion } from "./types.ts";

/** The first-order Taylor criterion. */
export const taylorCriterion: PruningCriterion = {
  name: "taylor",
  needsData: true,
  score({ graph, weights, group, analysis, data }: CriterionInput): Float32Array {
    if (data === undefined || data.length === 0) {
      throw new RangeError(`Cannot score group "${group.id}" by taylor: no data`);
    }
    const exits = [...new Set(group.consumers.map((c) => nodeByName(graph, c).inputs[0]!))];
    // Expansion matrices [channels, positions]: a matMul has a gradient on wasm, a gather
    // (UnsortedSegmentSum) does not.
    const expand = exits.map((e) => {
      const index = analysis.nodes.get(e)!.index;
      const m = new Float32Array(group.channels * index.length);
      index.forEach((g, p) => (m[g * index.length + p] = 1));
      return [e, tf.tensor2d(m, [group.channels, index.length])] as const;
    });
    try {
      const total = tf.tidy(() => {
        let sum: tf.Tensor = tf.zeros([group.channels]);
        for (const { x, y } of data) {
          const grad = tf.grad((mu: tf.Tensor): tf.Scalar => {
            const masks = Object.fromEntries(
              expand.map(([e, m]) => [e, tf.reshape(tf.matMul(tf.reshape(mu, [1, -1]), m), [-1])]),
            );
            const logits = forward(graph, weights, x, { hooks: { masks } });
            return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
          });
          sum = tf.add(sum, tf.square(grad(tf.ones([group.channels]))));
        }
        return tf.div(sum, data.length);
      });
      const scores = Float32Array.from(total.dataSync());
      total.dispose();
      return scores;
    } finally {
      for (const [, m] of expand) m.dispose();
    }
  },
};
