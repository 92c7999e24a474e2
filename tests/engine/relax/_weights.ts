/**
 * Seeded random weights for the IR-only test graphs (tests/fixtures/graphs.ts).
 *
 * @module
 */
import type { WeightArray, WeightName, Weights } from "../../../engine/exec/weights.ts";
import { weightsFromArrays } from "../../../engine/exec/weights.ts";
import { type Graph, inShape } from "../../../engine/models/ir.ts";
import { createRng } from "../../../engine/rng.ts";

/** He-style normal kernels, small biases, batch norms near identity; same seed, same weights. */
export function randomWeights(graph: Graph, seed: number): Weights {
  const rng = createRng(seed);
  const arr = (shape: number[], scale: number, offset = 0): WeightArray => ({
    shape,
    data: Float32Array.from(
      { length: shape.reduce((a, b) => a * b, 1) },
      () => offset + scale * rng.normal(),
    ),
  });
  const out: Record<string, Partial<Record<WeightName, WeightArray>>> = {};
  for (const node of graph.nodes) {
    const cin = inShape(graph, node).at(-1) ?? 1;
    if (node.op === "conv2d") {
      const [kh, kw] = node.kernel;
      out[node.name] = {
        kernel: arr([kh, kw, cin, node.filters], Math.sqrt(2 / (kh * kw * cin))),
        ...(node.useBias ? { bias: arr([node.filters], 0.05) } : {}),
      };
    } else if (node.op === "depthwise") {
      const [kh, kw] = node.kernel;
      out[node.name] = {
        kernel: arr([kh, kw, cin, node.depthMultiplier], Math.sqrt(2 / (kh * kw))),
      };
    } else if (node.op === "dense") {
      const n = inShape(graph, node).reduce((a, b) => a * b, 1);
      out[node.name] = {
        kernel: arr([n, node.units], Math.sqrt(1 / n)),
        ...(node.useBias ? { bias: arr([node.units], 0.05) } : {}),
      };
    } else if (node.op === "batchnorm") {
      const c = node.outShape.at(-1)!;
      out[node.name] = {
        gamma: arr([c], 0.1, 1),
        beta: arr([c], 0.1),
        movingMean: arr([c], 0.1),
        movingVariance: { shape: [c], data: new Float32Array(c).fill(1) },
      };
    }
  }
  return weightsFromArrays(out);
}
