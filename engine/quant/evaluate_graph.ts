/**
 * Accuracy and loss of a (Graph, Weights) pair on a data set through the executor, with
 * optional hooks (fake quantization, masks).
 *
 * @module
 */
import type { Dataset } from "../data/dataset.ts";
import { forward } from "../exec/forward.ts";
import type { ExecHooks } from "../exec/hooks.ts";
import type { Weights } from "../exec/weights.ts";
import type { Graph } from "../models/ir.ts";
import { evaluateLogits } from "../train/evaluate.ts";

/** Default evaluation batch size. @default 256 */
export const DEFAULT_EVAL_BATCH = 256;

/** Accuracy (fraction) and mean softmax cross-entropy. */
export interface GraphEvalResult {
  readonly accuracy: number;
  readonly loss: number;
}

/** Options of {@linkcode evaluateGraph}. */
export interface EvaluateGraphOptions {
  readonly hooks?: ExecHooks;
  /** @default {@linkcode DEFAULT_EVAL_BATCH} */
  readonly batchSize?: number;
}

/**
 * Runs `graph` in inference mode over `ds` and returns accuracy and mean cross-entropy.
 *
 * @example
 * ```ts
 * import { initBackend } from "../backend.ts";
 * import { buildZooModel } from "../models/zoo.ts";
 * import { graphFromLayersModel } from "../models/from_layers.ts";
 * import { disposeWeights, weightsFromLayersModel } from "../exec/weights.ts";
 * import { syntheticDataset } from "../data/synthetic.ts";
 * import { evaluateGraph } from "./evaluate_graph.ts";
 * await initBackend("cpu");
 * const model = buildZooModel("cnn-s");
 * const graph = graphFromLayersModel(model);
 * const weights = weightsFromLayersModel(model, graph);
 * const r = evaluateGraph(graph, weights, syntheticDataset({ n: 8, seed: 1 }));
 * console.assert(r.accuracy >= 0 && r.accuracy <= 1);
 * disposeWeights(weights);
 * ```
 */
export function evaluateGraph(
  graph: Graph,
  weights: Weights,
  ds: Dataset,
  opts: EvaluateGraphOptions = {},
): GraphEvalResult {
  const batchSize = opts.batchSize ?? DEFAULT_EVAL_BATCH;
  return evaluateLogits(
    ds,
    batchSize,
    (x) => forward(graph, weights, x, opts.hooks ? { hooks: opts.hooks } : {}),
  );
}
