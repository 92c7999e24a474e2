/**
 * Forward-pass helpers of the reconstruction fits: the output of one node of a network,
 * and a loop over the first examples of a seeded shuffle.
 *
 * @module
 */
import { tf } from "../backend.ts";
import { batches } from "../data/batches.ts";
import type { Dataset } from "../data/dataset.ts";
import { forward } from "../exec/forward.ts";
import type { Weights } from "../exec/weights.ts";
import type { Graph } from "../models/ir.ts";

/** A network: its graph and weights. */
export type Net = { readonly graph: Graph; readonly weights: Weights };

/** Runs `net` on `x` and returns the output of node `name` (the caller disposes it). */
export function outputOf(net: Net, x: tf.Tensor4D, name: string): tf.Tensor {
  let got: tf.Tensor | undefined;
  const out = forward(net.graph, net.weights, x, {
    hooks: {
      output: (node, y) => {
        if (node.name === name) got = tf.keep(y.clone());
        return y;
      },
    },
  });
  out.dispose();
  if (!got) throw new RangeError(`Cannot capture node "${name}" of graph "${net.graph.name}"`);
  return got;
}

export type Loop = { readonly limit: number; readonly batchSize: number; readonly seed: number };

/** Calls `fn` with each batch of the first `o.limit` examples of a seeded shuffle. */
export function eachBatch(data: Dataset, o: Loop, fn: (x: tf.Tensor4D) => void): void {
  let used = 0;
  for (const b of batches(data, { batchSize: o.batchSize, seed: o.seed })) {
    if (used >= o.limit) break;
    const size = Math.min(b.size, o.limit - used);
    used += size;
    const values = b.x.subarray(0, size * data.height * data.width * data.channels);
    const x = tf.tensor4d(values, [size, data.height, data.width, data.channels]);
    try {
      fn(x);
    } finally {
      x.dispose();
    }
  }
}
