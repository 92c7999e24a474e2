/**
 * The batch norm after a refitted layer, rewritten for the statistics of the refitted output
 * (reconstruct.ts).
 *
 * @module
 */
import { tf } from "../backend.ts";
import type { Dataset } from "../data/dataset.ts";
import { weightOf } from "../exec/weights.ts";
import { eachBatch, type Loop, type Net, outputOf } from "./_capture.ts";

/**
 * Rewrites the batch norm `bn` after a refitted layer so that it computes what the fit
 * meant under the statistics the refitted output really has. The fit means
 * `z = γ (ŷ + b - μ) / s + β` (`s = √(σ² + ε)`, the old statistics); the new output `ŷ` has
 * mean `m` and variance `v` over the examples. With those as moving statistics, `γ' = γ s'/s`
 * (`s' = √(v + ε)`) and `β' = β + γ (b - μ + m) / s` give `z` exactly in inference, and in
 * training too, where the batch statistics are close to `m` and `v`: a batch norm that
 * re-standardised the fitted output by itself would scale it by `s / s'` instead (a fit
 * shrinks the variance of what it predicts), and the layers after it would see inputs
 * larger than the ones they were fitted on.
 */
export function restandardize(
  small: Net,
  layer: string,
  bn: string,
  b: Float32Array,
  data: Dataset,
  o: Loop,
): void {
  const node = small.graph.nodes.find((n) => n.name === bn)!;
  const eps = node.op === "batchnorm" ? node.epsilon : 1e-3;
  const c = b.length;
  const sum = new Float64Array(c), sq = new Float64Array(c);
  let rows = 0;
  eachBatch(data, o, (x) => {
    const y = outputOf(small, x, layer);
    const [s1, s2] = tf.tidy(() => {
      const flat = tf.reshape(y, [-1, c]);
      return [tf.sum(flat, 0).dataSync(), tf.sum(tf.square(flat), 0).dataSync()];
    });
    rows += y.size / c;
    y.dispose();
    for (let i = 0; i < c; i++) {
      sum[i]! += s1[i]!;
      sq[i]! += s2[i]!;
    }
  });
  const t = small.weights[bn]!;
  if (!t.gamma) {
    // No scale to absorb the new variance: fold the intercept into the mean only.
    const mv = weightOf(small.weights, bn, "movingMean");
    tf.tidy(() => mv.assign(tf.sub(mv, tf.tensor(b, mv.shape))));
    return;
  }
  const read = (v: tf.Variable | undefined, fill: number) =>
    v ? (v.dataSync() as Float32Array) : new Float32Array(c).fill(fill);
  const gamma = read(t.gamma, 1), beta = read(t.beta, 0);
  const mu = read(t.movingMean, 0), sigma2 = read(t.movingVariance, 1);
  const mean = new Float32Array(c), variance = new Float32Array(c);
  const g2 = new Float32Array(c), b2 = new Float32Array(c);
  for (let i = 0; i < c; i++) {
    const m = sum[i]! / (rows || 1);
    const v = Math.max(0, sq[i]! / (rows || 1) - m * m);
    const s = Math.sqrt(sigma2[i]! + eps), s2 = Math.sqrt(v + eps);
    mean[i] = m;
    variance[i] = v;
    g2[i] = gamma[i]! * s2 / s;
    b2[i] = beta[i]! + gamma[i]! * (b[i]! - mu[i]! + m) / s;
  }
  const set = (v: tf.Variable | undefined, values: Float32Array) => {
    if (v) tf.tidy(() => v.assign(tf.tensor(values, v.shape)));
  };
  set(t.movingMean, mean);
  set(t.movingVariance, variance);
  set(t.gamma, g2);
  set(t.beta, b2);
}
