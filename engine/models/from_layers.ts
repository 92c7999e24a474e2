/**
 * Converts a tfjs `LayersModel` (Sequential or functional) into the graph IR.
 *
 * @module
 */
import type { tf } from "../backend.ts";
import type { Graph, GraphNode } from "./ir.ts";
import { layerToNode, SUPPORTED_LAYER_CLASSES, UnsupportedLayerError } from "./layer_to_node.ts";

export { SUPPORTED_LAYER_CLASSES, UnsupportedLayerError };

type Layer = tf.layers.Layer;

function producers(layer: Layer): string[] {
  const node = layer.inboundNodes[0];
  return node ? node.inboundLayers.map((l) => l.name) : [];
}

/**
 * Builds the graph IR of a single-input, single-output tfjs LayersModel: nodes in
 * topological order (input first), per-example output shapes, layer settings.
 * Throws {@linkcode UnsupportedLayerError} naming the first layer it cannot represent.
 *
 * @example
 * ```ts
 * import { initBackend } from "../backend.ts";
 * import { buildZooModel } from "./zoo.ts";
 * import { graphFromLayersModel } from "./from_layers.ts";
 * await initBackend("cpu");
 * const graph = graphFromLayersModel(buildZooModel("cnn-s"));
 * console.assert(graph.nodes[0]!.op === "input");
 * ```
 */
export function graphFromLayersModel(model: tf.LayersModel): Graph {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new RangeError(
      `Cannot convert model "${model.name}": it has ${model.inputs.length} inputs and ` +
        `${model.outputs.length} outputs; expected 1 and 1`,
    );
  }
  const inputLayer = model.inputs[0]!.sourceLayer;
  const layers = [inputLayer, ...model.layers.filter((l) => l !== inputLayer)];
  const byName = new Map(layers.map((l) => [l.name, l]));
  const done = new Set<string>();
  const nodes: GraphNode[] = [];
  // Kahn's algorithm, stable in model.layers order.
  let pending = layers;
  while (pending.length > 0) {
    const next: Layer[] = [];
    for (const layer of pending) {
      const ins = layer === inputLayer ? [] : producers(layer);
      for (const name of ins) {
        if (!byName.has(name)) {
          throw new RangeError(
            `Cannot convert model "${model.name}": layer "${layer.name}" reads "${name}", ` +
              `which is not in the model`,
          );
        }
      }
      if (ins.every((n) => done.has(n))) {
        const first = ins[0] === undefined ? undefined : nodes.find((n) => n.name === ins[0]);
        nodes.push(layerToNode(layer, ins, first?.outShape.length ?? 0));
        done.add(layer.name);
      } else {
        next.push(layer);
      }
    }
    if (next.length === pending.length) {
      throw new RangeError(`Cannot convert model "${model.name}": its layers form a cycle`);
    }
    pending = next;
  }
  const output = model.outputs[0]!.sourceLayer.name;
  return { name: model.name, nodes, output };
}
