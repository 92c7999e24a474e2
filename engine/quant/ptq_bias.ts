/**
 * The bias-correction step of post-training quantization: which mode applies, giving the
 * corrected layers a bias when they have none, and running the empirical or data-free
 * correction over a fold result.
 *
 * @module
 */
import { tf } from "../backend.ts";
import type { ChannelMask } from "../exec/hooks.ts";
import { cloneWeights, disposeWeights, type Weights } from "../exec/weights.ts";
import { type ComputeNode, type Graph, type GraphNode, isComputeNode } from "../models/ir.ts";
import { addBiasShift, correctBiasesEmpirically, dataFreeBiasShifts } from "./bias_correction.ts";
import { expectedActivations } from "./expected_activations.ts";
import type { FoldResult } from "./fold_model.ts";
import type { QuantizedModel } from "./quantized_model.ts";

/**
 * Bias correction of {@linkcode quantize}: `"empirical"` (needs calibration data),
 * `"data-free"` (batch-norm statistics), `"none"`, or `"auto"`: none when activation
 * parameters are given (e.g. learned by QAT, whose batch norms already track the
 * quantized kernels), else empirical with calibration data and data-free without.
 */
export type BiasCorrectionMode = "auto" | "empirical" | "data-free" | "none";

/** The mode `auto` resolves to; throws a RangeError for `"empirical"` without data. */
export function resolveBiasCorrection(
  mode: BiasCorrectionMode,
  opts: { readonly hasData: boolean; readonly activationsGiven: boolean },
): "empirical" | "data-free" | "none" {
  if (mode === "empirical" && !opts.hasData) {
    throw new RangeError(
      'Cannot use biasCorrection "empirical" without calibration data: use "data-free"',
    );
  }
  if (mode !== "auto") return mode;
  if (opts.activationsGiven) return "none";
  return opts.hasData ? "empirical" : "data-free";
}

/**
 * The compute layers bias correction applies to: those whose output quantization changes
 * (kernel or input quantized), except, unless `inputLayers`, the layers that read the
 * network input. Their quantization error `(W_q - W)·x` vanishes wherever the input is
 * zero (the background of an image), so a constant shift adds error there: on the
 * Fashion-MNIST zoo at W4A8, correcting only `conv1` of mobilenet-tiny cost about 1 point
 * of accuracy, and correcting it with the other layers never helped measurably.
 */
export function correctedLayers(
  graph: Graph,
  weightParams: Readonly<Record<string, unknown>>,
  activationParams: Readonly<Record<string, unknown>>,
  opts: { readonly inputLayers?: boolean } = {},
): ComputeNode[] {
  const inputs = new Set(graph.nodes.filter((n) => n.op === "input").map((n) => n.name));
  return graph.nodes.filter(isComputeNode).filter((n) =>
    (weightParams[n.name] !== undefined || activationParams[n.inputs[0]!] !== undefined) &&
    (opts.inputLayers === true || !inputs.has(n.inputs[0]!))
  );
}

/**
 * The fold result with a zero bias added to the `layers` that have none (their nodes get
 * `useBias: true`); the weights record is the same object, extended in place.
 */
export function withBiases(fold: FoldResult, layers: readonly ComputeNode[]): FoldResult {
  const missing = new Set(layers.filter((n) => !n.useBias).map((n) => n.name));
  if (missing.size === 0) return fold;
  const weights = fold.weights as Record<string, Weights[string]>;
  const nodes = fold.graph.nodes.map((n): GraphNode => {
    if (!missing.has(n.name) || !isComputeNode(n)) return n;
    const tensors = weights[n.name] ?? {};
    tensors.bias = tf.variable(tf.zeros([n.outShape.at(-1)!]), true);
    weights[n.name] = tensors;
    return { ...n, useBias: true } as GraphNode;
  });
  return { ...fold, graph: { ...fold.graph, nodes } };
}

/**
 * Corrects the biases of `q` in place. Empirical: over `batches`, against a float copy of
 * `q.weights`. Data-free: from the batch norms of the original `graph` / `weights`.
 */
export function applyBiasCorrection(
  q: QuantizedModel,
  mode: "empirical" | "data-free",
  opts: {
    readonly layers: readonly ComputeNode[];
    readonly batches: readonly tf.Tensor4D[];
    readonly masks: Readonly<Record<string, ChannelMask>>;
    readonly original: { readonly graph: Graph; readonly weights: Weights };
    /** Folded batch norm → the layer it was folded into. */
    readonly folded: ReadonlyMap<string, string>;
  },
): void {
  if (mode === "empirical") {
    const reference = cloneWeights(q.weights);
    try {
      correctBiasesEmpirically(q.graph, q.weights, {
        reference,
        batches: opts.batches,
        hooks: q.hooks(),
        masks: opts.masks,
        weightParams: q.weightParams,
        layers: opts.layers.map((n) => n.name),
      });
    } finally {
      disposeWeights(reference);
    }
    return;
  }
  const moments = expectedActivations(opts.original.graph, opts.original.weights);
  const original = new Map([...opts.folded].map(([bn, producer]) => [producer, bn]));
  const shifts = dataFreeBiasShifts(q.graph, q.weights, {
    weightParams: q.weightParams,
    inputMoments: (node) => {
      const producer = node.inputs[0]!;
      return moments.get(original.get(producer) ?? producer);
    },
  });
  for (const [layer, shift] of shifts) addBiasShift(q.weights, layer, shift);
}
