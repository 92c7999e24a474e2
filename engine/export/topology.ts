/**
 * The Keras / tfjs `modelTopology` of a graph IR, built with tfjs-layers (through the
 * executor's `buildLayersModel`) so that stock tfjs tooling reads it
 * (`tf.models.modelFromJSON`), and `graphFromLayersModel` of the rebuilt model gives the
 * graph back. Dropout layers get rate 0 (the identity at inference).
 *
 * @module
 */
import type { tf } from "../backend.ts";
import { buildLayersModel } from "../exec/to_layers.ts";
import type { Graph } from "../models/ir.ts";

/**
 * Builds a tfjs LayersModel with the graph's topology (fresh, randomly initialized
 * weights). The caller owns (and disposes) the model. Needs an initialized backend.
 *
 * @example
 * ```ts
 * import { initBackend } from "../backend.ts";
 * import { layersModelFromGraph } from "./topology.ts";
 * await initBackend("cpu");
 * const model = layersModelFromGraph({ name: "g", output: "fc", nodes: [
 *   { name: "in", op: "input", inputs: [], outShape: [4] },
 *   { name: "fc", op: "dense", inputs: ["in"], outShape: [2], units: 2, useBias: true, activation: "linear" },
 * ] });
 * console.assert(model.outputs[0]!.shape[1] === 2);
 * model.dispose();
 * ```
 */
export function layersModelFromGraph(graph: Graph): tf.LayersModel {
  return buildLayersModel(graph);
}

/** The `modelTopology` JSON of the graph (what `model.json` stores). */
export function topologyFromGraph(graph: Graph): unknown {
  const model = layersModelFromGraph(graph);
  try {
    return model.toJSON(undefined, false);
  } finally {
    model.dispose();
  }
}
