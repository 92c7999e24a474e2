/** A tiny graph with every weight kind, seeded weights and a mixed quant state. */
import type { Configuration } from "../../../engine/cost/config.ts";
import type { QuantState, WeightArrays } from "../../../engine/export/format.ts";
import type { Graph } from "../../../engine/models/ir.ts";
import { computeQParams, type QParams } from "../../../engine/quant/qparams.ts";
import { channelView } from "../../../engine/quant/weight_channels.ts";
import { createRng } from "../../../engine/rng.ts";

/** conv (bias, relu) -> depthwise x2 -> batch norm -> relu6 -> gap -> dense. */
export const tinyGraph: Graph = {
  name: "tiny",
  output: "fc",
  nodes: [
    { name: "in", op: "input", inputs: [], outShape: [6, 6, 2] },
    {
      name: "conv",
      op: "conv2d",
      inputs: ["in"],
      outShape: [6, 6, 4],
      kernel: [3, 3],
      strides: [1, 1],
      dilation: [1, 1],
      padding: "same",
      filters: 4,
      useBias: true,
      activation: "relu",
    },
    {
      name: "dw",
      op: "depthwise",
      inputs: ["conv"],
      outShape: [3, 3, 8],
      kernel: [3, 3],
      strides: [2, 2],
      dilation: [1, 1],
      padding: "same",
      depthMultiplier: 2,
      useBias: false,
      activation: "linear",
    },
    {
      name: "bn",
      op: "batchnorm",
      inputs: ["dw"],
      outShape: [3, 3, 8],
      epsilon: 1e-3,
      center: true,
      scale: true,
    },
    { name: "act", op: "activation", inputs: ["bn"], outShape: [3, 3, 8], activation: "relu6" },
    { name: "gap", op: "gap", inputs: ["act"], outShape: [8] },
    {
      name: "fc",
      op: "dense",
      inputs: ["gap"],
      outShape: [3],
      units: 3,
      useBias: true,
      activation: "linear",
    },
  ],
};

function randomArray(seed: number, shape: number[], lo = -1, hi = 1) {
  const rng = createRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape, data: Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.next()) };
}

/** Seeded float weights of {@link tinyGraph}. */
export function tinyWeights(seed = 1): WeightArrays {
  return {
    conv: { kernel: randomArray(seed, [3, 3, 2, 4]), bias: randomArray(seed + 1, [4], -0.1, 0.1) },
    dw: { kernel: randomArray(seed + 2, [3, 3, 4, 2]) },
    bn: {
      gamma: randomArray(seed + 3, [8], 0.5, 1.5),
      beta: randomArray(seed + 4, [8], -0.2, 0.2),
      movingMean: randomArray(seed + 5, [8], -0.1, 0.1),
      movingVariance: randomArray(seed + 6, [8], 0.5, 2),
    },
    fc: { kernel: randomArray(seed + 7, [8, 3]), bias: randomArray(seed + 8, [3], -0.1, 0.1) },
  };
}

/** Per-channel symmetric min-max params of a kernel (as the export expects them). */
export function perChannelParams(
  kind: "conv2d" | "depthwise" | "dense",
  w: { shape: readonly number[]; data: Float32Array },
  bits: number,
): QParams {
  const view = channelView(kind, w.shape);
  const min = new Float32Array(view.channels).fill(Infinity);
  const max = new Float32Array(view.channels).fill(-Infinity);
  w.data.forEach((v, i) => {
    const c = i % view.channels; // the channel axis is the last axis of the view
    min[c] = Math.min(min[c]!, v);
    max[c] = Math.max(max[c]!, v);
  });
  return computeQParams(min, max, bits, { symmetric: true, axis: view.axis });
}

/** conv 4-bit and depthwise 8-bit per channel (symmetric); dense 3-bit affine per tensor. */
export function tinyQuant(weights: WeightArrays): QuantState {
  const fc = weights.fc!.kernel!;
  return {
    weights: {
      conv: { kernel: perChannelParams("conv2d", weights.conv!.kernel!, 4) },
      dw: { kernel: perChannelParams("depthwise", weights.dw!.kernel!, 8) },
      fc: {
        kernel: computeQParams([Math.min(...fc.data)], [Math.max(...fc.data)], 3, {
          symmetric: false,
        }),
      },
    },
    activations: {
      in: computeQParams([0], [1], 8, { symmetric: false }),
      conv: computeQParams([0], [2], 8, { symmetric: false }),
      act: computeQParams([0], [6], 4, { symmetric: false }),
    },
  };
}

/** The configuration matching {@link tinyQuant}. */
export const tinyConfig: Configuration = {
  layers: {
    conv: { wbits: 4, abits: 8, width: 1 },
    dw: { wbits: 8, abits: 8, width: 1 },
    fc: { wbits: 3, abits: 4, width: 1 },
  },
};
