/**
 * The export input of a post-training-quantized model: exactly the state `quantize()`
 * evaluates (folded graph, folded and bias-corrected float weights, kernel and activation
 * parameters), so an export and the fake-quant evaluation cannot disagree. Used by
 * `deno task export`.
 *
 * @module
 */
import { weightsToArrays } from "../exec/weights.ts";
import type { QuantizedModel } from "../quant/quantized_model.ts";
import type { ExportInput } from "./build.ts";
import { completeConfig } from "./min_max_state.ts";

/**
 * The {@linkcode ExportInput} of `q` (the weights are copied out of its variables; `q`
 * can be disposed afterwards).
 *
 * @example
 * ```ts
 * import { initBackend } from "../backend.ts";
 * import { buildZooModel } from "../models/zoo.ts";
 * import { graphFromLayersModel } from "../models/from_layers.ts";
 * import { disposeWeights, weightsFromLayersModel } from "../exec/weights.ts";
 * import { uniformConfig } from "../quant/act_targets.ts";
 * import { quantize } from "../quant/ptq.ts";
 * import { exportInputOf } from "./from_quantized.ts";
 * await initBackend("cpu");
 * const model = buildZooModel("cnn-s");
 * const graph = graphFromLayersModel(model);
 * const weights = weightsFromLayersModel(model, graph);
 * const q = quantize(graph, weights, uniformConfig(graph, { wbits: 4, abits: 8 }));
 * const input = exportInputOf(q);
 * console.assert(input.quant.weights.conv1!.kernel!.bits === 4);
 * q.dispose();
 * disposeWeights(weights);
 * ```
 */
export function exportInputOf(q: QuantizedModel): ExportInput {
  return {
    graph: q.graph,
    weights: weightsToArrays(q.weights),
    config: completeConfig(q.graph, q.config),
    quant: q.quantState(),
  };
}
