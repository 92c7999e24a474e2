/**
 * Builds a tfjs LayersModel from (Graph, Weights), e.g. after pruning surgery, so the
 * existing LayersModel save/export code can write it. Layer names are kept.
 *
 * @module
 */
import { tf } from "../backend.ts";
import type { Graph, GraphNode } from "../models/ir.ts";
import { DEFAULT_BN_MOMENTUM, type ExecSettings } from "./settings.ts";
import { applyWeightsToLayersModel, type Weights } from "./weights.ts";

type SymT = tf.SymbolicTensor;

function layerOf(node: GraphNode, settings?: ExecSettings): tf.layers.Layer {
  const name = node.name;
  switch (node.op) {
    case "conv2d":
      return tf.layers.conv2d({
        name,
        filters: node.filters,
        kernelSize: [...node.kernel],
        strides: [...node.strides],
        dilationRate: [...node.dilation] as [number, number],
        padding: node.padding,
        useBias: node.useBias,
        activation: node.activation,
      });
    case "depthwise":
      return tf.layers.depthwiseConv2d({
        name,
        kernelSize: [...node.kernel],
        strides: [...node.strides],
        dilationRate: [...node.dilation] as [number, number],
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
        epsilon: node.epsilon,
        center: node.center,
        scale: node.scale,
        momentum: settings?.bnMomentum[name] ?? DEFAULT_BN_MOMENTUM,
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
      return tf.layers.dropout({ name, rate: settings?.dropout[name]?.rate ?? 0 });
    case "input":
      throw new RangeError(`Cannot make a layer of input node "${name}"`);
  }
}

/**
 * A LayersModel computing the graph with the given weights (copied in). Batch-norm
 * momenta and dropout rates come from `settings` (defaults: 0.99 and rate 0).
 *
 * @example
 * ```ts
 * import { initBackend } from "../backend.ts";
 * import { buildZooModel } from "../models/zoo.ts";
 * import { graphFromLayersModel } from "../models/from_layers.ts";
 * import { disposeWeights, weightsFromLayersModel } from "./weights.ts";
 * import { layersModelFromGraph } from "./to_layers.ts";
 * await initBackend("cpu");
 * const graph = graphFromLayersModel(buildZooModel("cnn-s"));
 * const weights = weightsFromLayersModel(buildZooModel("cnn-s"), graph);
 * const model = layersModelFromGraph(graph, weights);
 * console.assert(model.getLayer("conv1") !== undefined);
 * disposeWeights(weights);
 * ```
 */
export function layersModelFromGraph(
  graph: Graph,
  weights: Weights,
  settings?: ExecSettings,
): tf.LayersModel {
  const model = buildLayersModel(graph, settings);
  applyWeightsToLayersModel(weights, model);
  return model;
}

/**
 * A LayersModel with the graph's topology and fresh (random) weights; throws a RangeError
 * for a graph whose first node is not the input, whose node reads a later node, or whose
 * output is missing.
 */
export function buildLayersModel(graph: Graph, settings?: ExecSettings): tf.LayersModel {
  const first = graph.nodes[0];
  if (first?.op !== "input") {
    throw new RangeError(`Cannot build graph "${graph.name}": its first node is not the input`);
  }
  const input = tf.input({ shape: [...first.outShape], name: first.name });
  const values = new Map<string, SymT>([[first.name, input]]);
  for (const node of graph.nodes.slice(1)) {
    const xs = node.inputs.map((n) => {
      const v = values.get(n);
      if (v === undefined) {
        throw new RangeError(`Cannot build layer "${node.name}": input "${n}" comes later`);
      }
      return v;
    });
    const y = layerOf(node, settings).apply(node.op === "add" ? xs : xs[0]!) as SymT;
    values.set(node.name, y);
  }
  const output = values.get(graph.output);
  if (output === undefined) {
    throw new RangeError(`Cannot build graph "${graph.name}": no output node "${graph.output}"`);
  }
  return tf.model({ inputs: input, outputs: output, name: graph.name });
}
