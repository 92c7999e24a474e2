/**
 * The differentiable cost: given per-layer choice probabilities (a softmax over each layer's
 * options), the expected additive cost as a tfjs scalar,
 * `E = sum_l p_l^T C_l q_src(l) + sum_ops v_op . q_src(op)`, where `q_s` is the distribution
 * of layer s's output width (`p_s` summed per width). With independent layer choices this is
 * the exact expectation; it is linear in each `p_l`, so gradients reach the logits. Peak SRAM
 * (a max over steps) is not additive and has no expected form here.
 *
 * @module
 */
import { tf } from "../backend.ts";
import type { CostKind, CostTable } from "./table.ts";

/**
 * Expected cost of `kind` under per-layer probabilities `probs[c]` (shape
 * `[table.options[c].length]`, in `table.layers` order). Returns a scalar the caller owns.
 *
 * @example
 * ```ts ignore
 * const logits = table.options.map((o) => tf.variable(tf.zeros([o.length])));
 * const loss = () => expectedCost(table, logits.map((l) => tf.softmax(l)), "latency");
 * const { grads } = tf.variableGrads(loss);
 * ```
 */
export function expectedCost(
  table: CostTable,
  probs: readonly tf.Tensor[],
  kind: CostKind,
): tf.Scalar {
  const n = table.layers.length;
  if (probs.length !== n) {
    throw new RangeError(`Expected ${n} probability vectors (one per layer), got ${probs.length}`);
  }
  probs.forEach((p, c) => {
    if (p.size !== table.options[c]!.length) {
      throw new RangeError(
        `Probabilities of layer "${table.layers[c]}" have ${p.size} entries, ` +
          `expected ${table.options[c]!.length} (one per option)`,
      );
    }
  });
  if (kind === "energy" && !table.hasEnergy) {
    throw new RangeError(`Cannot take the expected energy: the profile has no energy model`);
  }
  return tf.tidy(() => {
    const rows = probs.map((p) => tf.reshape(p, [1, p.size]));
    const q = new Map<number, tf.Tensor2D>();
    const widthDist = (s: number): tf.Tensor2D => {
      let t = q.get(s);
      if (!t && table.widthCount[s] === 1) {
        // One width: the whole distribution sits on it (tf.oneHot needs depth >= 2).
        t = tf.reshape(tf.sum(rows[s]!), [1, 1]) as tf.Tensor2D;
        q.set(s, t);
      }
      if (!t) {
        const onehot = tf.oneHot(
          tf.tensor1d(table.widthIndex[s]!, "int32"),
          table.widthCount[s]!,
        ).toFloat() as tf.Tensor2D;
        t = tf.matMul(rows[s]!, onehot); // [1, widths]
        q.set(s, t);
      }
      return t;
    };
    const terms: tf.Tensor[] = [];
    for (let c = 0; c < n; c++) {
      const s = table.source[c]!;
      const cols = s < 0 ? 1 : table.widthCount[s]!;
      const cost = tf.tensor2d(Float32Array.from(table.costs[kind][c]!), [
        table.options[c]!.length,
        cols,
      ]);
      const perWidth = tf.matMul(rows[c]!, cost); // [1, cols]
      terms.push(s < 0 ? tf.sum(perWidth) : tf.sum(tf.mul(perWidth, widthDist(s))));
    }
    for (const t of table.ops) {
      const v = t.values[kind];
      terms.push(
        t.source < 0
          ? tf.scalar(v[0]!)
          : tf.sum(tf.mul(tf.tensor1d(Float32Array.from(v)), widthDist(t.source))),
      );
    }
    return (terms.length === 0 ? tf.scalar(0) : tf.addN(terms)) as tf.Scalar;
  });
}
