/**
 * Bias correction (Nagel et al. 2019): quantizing a kernel shifts the mean of a layer's
 * output, `E[W_q x] - E[W x]`, and the shift adds up through the network; adding its
 * negative to the bias removes it.
 *
 * - {@linkcode correctBiasesEmpirically}: with calibration batches, layer by layer in
 *   graph order, the mean of the quantized model's pre-activation output (quantized inputs,
 *   quantized kernel, biases corrected so far) is matched to the float model's, so the
 *   shifts of earlier layers and of activation quantization are corrected too;
 * - {@linkcode dataFreeBiasShifts}: without data, `E[x]` per input channel comes from the
 *   batch norms before the layer (`expected_activations.ts`) and the shift is
 *   `-(W_q - W)·E[x]` (the zero padding at the borders is ignored).
 *
 * @module
 */
import { tf } from "../backend.ts";
import { forward, inferNode } from "../exec/forward.ts";
import { composeHooks, type ExecHooks } from "../exec/hooks.ts";
import type { Weights } from "../exec/weights.ts";
import { type ComputeNode, type Graph, isComputeNode } from "../models/ir.ts";
import type { ChannelMoments } from "./expected_activations.ts";
import type { QParams } from "./qparams.ts";
import { channelView, fakeQuantWeight } from "./weight_channels.ts";

/** Per-channel mean of the pre-activation, bias-free output of `node` on input `x`. */
function linearMean(node: ComputeNode, x: tf.Tensor, kernel: () => tf.Tensor): Float32Array {
  const m = tf.tidy(() => {
    const linear = { ...node, useBias: false, activation: "linear" } as ComputeNode;
    const k = kernel();
    const y = inferNode(linear, [x], (name) => (name === "kernel" ? k : undefined));
    return tf.mean(tf.reshape(y, [-1, y.shape.at(-1)!]), 0);
  });
  const out = Float32Array.from(m.dataSync() as Float32Array);
  m.dispose();
  return out;
}

/** For every node, the compute layers among `layers` that read it. */
function readersOf(layers: readonly ComputeNode[]): Map<string, ComputeNode[]> {
  const out = new Map<string, ComputeNode[]>();
  for (const l of layers) out.set(l.inputs[0]!, [...(out.get(l.inputs[0]!) ?? []), l]);
  return out;
}

/** Mean pre-activation outputs of `layers` over `batches`, each weighted by its size. */
function layerMeans(
  graph: Graph,
  weights: Weights,
  layers: readonly ComputeNode[],
  opts: {
    readonly batches: readonly tf.Tensor4D[];
    readonly hooks: ExecHooks;
    readonly kernel: (node: ComputeNode) => tf.Tensor;
  },
): Map<string, Float64Array> {
  const readers = readersOf(layers);
  const sums = new Map<string, Float64Array>();
  let n = 0;
  for (const x of opts.batches) {
    const capture: ExecHooks = {
      output: (node, y) => {
        for (const l of readers.get(node.name) ?? []) {
          const m = linearMean(l, y, () => opts.kernel(l));
          const s = sums.get(l.name) ?? new Float64Array(m.length);
          m.forEach((v, c) => (s[c]! += v * x.shape[0]));
          sums.set(l.name, s);
        }
        return y;
      },
    };
    forward(graph, weights, x, { hooks: composeHooks(opts.hooks, capture) }).dispose();
    n += x.shape[0];
  }
  for (const s of sums.values()) s.forEach((v, c) => (s[c] = v / n));
  return sums;
}

/** Adds `shift` (one value per output channel) to the bias variable of `layer`, in place. */
export function addBiasShift(weights: Weights, layer: string, shift: ArrayLike<number>): void {
  const b = weights[layer]?.bias;
  if (b === undefined) throw new RangeError(`Cannot correct the bias of "${layer}": it has none`);
  tf.tidy(() => b.assign(tf.add(b, tf.tensor1d(Float32Array.from(shift)))));
}

/** Options of {@linkcode correctBiasesEmpirically}. */
export interface EmpiricalBiasCorrectionOptions {
  /** Float weights of `graph` (the reference; not modified). */
  readonly reference: Weights;
  /** Calibration batches (inputs only). */
  readonly batches: readonly tf.Tensor4D[];
  /** Hooks of the quantized model (fake quantization of `weights`, masks). */
  readonly hooks: ExecHooks;
  /** Masks for the float reference passes. */
  readonly masks: ExecHooks["masks"];
  /** Kernel parameters by layer (layers absent keep float kernels). */
  readonly weightParams: Readonly<Record<string, QParams>>;
  /** The layers to correct (every one must have a bias in `weights`). */
  readonly layers: readonly string[];
}

/**
 * Corrects the biases of `opts.layers` in `weights` (in place) so that the mean
 * pre-activation output of every corrected layer in the quantized model equals the float
 * model's over `opts.batches`. Layers whose inputs do not depend on a layer still to be
 * corrected are corrected together (one quantized pass each round). Returns the shifts.
 */
export function correctBiasesEmpirically(
  graph: Graph,
  weights: Weights,
  opts: EmpiricalBiasCorrectionOptions,
): Map<string, Float32Array> {
  if (opts.batches.length === 0) {
    throw new RangeError("Cannot correct biases: no calibration batch was given");
  }
  const compute = graph.nodes.filter(isComputeNode);
  const pending = compute.filter((n) => opts.layers.includes(n.name));
  const float = layerMeans(graph, opts.reference, pending, {
    batches: opts.batches,
    hooks: { masks: opts.masks ?? {} },
    kernel: (node) => opts.reference[node.name]!.kernel!,
  });
  const ancestors = ancestorSets(graph);
  const shifts = new Map<string, Float32Array>();
  const quantKernel = (node: ComputeNode): tf.Tensor => {
    const w = weights[node.name]!.kernel!;
    const p = opts.weightParams[node.name];
    return p === undefined ? w : fakeQuantWeight(w, node.op, p);
  };
  while (pending.length > 0) {
    const todo = new Set(pending.map((n) => n.name));
    const ready = pending.filter((n) => ![...ancestors.get(n.name)!].some((a) => todo.has(a)));
    const quant = layerMeans(graph, weights, ready, {
      batches: opts.batches,
      hooks: opts.hooks,
      kernel: quantKernel,
    });
    for (const node of ready) {
      const f = float.get(node.name)!, q = quant.get(node.name)!;
      const shift = Float32Array.from(f, (v, c) => v - q[c]!);
      addBiasShift(weights, node.name, shift);
      shifts.set(node.name, shift);
      pending.splice(pending.indexOf(node), 1);
    }
  }
  return shifts;
}

/** Strict ancestors of every node. */
function ancestorSets(graph: Graph): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const node of graph.nodes) {
    const s = new Set<string>();
    for (const i of node.inputs) {
      s.add(i);
      for (const a of out.get(i) ?? []) s.add(a);
    }
    out.set(node.name, s);
  }
  return out;
}

/**
 * Data-free bias shifts `-(W_q - W)·E[x]` of the quantized kernels of `graph`, with
 * `E[x]` per input channel from `inputMoments(layer)` (undefined: that layer is skipped).
 */
export function dataFreeBiasShifts(
  graph: Graph,
  weights: Weights,
  opts: {
    readonly weightParams: Readonly<Record<string, QParams>>;
    readonly inputMoments: (layer: ComputeNode) => ChannelMoments | undefined;
  },
): Map<string, Float32Array> {
  const shifts = new Map<string, Float32Array>();
  for (const node of graph.nodes.filter(isComputeNode)) {
    const p = opts.weightParams[node.name];
    const moments = opts.inputMoments(node);
    const w = weights[node.name]?.kernel;
    if (p === undefined || moments === undefined || w === undefined) continue;
    const delta = tf.tidy(() => tf.sub(fakeQuantWeight(w, node.op, p), w).dataSync());
    shifts.set(node.name, kernelDotMeans(node, w.shape, delta, moments.mean));
  }
  return shifts;
}

/** `-Σ delta[k, in, out] · mean[in]` per output channel (flat kernel in TF layout). */
function kernelDotMeans(
  node: ComputeNode,
  shape: readonly number[],
  delta: ArrayLike<number>,
  mean: Float64Array,
): Float32Array {
  const cout = channelView(node.op, shape).channels;
  const cin = node.op === "depthwise" ? shape[2]! : shape.at(-2)!;
  if (mean.length !== cin) {
    throw new RangeError(
      `Cannot correct "${node.name}": ${mean.length} input means, ${cin} inputs`,
    );
  }
  const mult = node.op === "depthwise" ? shape[3]! : 1;
  const out = new Float64Array(cout);
  for (let i = 0; i < delta.length; i++) {
    const o = i % cout;
    const inCh = node.op === "depthwise" ? Math.floor(o / mult) : Math.floor(i / cout) % cin;
    out[o]! -= delta[i]! * mean[inCh]!;
  }
  return Float32Array.from(out);
}
