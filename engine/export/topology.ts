/**
 * The Keras / tfjs `modelTopology` of a graph IR, built with tfjs-layers so that stock tfjs
 * tooling reads it (`tf.models.modelFromJSON`), and `graphFromLayersModel` of the rebuilt
 * model gives the graph back. Dropout layers get rate 0 (the IR keeps no rate; they are
 * the identity at inference).
 *
 * @module
 */
import { tf } from "../backend.ts";
import type { Graph, GraphNode } from "../models/ir.ts";

type SymT = tf.SymbolicTensor;

function layerOf(node: GraphNode): tf.layers.Layer {
  const name = node.name;
  switch (node.op) {
    case "conv2d":
      return tf.layers.conv2d({
        name,
        filters: node.filters,
        kernelSize: [...node.kernel],
        strides: [...node.strides],
        dilationRate: [...node.dilation],
        padding: node.padding,
        useBias: node.useBias,
        activation: node.activation,
      });
    case "depthwise":
      return tf.layers.depthwiseConv2d({
        name,
        kernelSize: [...node.kernel],
        strides: [...node.strides],
        dilationRate: [...node.dilation],
        padding: node.padding,
        depthMultiplier: node.depthMultiplier,
        useBias: node.useBias,
        activation: node.activation,
      });
    case "dense":
      return tf.layers.dense({
        name,
        units: node.units,
        useBias: node.useBias,
        activation: node.activation,
      });
    case "batchnorm":
      return tf.layers.batchNormalization({
        name,
        axis: -1,
        epsilon: node.epsilon,
        center: node.center,
        scale: node.scale,
      });
    case "activation":
      return node.activation === "relu6"
        ? tf.layers.reLU({ name, maxValue: 6 })
        : tf.layers.activation({ name, activation: node.activation });
    case "maxpool":
    case "avgpool": {
      const args = {
        name,
        poolSize: [...node.poolSize] as [number, number],
        strides: [...node.strides] as [number, number],
        padding: node.padding,
      };
      return node.op === "maxpool"
        ? tf.layers.maxPooling2d(args)
        : tf.layers.averagePooling2d(args);
    }
    case "add":
      return tf.layers.add({ name });
    case "flatten":
      return tf.layers.flatten({ name });
    case "gap":
      return tf.layers.globalAveragePooling2d({ name });
    case "dropout":
      return tf.layers.dropout({ name, rate: 0 });
    case "input":
      throw new RangeError(`Cannot build input node "${name}" as a layer`);
  }
}

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
  const first = graph.nodes[0];
  if (first?.op !== "input") {
    throw new RangeError(`Cannot build graph "${graph.name}": its first node is not the input`);
  }
  const values = new Map<string, SymT>();
  const input = tf.input({ shape: [...first.outShape], name: first.name });
  values.set(first.name, input);
  for (const node of graph.nodes.slice(1)) {
    const xs = node.inputs.map((n) => {
      const v = values.get(n);
      if (v === undefined) {
        throw new RangeError(`Cannot build layer "${node.name}": input "${n}" comes later`);
      }
      return v;
    });
    const y = layerOf(node).apply(node.op === "add" ? xs : xs[0]!) as SymT;
    values.set(node.name, y);
  }
  const output = values.get(graph.output);
  if (output === undefined) {
    throw new RangeError(`Cannot build graph "${graph.name}": no output node "${graph.output}"`);
  }
  return tf.model({ inputs: input, outputs: output, name: graph.name });
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
