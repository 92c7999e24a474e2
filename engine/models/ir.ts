/**
 * The graph IR: a framework-neutral description of a feed-forward vision network, in
 * topological order, with every tensor shape resolved. The cost model, the search space,
 * quantization and pruning all read this; nothing here holds tensor data.
 *
 * Shapes are per example, channels last (`[H, W, C]` for feature maps, `[N]` for vectors);
 * the batch dimension is never stored.
 *
 * @module
 */

/** Padding modes, as in tfjs / Keras. */
export type Padding = "same" | "valid";

/** Element-wise activation fused into a conv / dense layer (Keras `activation`). */
export type Activation = "linear" | "relu" | "relu6" | "softmax";

/** Fields every node has. */
interface NodeBase {
  /** Unique layer name (the Keras layer name). */
  readonly name: string;
  /** Names of the producer nodes, in argument order. */
  readonly inputs: readonly string[];
  /** Output shape per example (no batch dimension). */
  readonly outShape: readonly number[];
}

/** The graph input. */
export interface InputNode extends NodeBase {
  readonly op: "input";
}

/** 2-D convolution (`Conv2D`), weights `[kh, kw, cin, cout]` (+ bias `[cout]`). */
export interface Conv2DNode extends NodeBase {
  readonly op: "conv2d";
  readonly kernel: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly padding: Padding;
  readonly filters: number;
  readonly useBias: boolean;
  readonly activation: Activation;
}

/** Depthwise convolution (`DepthwiseConv2D`), weights `[kh, kw, cin, multiplier]`. */
export interface DepthwiseNode extends NodeBase {
  readonly op: "depthwise";
  readonly kernel: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly padding: Padding;
  readonly depthMultiplier: number;
  readonly useBias: boolean;
  readonly activation: Activation;
}

/** Fully connected layer (`Dense`), weights `[in, units]` (+ bias `[units]`). */
export interface DenseNode extends NodeBase {
  readonly op: "dense";
  readonly units: number;
  readonly useBias: boolean;
  readonly activation: Activation;
}

/** Batch normalization over the last axis: gamma, beta, moving mean, moving variance. */
export interface BatchNormNode extends NodeBase {
  readonly op: "batchnorm";
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
}

/** A stand-alone activation (`ReLU`, `Activation('relu')`, `ReLU(max_value=6)`). */
export interface ActivationNode extends NodeBase {
  readonly op: "activation";
  readonly activation: Activation;
}

/** Max or average pooling. */
export interface PoolNode extends NodeBase {
  readonly op: "maxpool" | "avgpool";
  readonly poolSize: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly padding: Padding;
}

/** Element-wise sum of two or more inputs of the same shape (`Add`). */
export interface AddNode extends NodeBase {
  readonly op: "add";
}

/** Shape-only and identity-at-inference layers. */
export interface ReshapeLikeNode extends NodeBase {
  readonly op: "flatten" | "gap" | "dropout";
}

/** Any node of the IR, discriminated by `op`. */
export type GraphNode =
  | InputNode
  | Conv2DNode
  | DepthwiseNode
  | DenseNode
  | BatchNormNode
  | ActivationNode
  | PoolNode
  | AddNode
  | ReshapeLikeNode;

/** Every `op` tag of the IR. */
export type OpKind = GraphNode["op"];

/** A whole network: nodes in topological order, one input, one output. */
export interface Graph {
  /** Model name (zoo name or the model.json's name). */
  readonly name: string;
  /** Nodes in topological order; `nodes[0]` is the input. */
  readonly nodes: readonly GraphNode[];
  /** Name of the node whose output is the network output. */
  readonly output: string;
}

/** Nodes that carry weights and that the search configures (bits, width). */
export type ComputeNode = Conv2DNode | DepthwiseNode | DenseNode;

/** True for the layers the search configures: conv2d, depthwise, dense. */
export function isComputeNode(node: GraphNode): node is ComputeNode {
  return node.op === "conv2d" || node.op === "depthwise" || node.op === "dense";
}

/** Looks a node up by name; throws a RangeError naming the missing node. */
export function nodeByName(graph: Graph, name: string): GraphNode {
  const node = graph.nodes.find((n) => n.name === name);
  if (!node) {
    throw new RangeError(`Cannot find node "${name}" in graph "${graph.name}"`);
  }
  return node;
}

/** Input shape of a node (the output shape of its first producer). */
export function inShape(graph: Graph, node: GraphNode): readonly number[] {
  const first = node.inputs[0];
  if (first === undefined) return node.outShape;
  return nodeByName(graph, first).outShape;
}

/** Multiply-accumulates of one example through a compute node (0 for other ops). */
export function macs(graph: Graph, node: GraphNode): number {
  switch (node.op) {
    case "conv2d": {
      const cin = inShape(graph, node).at(-1) ?? 0;
      const [oh = 0, ow = 0, cout = 0] = node.outShape;
      return oh * ow * cout * node.kernel[0] * node.kernel[1] * cin;
    }
    case "depthwise": {
      const [oh = 0, ow = 0, cout = 0] = node.outShape;
      return oh * ow * cout * node.kernel[0] * node.kernel[1];
    }
    case "dense": {
      const inp = inShape(graph, node).reduce((a, b) => a * b, 1);
      return inp * node.units;
    }
    default:
      return 0;
  }
}

/** Number of weight parameters (kernel only, bias excluded) of a compute node. */
export function weightCount(graph: Graph, node: ComputeNode): number {
  const cin = inShape(graph, node).at(-1) ?? 0;
  switch (node.op) {
    case "conv2d":
      return node.kernel[0] * node.kernel[1] * cin * node.filters;
    case "depthwise":
      return node.kernel[0] * node.kernel[1] * cin * node.depthMultiplier;
    case "dense":
      return inShape(graph, node).reduce((a, b) => a * b, 1) * node.units;
  }
}
