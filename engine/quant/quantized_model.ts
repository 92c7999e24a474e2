/**
 * The result of post-training quantization: a folded float model plus the parameters that
 * fake-quantize it, with hooks for the executor and a materialized quantized copy.
 *
 * @module
 */
import { tf } from "../backend.ts";
import type { Configuration } from "../cost/config.ts";
import type { Dataset } from "../data/dataset.ts";
import { type ChannelMask, composeHooks, type ExecHooks } from "../exec/hooks.ts";
import { disposeWeights, type LayerTensors, type Weights } from "../exec/weights.ts";
import type { Graph } from "../models/ir.ts";
import { evaluateGraph, type GraphEvalResult } from "./evaluate_graph.ts";
import { fakeQuant } from "./fake_quant.ts";
import type { FoldDecision } from "./fold_plan.ts";
import type { FoldResult } from "./fold_model.ts";
import type { QParams } from "./qparams.ts";
import { fakeQuantWeight } from "./weight_channels.ts";

/** How the activation ranges were obtained. */
export type CalibrationMode = "data" | "data-free" | "given";

/** A fake-quantized model: folded float weights plus the parameters that quantize them. */
export interface QuantizedModel {
  /** The folded graph the parameters refer to. */
  readonly graph: Graph;
  /** Folded float weights (owned: `dispose()` releases them). */
  readonly weights: Weights;
  readonly config: Configuration;
  /** Kernel parameters by layer (layers at 32 bits are absent). */
  readonly weightParams: Readonly<Record<string, QParams>>;
  /** Activation parameters by node: that node's output is fake-quantized. */
  readonly activationParams: Readonly<Record<string, QParams>>;
  /** Channel masks by node of the folded graph. */
  readonly masks: Readonly<Record<string, ChannelMask>>;
  /** Batch-norm folding decisions (unfolded ones say why). */
  readonly foldPlan: ReadonlyMap<string, FoldDecision>;
  readonly calibration: CalibrationMode;
  /** Executor hooks applying weight and activation fake-quant (and the masks). */
  hooks(): ExecHooks;
  /** Fresh variables holding the fake-quantized kernels (and the other weights). */
  quantizedWeights(): Weights;
  /** The parameters in the export's `QuantState` shape. */
  quantState(): {
    weights: Record<string, { kernel: QParams }>;
    activations: Record<string, QParams>;
  };
  /** Accuracy and loss on `ds` with fake quantization. */
  evaluate(ds: Dataset, opts?: { batchSize?: number }): GraphEvalResult;
  /** Releases the folded weights. */
  dispose(): void;
}

/** Builds the {@linkcode QuantizedModel} over a fold result (it takes over `fold.weights`). */
export function quantizedModel(
  fold: FoldResult,
  config: Configuration,
  weightParams: Record<string, QParams>,
  activationParams: Record<string, QParams>,
  masks: Record<string, ChannelMask>,
  calibration: CalibrationMode,
): QuantizedModel {
  const { graph, weights } = fold;
  const outputHook: ExecHooks = {
    output: (node, y) => {
      const p = activationParams[node.name];
      return p === undefined ? y : fakeQuant(y, p);
    },
    masks,
  };
  const hooks = (): ExecHooks =>
    composeHooks({
      weight: (node, name, w) => {
        const p = weightParams[node.name];
        if (p === undefined || name !== "kernel" || node.op === "input") return w;
        if (node.op !== "conv2d" && node.op !== "depthwise" && node.op !== "dense") return w;
        return fakeQuantWeight(w, node.op, p);
      },
    }, outputHook);
  const quantizedWeights = (): Weights => {
    const out: Record<string, LayerTensors> = {};
    for (const [layer, tensors] of Object.entries(weights)) {
      const copy: LayerTensors = {};
      for (const [name, t] of Object.entries(tensors) as [keyof LayerTensors, tf.Variable][]) {
        const node = graph.nodes.find((n) => n.name === layer)!;
        const p = weightParams[layer];
        copy[name] = p !== undefined && name === "kernel" &&
            (node.op === "conv2d" || node.op === "depthwise" || node.op === "dense")
          ? tf.tidy(() => tf.variable(fakeQuantWeight(t, node.op, p), false))
          : tf.variable(t, false);
      }
      out[layer] = copy;
    }
    return out;
  };
  return {
    graph,
    weights,
    config,
    weightParams,
    activationParams,
    masks,
    foldPlan: fold.plan,
    calibration,
    hooks,
    quantizedWeights,
    quantState: () => ({
      weights: Object.fromEntries(Object.entries(weightParams).map(([k, p]) => [k, { kernel: p }])),
      activations: { ...activationParams },
    }),
    evaluate(ds, evalOpts = {}) {
      const qw = quantizedWeights();
      try {
        return evaluateGraph(graph, qw, ds, { hooks: outputHook, ...evalOpts });
      } finally {
        disposeWeights(qw);
      }
    },
    dispose: () => disposeWeights(weights),
  };
}
