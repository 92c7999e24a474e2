/**
 * Weights of a graph, held apart from any framework model: per layer name, named tensors
 * (`kernel`, `bias`, `gamma`, `beta`, `movingMean`, `movingVariance`) as `tf.Variable`s.
 * Kernels, biases, gammas and betas are trainable; moving statistics are not.
 *
 * @module
 */
import { tf } from "../backend.ts";
import type { Graph } from "../models/ir.ts";

/** Names of the tensors a layer can hold. A depthwise kernel is called `kernel` too. */
export type WeightName = "kernel" | "bias" | "gamma" | "beta" | "movingMean" | "movingVariance";

/** Every {@linkcode WeightName}, in Keras order. */
export const WEIGHT_NAMES: readonly WeightName[] = [
  "kernel",
  "bias",
  "gamma",
  "beta",
  "movingMean",
  "movingVariance",
];

/** The tensors of one layer. */
export type LayerTensors = Partial<Record<WeightName, tf.Variable>>;

/** Weights of a whole graph, by layer name. Layers without weights are absent. */
export type Weights = Readonly<Record<string, LayerTensors>>;

/** Raw weight data of one tensor: row-major values and shape. */
export interface WeightArray {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** Whether a tensor of that name is trained by gradient descent (moving stats are not). */
export function isTrainableWeight(name: WeightName): boolean {
  return name !== "movingMean" && name !== "movingVariance";
}

const KERAS_NAMES: Readonly<Record<string, WeightName>> = {
  kernel: "kernel",
  depthwise_kernel: "kernel",
  bias: "bias",
  gamma: "gamma",
  beta: "beta",
  moving_mean: "movingMean",
  moving_variance: "movingVariance",
};

function weightNameOf(layer: string, kerasName: string): WeightName {
  const short = kerasName.split("/").at(-1)!.replace(/_\d+$/, "");
  const name = KERAS_NAMES[short];
  if (name === undefined) {
    throw new RangeError(`Cannot map weight "${kerasName}" of layer "${layer}" to a WeightName`);
  }
  return name;
}

function variableOf(t: tf.Tensor, name: WeightName): tf.Variable {
  return tf.variable(t, isTrainableWeight(name));
}

/**
 * Copies the weights of a LayersModel into fresh variables, for the layers of `graph`.
 *
 * @example
 * ```ts
 * import { initBackend } from "../backend.ts";
 * import { buildZooModel } from "../models/zoo.ts";
 * import { graphFromLayersModel } from "../models/from_layers.ts";
 * import { disposeWeights, weightsFromLayersModel } from "./weights.ts";
 * await initBackend("cpu");
 * const model = buildZooModel("cnn-s");
 * const weights = weightsFromLayersModel(model, graphFromLayersModel(model));
 * console.assert(weights.conv1!.kernel!.shape.length === 4);
 * disposeWeights(weights);
 * ```
 */
export function weightsFromLayersModel(model: tf.LayersModel, graph: Graph): Weights {
  const out: Record<string, LayerTensors> = {};
  for (const node of graph.nodes) {
    const layer = model.getLayer(node.name);
    const tensors: LayerTensors = {};
    for (const w of layer.weights) {
      const name = weightNameOf(layer.name, w.originalName);
      tensors[name] = variableOf(w.read(), name);
    }
    if (Object.keys(tensors).length > 0) out[node.name] = tensors;
  }
  return out;
}

/**
 * Writes `weights` back into the matching layers of `model` (for saving with the usual
 * LayersModel code). Shapes must match; a layer weight missing from `weights` is an error.
 */
export function applyWeightsToLayersModel(weights: Weights, model: tf.LayersModel): void {
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue;
    const tensors = weights[layer.name];
    if (tensors === undefined) {
      throw new RangeError(`Cannot write weights: layer "${layer.name}" has none in Weights`);
    }
    const values = layer.weights.map((w) => {
      const t = tensors[weightNameOf(layer.name, w.originalName)];
      if (t === undefined) {
        throw new RangeError(
          `Cannot write weight "${w.originalName}" of layer "${layer.name}": missing in Weights`,
        );
      }
      return t;
    });
    layer.setWeights(values);
  }
}

/** Builds weights from raw arrays (e.g. after surgery); every tensor becomes a variable. */
export function weightsFromArrays(
  arrays: Readonly<Record<string, Partial<Record<WeightName, WeightArray>>>>,
): Weights {
  const out: Record<string, LayerTensors> = {};
  for (const [layer, named] of Object.entries(arrays)) {
    const tensors: LayerTensors = {};
    for (const [name, a] of Object.entries(named) as [WeightName, WeightArray][]) {
      tensors[name] = tf.tidy(() => variableOf(tf.tensor(a.data, [...a.shape]), name));
    }
    out[layer] = tensors;
  }
  return out;
}

/** Reads every tensor of `weights` into raw arrays (synchronously). */
export function weightsToArrays(
  weights: Weights,
): Record<string, Partial<Record<WeightName, WeightArray>>> {
  const out: Record<string, Partial<Record<WeightName, WeightArray>>> = {};
  for (const [layer, tensors] of Object.entries(weights)) {
    const named: Partial<Record<WeightName, WeightArray>> = {};
    for (const [name, t] of Object.entries(tensors) as [WeightName, tf.Variable][]) {
      named[name] = { shape: t.shape, data: t.dataSync() as Float32Array };
    }
    out[layer] = named;
  }
  return out;
}

/** Deep copy: new variables with the same values. */
export function cloneWeights(weights: Weights): Weights {
  const out: Record<string, LayerTensors> = {};
  for (const [layer, tensors] of Object.entries(weights)) {
    const copy: LayerTensors = {};
    for (const [name, t] of Object.entries(tensors) as [WeightName, tf.Variable][]) {
      copy[name] = variableOf(t, name);
    }
    out[layer] = copy;
  }
  return out;
}

/** The trainable variables of `weights` (pass them as `varList` to an optimizer). */
export function trainableVariables(weights: Weights): tf.Variable[] {
  return Object.values(weights).flatMap((tensors) =>
    (Object.entries(tensors) as [WeightName, tf.Variable][])
      .filter(([name]) => isTrainableWeight(name))
      .map(([, t]) => t)
  );
}

/** Disposes every variable of `weights`. */
export function disposeWeights(weights: Weights): void {
  for (const tensors of Object.values(weights)) {
    for (const t of Object.values(tensors)) t?.dispose();
  }
}

/** The named tensor of a layer; throws a RangeError naming what is missing. */
export function weightOf(weights: Weights, layer: string, name: WeightName): tf.Variable {
  const t = weights[layer]?.[name];
  if (t === undefined) {
    throw new RangeError(`Cannot find weight "${name}" of layer "${layer}" in Weights`);
  }
  return t;
}
