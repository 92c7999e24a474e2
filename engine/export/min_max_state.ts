/**
 * A plain min-max quant state for export (`deno task export` now exports the state of
 * `quantize()` instead, see `from_quantized.ts`): per-output-channel symmetric min-max
 * weight params at each layer's `wbits`, and per-tensor affine min-max params for the
 * activations each compute layer reads (the output of its producer), observed over
 * calibration batches. A tensor read by several layers is quantized at the smallest of
 * their `abits`, as `quantize()` does (`activationTargets`).
 *
 * @module
 */
import type { tf } from "../backend.ts";
import { type Configuration, type LayerChoice, prunedChannels } from "../cost/config.ts";
import { DEFAULT_BITS } from "../cost/defaults.ts";
import { forward } from "../exec/forward.ts";
import { disposeWeights, type WeightArray, weightsFromArrays } from "../exec/weights.ts";
import { type ComputeNode, type Graph, isComputeNode } from "../models/ir.ts";
import { computeLayerHint } from "../models/layer_names.ts";
import { activationTargets } from "../quant/act_targets.ts";
import { computeQParams, type QParams } from "../quant/qparams.ts";
import { channelView } from "../quant/weight_channels.ts";
import type { QuantState, WeightArrays } from "./format.ts";

/**
 * The configuration with every compute layer present (missing layers get
 * `{wbits: 8, abits: 8, width: 1}`). Throws a RangeError for a width below 1 whose
 * channel count differs from the graph's (prune with surgery first, then export).
 */
export function completeConfig(graph: Graph, config: Configuration): Configuration {
  const layers: Record<string, LayerChoice> = {};
  for (const node of graph.nodes.filter(isComputeNode)) {
    const c = config.layers[node.name] ?? { wbits: DEFAULT_BITS, abits: DEFAULT_BITS, width: 1 };
    const channels = node.outShape.at(-1)!;
    if (node.op !== "depthwise" && prunedChannels(channels, c.width) !== channels) {
      throw new RangeError(
        `Cannot export "${node.name}" at width ${c.width}: the graph is not pruned ` +
          `(run surgery first and export the pruned graph with width 1)`,
      );
    }
    layers[node.name] = c;
  }
  for (const name of Object.keys(config.layers)) {
    if (layers[name] === undefined) {
      throw new RangeError(
        `Cannot export: config names "${name}", not a compute layer; ${
          computeLayerHint(graph, name)
        }`,
      );
    }
  }
  return { layers };
}

/** Per-output-channel symmetric min-max params of a kernel at `bits`. */
export function kernelQParams(
  node: ComputeNode,
  kernel: WeightArray,
  bits: number,
): QParams {
  const view = channelView(node.op, kernel.shape);
  const min = new Float32Array(view.channels).fill(Infinity);
  const max = new Float32Array(view.channels).fill(-Infinity);
  kernel.data.forEach((v, i) => {
    const c = i % view.channels; // the channel axis is the last axis of the view
    if (v < min[c]!) min[c] = v;
    if (v > max[c]!) max[c] = v;
  });
  return computeQParams(min, max, bits, { symmetric: true, axis: view.axis });
}

/**
 * Min-max quant state for `graph` at `config` (complete it with {@linkcode completeConfig}),
 * activation ranges observed on `calibration` batches (float forward passes).
 */
export function minMaxQuantState(
  graph: Graph,
  options: {
    readonly weights: WeightArrays;
    readonly config: Configuration;
    readonly calibration: Iterable<tf.Tensor4D>;
  },
): QuantState {
  const { weights, config } = options;
  const wq: Record<string, { kernel: QParams }> = {};
  for (const node of graph.nodes.filter(isComputeNode)) {
    const c = config.layers[node.name];
    if (c === undefined) throw new RangeError(`Cannot quantize "${node.name}": not in config`);
    const kernel = weights[node.name]?.kernel;
    if (kernel === undefined) throw new RangeError(`Cannot quantize "${node.name}": no kernel`);
    if (c.wbits < 32) wq[node.name] = { kernel: kernelQParams(node, kernel, c.wbits) };
  }
  const abits = activationTargets(graph, config);
  const lo = new Map<string, number>(), hi = new Map<string, number>();
  const vars = weightsFromArrays(weights);
  try {
    for (const x of options.calibration) {
      forward(graph, vars, x, {
        hooks: {
          output: (node, y) => {
            if (abits.has(node.name)) {
              lo.set(node.name, Math.min(lo.get(node.name) ?? Infinity, y.min().dataSync()[0]!));
              hi.set(node.name, Math.max(hi.get(node.name) ?? -Infinity, y.max().dataSync()[0]!));
            }
            return y;
          },
        },
      }).dispose();
    }
  } finally {
    disposeWeights(vars);
  }
  const activations: Record<string, QParams> = {};
  for (const [name, bits] of abits) {
    if (!lo.has(name)) throw new RangeError("Cannot calibrate activations: no calibration batch");
    activations[name] = computeQParams([lo.get(name)!], [hi.get(name)!], bits, {
      symmetric: false,
    });
  }
  return { weights: wq, activations };
}
