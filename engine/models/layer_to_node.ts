/**
 * One tfjs layer to one graph-IR node: reads the layer's config, checks that the IR can
 * represent it, and names the layer and its class when it cannot.
 *
 * @module
 */
import type { tf } from "../backend.ts";
import type { Activation, GraphNode, Padding } from "./ir.ts";

/** Keras layer classes {@linkcode graphFromLayersModel} understands. */
export const SUPPORTED_LAYER_CLASSES: readonly string[] = [
  "InputLayer",
  "Conv2D",
  "DepthwiseConv2D",
  "Dense",
  "BatchNormalization",
  "ReLU",
  "Activation",
  "MaxPooling2D",
  "AveragePooling2D",
  "Add",
  "Flatten",
  "GlobalAveragePooling2D",
  "Dropout",
];

/** A layer (or layer setting) the graph IR cannot represent. */
export class UnsupportedLayerError extends Error {
  /** Name of the offending layer. */
  readonly layerName: string;
  /** Keras class of the offending layer. */
  readonly className: string;
  /** Builds the error; `detail` replaces the default "is not supported" reason. */
  constructor(layerName: string, className: string, detail?: string, options?: ErrorOptions) {
    super(
      `layer "${layerName}" of class ${className} ${detail ?? "is not supported"}; ` +
        `supported: ${SUPPORTED_LAYER_CLASSES.join(", ")}`,
      options,
    );
    this.name = "UnsupportedLayerError";
    this.layerName = layerName;
    this.className = className;
  }
}

type Layer = tf.layers.Layer;
type Config = Record<string, unknown>;

function perExample(layer: Layer): number[] {
  const shape = layer.outputShape;
  if (!Array.isArray(shape) || Array.isArray(shape[0])) {
    throw new UnsupportedLayerError(layer.name, layer.getClassName(), "has several outputs");
  }
  return (shape as (number | null)[]).slice(1).map((d) => {
    if (d === null) {
      throw new UnsupportedLayerError(layer.name, layer.getClassName(), "has a dynamic shape");
    }
    return d;
  });
}

function pair(value: unknown): [number, number] {
  if (typeof value === "number") return [value, value];
  const [a = 1, b = a] = value as number[];
  return [a, b];
}

function activationOf(layer: Layer, value: unknown): Activation {
  const name = value ?? "linear";
  if (name === "linear" || name === "relu" || name === "relu6" || name === "softmax") return name;
  throw new UnsupportedLayerError(
    layer.name,
    layer.getClassName(),
    `has activation "${String(name)}", which is not supported (linear, relu, relu6, softmax)`,
  );
}

function paddingOf(layer: Layer, value: unknown): Padding {
  if (value === "same" || value === "valid") return value;
  throw new UnsupportedLayerError(
    layer.name,
    layer.getClassName(),
    `has padding "${String(value)}", which is not supported`,
  );
}

function checkChannelsLast(layer: Layer, c: Config): void {
  if (c.dataFormat !== undefined && c.dataFormat !== "channelsLast") {
    throw new UnsupportedLayerError(
      layer.name,
      layer.getClassName(),
      `has dataFormat "${String(c.dataFormat)}", which is not supported (channelsLast only)`,
    );
  }
}

/**
 * Converts `layer` (whose producers are `inputs`, the first of rank `inRank` per example)
 * into an IR node; throws {@linkcode UnsupportedLayerError} when the IR cannot hold it.
 */
export function layerToNode(layer: Layer, inputs: string[], inRank: number): GraphNode {
  const cls = layer.getClassName();
  const c = layer.getConfig() as Config;
  const base = { name: layer.name, inputs, outShape: perExample(layer) };
  switch (cls) {
    case "InputLayer":
      return { ...base, op: "input" };
    case "Conv2D":
    case "DepthwiseConv2D": {
      checkChannelsLast(layer, c);
      const common = {
        ...base,
        kernel: pair(c.kernelSize),
        strides: pair(c.strides),
        dilation: pair(c.dilationRate ?? 1),
        padding: paddingOf(layer, c.padding),
        useBias: Boolean(c.useBias),
        activation: activationOf(layer, c.activation),
      };
      return cls === "Conv2D"
        ? { ...common, op: "conv2d", filters: c.filters as number }
        : { ...common, op: "depthwise", depthMultiplier: (c.depthMultiplier as number) ?? 1 };
    }
    case "Dense":
      if (inRank !== 1) {
        throw new UnsupportedLayerError(
          layer.name,
          cls,
          `on a rank-${inRank} input (flatten first)`,
        );
      }
      return {
        ...base,
        op: "dense",
        units: c.units as number,
        useBias: Boolean(c.useBias),
        activation: activationOf(layer, c.activation),
      };
    case "BatchNormalization": {
      const axis = c.axis ?? -1;
      if (axis !== -1 && axis !== base.outShape.length) {
        throw new UnsupportedLayerError(layer.name, cls, `normalizes axis ${axis}, not the last`);
      }
      return {
        ...base,
        op: "batchnorm",
        epsilon: c.epsilon as number,
        center: c.center !== false,
        scale: c.scale !== false,
      };
    }
    case "ReLU": {
      const max = c.maxValue ?? null;
      if (max !== null && max !== 6) {
        throw new UnsupportedLayerError(layer.name, cls, `has maxValue ${max} (only 6 or none)`);
      }
      return { ...base, op: "activation", activation: max === 6 ? "relu6" : "relu" };
    }
    case "Activation":
      return { ...base, op: "activation", activation: activationOf(layer, c.activation) };
    case "MaxPooling2D":
    case "AveragePooling2D": {
      checkChannelsLast(layer, c);
      const poolSize = pair(c.poolSize ?? 2);
      return {
        ...base,
        op: cls === "MaxPooling2D" ? "maxpool" : "avgpool",
        poolSize,
        strides: c.strides == null ? poolSize : pair(c.strides),
        padding: paddingOf(layer, c.padding ?? "valid"),
      };
    }
    case "Add":
      return { ...base, op: "add" };
    case "Flatten":
      return { ...base, op: "flatten" };
    case "GlobalAveragePooling2D":
      checkChannelsLast(layer, c);
      return { ...base, op: "gap" };
    case "Dropout":
      return { ...base, op: "dropout" };
    default:
      throw new UnsupportedLayerError(layer.name, cls);
  }
}
