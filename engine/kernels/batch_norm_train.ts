/**
 * Fused training-mode batch normalization over the channels of a `[m, c]` matrix, in
 * JavaScript passes over the wasm heap with float64 accumulators. On wasm these replace
 * about a dozen broadcasting kernels and four column-sum matmuls per batch-norm layer,
 * which dominated a MobileNet training step.
 *
 * - `TailorBatchNormTrain`: inputs `x [m, c]`, `gamma [c]`, `beta [c]`, attr `epsilon`;
 *   outputs `y`, `xhat` (both `[m, c]`), batch `mean [c]`, biased `variance [c]` and
 *   `rstd = 1 / sqrt(variance + epsilon) [c]`.
 * - `TailorBatchNormTrainGrad`: inputs `dy [m, c]`, `xhat [m, c]`, `rstd [c]`, `gamma [c]`;
 *   outputs `dx [m, c]`, `dgamma [c]`, `dbeta [c]`, with
 *   `dx = gamma * rstd * (dy - mean(dy) - xhat * mean(dy * xhat))`.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { Info } from "./_kernel_scope.ts";

/** Name of the fused forward kernel (registered for wasm only). */
export const BATCH_NORM_TRAIN = "TailorBatchNormTrain";
/** Name of the fused backward kernel (registered for wasm only). */
export const BATCH_NORM_TRAIN_GRAD = "TailorBatchNormTrainGrad";

interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): Info;
  typedArrayFromHeap(info: Info): Float32Array | Int32Array | Uint8Array;
}

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

function matrixShape(kernel: string, t: Info): [number, number] {
  if (t.shape.length !== 2 || t.dtype !== "float32") {
    throw new RangeError(
      `${kernel}: expected a float32 [m, c] matrix, got [${t.shape}] ${t.dtype}`,
    );
  }
  return [t.shape[0]!, t.shape[1]!];
}

function checkVector(kernel: string, name: string, t: Info, c: number): void {
  if (t.shape.length !== 1 || t.shape[0] !== c || t.dtype !== "float32") {
    throw new RangeError(`${kernel}: ${name} must be float32 [${c}], got [${t.shape}] ${t.dtype}`);
  }
}

/** Forward pass: batch statistics, normalized `xhat` and `y = xhat * gamma + beta`. */
export function batchNormTrain(args: KernelArgs): Info[] {
  const { x, gamma, beta } = args.inputs as { x: Info; gamma: Info; beta: Info };
  const [m, c] = matrixShape(BATCH_NORM_TRAIN, x);
  checkVector(BATCH_NORM_TRAIN, "gamma", gamma, c);
  checkVector(BATCH_NORM_TRAIN, "beta", beta, c);
  const epsilon = (args.attrs as { epsilon: number }).epsilon;
  const backend = args.backend as HeapBackend;
  const outs = [
    backend.makeOutput([m, c], "float32"),
    backend.makeOutput([m, c], "float32"),
    backend.makeOutput([c], "float32"),
    backend.makeOutput([c], "float32"),
    backend.makeOutput([c], "float32"),
  ];
  // Views are taken after every allocation: a heap growth would detach older views.
  const [y, xhat, meanOut, varOut, rstdOut] = outs.map((o) =>
    backend.typedArrayFromHeap(o) as Float32Array
  ) as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
  const xs = backend.typedArrayFromHeap(x) as Float32Array;
  const g = backend.typedArrayFromHeap(gamma) as Float32Array;
  const b = backend.typedArrayFromHeap(beta) as Float32Array;
  const sum = new Float64Array(c);
  for (let i = 0, k = 0; i < m; i++) {
    for (let j = 0; j < c; j++, k++) sum[j] = sum[j]! + xs[k]!;
  }
  const mean = sum.map((s) => s / m);
  const sq = new Float64Array(c);
  for (let i = 0, k = 0; i < m; i++) {
    for (let j = 0; j < c; j++, k++) {
      const d = xs[k]! - mean[j]!;
      sq[j] = sq[j]! + d * d;
    }
  }
  const rstd = new Float32Array(c);
  const meanF = Float32Array.from(mean);
  for (let j = 0; j < c; j++) {
    const v = sq[j]! / m;
    meanOut[j] = meanF[j]!;
    varOut[j] = v;
    rstd[j] = 1 / Math.sqrt(Math.fround(v) + epsilon);
    rstdOut[j] = rstd[j]!;
  }
  for (let i = 0, k = 0; i < m; i++) {
    for (let j = 0; j < c; j++, k++) {
      const h = Math.fround((xs[k]! - meanF[j]!) * rstd[j]!);
      xhat[k] = h;
      y[k] = h * g[j]! + b[j]!;
    }
  }
  return outs;
}

/** Backward pass: `dx`, `dgamma = sum(dy * xhat)`, `dbeta = sum(dy)`. */
export function batchNormTrainGrad(args: KernelArgs): Info[] {
  const { dy, xhat, rstd, gamma } = args.inputs as {
    dy: Info;
    xhat: Info;
    rstd: Info;
    gamma: Info;
  };
  const [m, c] = matrixShape(BATCH_NORM_TRAIN_GRAD, dy);
  const [mx, cx] = matrixShape(BATCH_NORM_TRAIN_GRAD, xhat);
  if (mx !== m || cx !== c) {
    throw new RangeError(`${BATCH_NORM_TRAIN_GRAD}: dy [${dy.shape}] != xhat [${xhat.shape}]`);
  }
  checkVector(BATCH_NORM_TRAIN_GRAD, "rstd", rstd, c);
  checkVector(BATCH_NORM_TRAIN_GRAD, "gamma", gamma, c);
  const backend = args.backend as HeapBackend;
  const outs = [
    backend.makeOutput([m, c], "float32"),
    backend.makeOutput([c], "float32"),
    backend.makeOutput([c], "float32"),
  ];
  const [dx, dGammaOut, dBetaOut] = outs.map((o) =>
    backend.typedArrayFromHeap(o) as Float32Array
  ) as [Float32Array, Float32Array, Float32Array];
  const g = backend.typedArrayFromHeap(dy) as Float32Array;
  const h = backend.typedArrayFromHeap(xhat) as Float32Array;
  const r = backend.typedArrayFromHeap(rstd) as Float32Array;
  const gm = backend.typedArrayFromHeap(gamma) as Float32Array;
  const dBeta = new Float64Array(c);
  const dGamma = new Float64Array(c);
  for (let i = 0, k = 0; i < m; i++) {
    for (let j = 0; j < c; j++, k++) {
      const d = g[k]!;
      dBeta[j] = dBeta[j]! + d;
      dGamma[j] = dGamma[j]! + d * h[k]!;
    }
  }
  const meanDy = new Float32Array(c);
  const meanDyH = new Float32Array(c);
  const scale = new Float32Array(c);
  for (let j = 0; j < c; j++) {
    dBetaOut[j] = dBeta[j]!;
    dGammaOut[j] = dGamma[j]!;
    meanDy[j] = dBeta[j]! / m;
    meanDyH[j] = dGamma[j]! / m;
    scale[j] = gm[j]! * r[j]!;
  }
  for (let i = 0, k = 0; i < m; i++) {
    for (let j = 0; j < c; j++, k++) {
      dx[k] = (g[k]! - meanDy[j]! - h[k]! * meanDyH[j]!) * scale[j]!;
    }
  }
  return outs;
}

/** Kernel configs of the two fused kernels for `wasm`. */
export const batchNormTrainConfigs: readonly tf.KernelConfig[] = [
  {
    kernelName: BATCH_NORM_TRAIN,
    backendName: "wasm",
    kernelFunc: batchNormTrain as unknown as tf.KernelFunc,
  },
  {
    kernelName: BATCH_NORM_TRAIN_GRAD,
    backendName: "wasm",
    kernelFunc: batchNormTrainGrad as unknown as tf.KernelFunc,
  },
];
