/**
 * One function per IR op, computing exactly what the matching tfjs-layers layer computes.
 *
 * @module
 */
import { tf } from "../backend.ts";
import type {
  Activation,
  BatchNormNode,
  Conv2DNode,
  DenseNode,
  DepthwiseNode,
  GraphNode,
  PoolNode,
} from "../models/ir.ts";
import type { WeightName } from "./weights.ts";

/** Reads a (hooked) weight of the current layer; undefined when the layer lacks it. */
export type WeightReader = (name: WeightName) => tf.Tensor | undefined;

/** Batch statistics of one batch-norm layer in training mode. */
export interface BatchStats {
  readonly mean: tf.Tensor;
  readonly variance: tf.Tensor;
}

function need(read: WeightReader, node: GraphNode, name: WeightName): tf.Tensor {
  const t = read(name);
  if (t === undefined) {
    throw new RangeError(`Cannot run layer "${node.name}": weight "${name}" is missing`);
  }
  return t;
}

/** Applies an activation as tfjs-layers does (relu6 = min(6, max(0, x)), one wasm kernel). */
export function activate(x: tf.Tensor, activation: Activation): tf.Tensor {
  switch (activation) {
    case "linear":
      return x;
    case "relu":
      return tf.relu(x);
    case "relu6":
      return tf.relu6(x);
    case "softmax":
      return tf.softmax(x);
  }
}

/**
 * Adds the bias, then the activation. Not fused: wasm's fused kernels reject a bias whose
 * storage was reshaped (e.g. produced by `gather` or by a quantizer hook).
 */
function biasAndActivate(y: tf.Tensor, bias: tf.Tensor | undefined, a: Activation): tf.Tensor {
  return activate(bias === undefined ? y : tf.add(y, bias), a);
}

/** Conv2D: same padding, strides, dilation; bias and activation fused when possible. */
export function conv2d(node: Conv2DNode, x: tf.Tensor4D, read: WeightReader): tf.Tensor {
  const filter = need(read, node, "kernel") as tf.Tensor4D;
  const bias = node.useBias ? need(read, node, "bias") : undefined;
  const y = tf.conv2d(x, filter, [...node.strides], node.padding, "NHWC", [...node.dilation]);
  return biasAndActivate(y, bias, node.activation);
}

/** DepthwiseConv2D. */
export function depthwise(node: DepthwiseNode, x: tf.Tensor4D, read: WeightReader): tf.Tensor {
  const filter = need(read, node, "kernel") as tf.Tensor4D;
  const bias = node.useBias ? need(read, node, "bias") : undefined;
  const y = tf.depthwiseConv2d(
    x,
    filter,
    [...node.strides],
    node.padding,
    "NHWC",
    [...node.dilation],
  );
  return biasAndActivate(y, bias, node.activation);
}

/** Dense on a rank-2 input. */
export function dense(node: DenseNode, x: tf.Tensor2D, read: WeightReader): tf.Tensor {
  const b = need(read, node, "kernel") as tf.Tensor2D;
  const bias = node.useBias ? need(read, node, "bias") : undefined;
  return biasAndActivate(tf.matMul(x, b), bias, node.activation);
}

/**
 * Batch normalization over the last axis. Inference: moving statistics. Training: batch
 * statistics (biased variance, as tfjs-layers), returned for the moving-average update.
 */
export function batchNorm(
  node: BatchNormNode,
  x: tf.Tensor,
  read: WeightReader,
  training: boolean,
): { y: tf.Tensor; stats?: BatchStats } {
  const gamma = node.scale ? need(read, node, "gamma") : undefined;
  const beta = node.center ? need(read, node, "beta") : undefined;
  if (!training) {
    const mean = need(read, node, "movingMean");
    const variance = need(read, node, "movingVariance");
    return { y: tf.batchNorm(x, mean, variance, beta, gamma, node.epsilon) };
  }
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  const y = tf.batchNorm(x, mean, variance, beta, gamma, node.epsilon);
  return { y, stats: { mean, variance } };
}

/** Max or average pooling. */
export function pool(node: PoolNode, x: tf.Tensor4D): tf.Tensor {
  const size: [number, number] = [node.poolSize[0], node.poolSize[1]];
  const strides: [number, number] = [node.strides[0], node.strides[1]];
  return node.op === "maxpool"
    ? tf.maxPool(x, size, strides, node.padding)
    : tf.avgPool(x, size, strides, node.padding);
}

/** Element-wise sum, left to right (as the Keras `Add` layer). */
export function add(xs: readonly tf.Tensor[]): tf.Tensor {
  return xs.slice(1).reduce((acc, t) => tf.add(acc, t), xs[0]!);
}

/** Flatten in NHWC order to `[N, -1]`. */
export function flatten(x: tf.Tensor): tf.Tensor {
  return tf.reshape(x, [x.shape[0]!, -1]);
}

/** Global average pooling over H and W. */
export function gap(x: tf.Tensor): tf.Tensor {
  return tf.mean(x, [1, 2]);
}
