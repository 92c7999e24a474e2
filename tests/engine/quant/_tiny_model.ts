/** A tiny residual network (8x8x1 in, 4 classes) with batch norms, for fast PTQ/QAT tests. */
import type { WeightArray, WeightName, Weights } from "../../../engine/exec/weights.ts";
import { weightsFromArrays } from "../../../engine/exec/weights.ts";
import type { Graph } from "../../../engine/models/ir.ts";
import { gaussian, uniform } from "./_rand.ts";

const conv = { kernel: [3, 3], strides: [1, 1], dilation: [1, 1], padding: "same" } as const;
const bn = { epsilon: 1e-3, center: true, scale: true } as const;

/** input → conv1 → bn1 → relu1 → conv2 → bn2 → add(bn2, relu1) → relu2 → pool → flatten → fc. */
export const TINY_GRAPH: Graph = {
  name: "tiny",
  output: "logits",
  nodes: [
    { name: "input", op: "input", inputs: [], outShape: [8, 8, 1] },
    {
      name: "conv1",
      op: "conv2d",
      inputs: ["input"],
      outShape: [8, 8, 8],
      ...conv,
      filters: 8,
      useBias: false,
      activation: "linear",
    },
    { name: "bn1", op: "batchnorm", inputs: ["conv1"], outShape: [8, 8, 8], ...bn },
    { name: "relu1", op: "activation", inputs: ["bn1"], outShape: [8, 8, 8], activation: "relu" },
    {
      name: "conv2",
      op: "conv2d",
      inputs: ["relu1"],
      outShape: [8, 8, 8],
      ...conv,
      filters: 8,
      useBias: false,
      activation: "linear",
    },
    { name: "bn2", op: "batchnorm", inputs: ["conv2"], outShape: [8, 8, 8], ...bn },
    { name: "add", op: "add", inputs: ["bn2", "relu1"], outShape: [8, 8, 8] },
    { name: "relu2", op: "activation", inputs: ["add"], outShape: [8, 8, 8], activation: "relu" },
    {
      name: "pool",
      op: "maxpool",
      inputs: ["relu2"],
      outShape: [4, 4, 8],
      poolSize: [2, 2],
      strides: [2, 2],
      padding: "valid",
    },
    { name: "flatten", op: "flatten", inputs: ["pool"], outShape: [128] },
    {
      name: "logits",
      op: "dense",
      inputs: ["flatten"],
      outShape: [4],
      units: 4,
      useBias: true,
      activation: "linear",
    },
  ],
};

function arr(shape: number[], data: Float32Array): WeightArray {
  return { shape, data };
}

function bnArrays(seed: number, n: number): Partial<Record<WeightName, WeightArray>> {
  return {
    gamma: arr([n], uniform(seed, n, 0.5, 1.5)),
    beta: arr([n], uniform(seed + 1, n, -0.3, 0.3)),
    movingMean: arr([n], uniform(seed + 2, n, -0.5, 0.5)),
    movingVariance: arr([n], uniform(seed + 3, n, 0.5, 2)),
  };
}

/** Seeded He-style weights with non-trivial batch-norm statistics. */
export function tinyWeights(seed = 1): Weights {
  return weightsFromArrays({
    conv1: { kernel: arr([3, 3, 1, 8], gaussian(seed, 72, 0, Math.sqrt(2 / 9))) },
    bn1: bnArrays(seed + 10, 8),
    conv2: { kernel: arr([3, 3, 8, 8], gaussian(seed + 20, 576, 0, Math.sqrt(2 / 72))) },
    bn2: bnArrays(seed + 30, 8),
    logits: {
      kernel: arr([128, 4], gaussian(seed + 40, 512, 0, Math.sqrt(1 / 128))),
      bias: arr([4], new Float32Array(4)),
    },
  });
}

/** Training settings of the tiny model: fast-moving batch-norm statistics, no dropout. */
export const TINY_SETTINGS = { bnMomentum: { bn1: 0.8, bn2: 0.8 }, dropout: {} } as const;
