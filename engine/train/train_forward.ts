/**
 * A faster training-mode forward pass for LayersModels: walks the layers in order and
 * replaces the two slowest training paths of tfjs-layers by equivalent ops with cheap
 * gradients. Batch normalization becomes one custom op with the closed-form backward pass
 * (and the same moving-statistics update); `ReLU(maxValue=6)` becomes `relu6`. Every other
 * layer runs its own `apply(x, {training: true})`. Given an rng, dropout masks are drawn
 * from it (a seeded tfjs `Dropout` layer would repeat one mask at every step).
 *
 * @module
 */
import { tf } from "../backend.ts";
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD } from "../kernels/batch_norm_train.ts";
import type { Rng } from "../rng.ts";

type Layer = tf.layers.Layer;
type LayerVariable = tf.LayerVariable;

/** Internal fields of tfjs-layers' BatchNormalization that this module reads. */
interface BatchNormFields {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma: LayerVariable;
  beta: LayerVariable;
  movingMean: LayerVariable;
  movingVariance: LayerVariable;
}

function movingAverage(variable: LayerVariable, value: tf.Tensor, momentum: number): void {
  tf.tidy(() => {
    const old = variable.read();
    variable.write(tf.sub(old, tf.mul(tf.sub(old, value), 1 - momentum)));
  });
}

/**
 * Batch norm in training mode over all axes but the last, as one op: forward with batch
 * statistics, moving statistics updated like tfjs-layers does, backward in closed form
 * `dx = gamma * rstd * (dy - mean(dy) - xhat * mean(dy * xhat))`.
 */
function batchNormTraining(bn: BatchNormFields, x: tf.Tensor): tf.Tensor {
  const channels = x.shape[x.rank - 1]!;
  const m = x.size / channels;
  if (x.dtype === "float32" && tf.getKernel(BATCH_NORM_TRAIN, tf.getBackend()) !== undefined) {
    return fusedBatchNormTraining(bn, x, m, channels);
  }
  // Column sums as [1, m] x [m, c] products: much faster than reductions on wasm.
  const colSum = (t: tf.Tensor, scale: number) => tf.matMul(tf.fill([1, m], scale), t);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xIn, gamma, beta, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const flat = tf.reshape(xIn, [m, channels]);
    const mean = tf.reshape(colSum(flat, 1 / m), [channels]);
    const centered = tf.sub(flat, mean);
    const variance = tf.reshape(colSum(tf.square(centered), 1 / m), [channels]);
    movingAverage(bn.movingMean, mean, bn.momentum);
    movingAverage(bn.movingVariance, variance, bn.momentum);
    const rstd = tf.rsqrt(tf.add(variance, bn.epsilon));
    const xhat = tf.mul(centered, rstd);
    save([xhat, rstd, gamma]);
    const value = tf.reshape(tf.add(tf.mul(xhat, gamma), beta), xIn.shape);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sr, sg] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      const dyFlat = tf.reshape(dy, [m, channels]);
      const dBeta = tf.reshape(colSum(dyFlat, 1), [channels]);
      const dGamma = tf.reshape(colSum(tf.mul(dyFlat, sx), 1), [channels]);
      const inner = tf.sub(
        dyFlat,
        tf.add(tf.mul(sx, tf.div(dGamma, m)), tf.div(dBeta, m)),
      );
      const dx = tf.reshape(tf.mul(inner, tf.mul(sg, sr)), dy.shape);
      return [dx, dGamma, dBeta];
    };
    return { value, gradFunc };
  });
  return op(x, bn.gamma.read(), bn.beta.read());
}

/** {@linkcode batchNormTraining} through the fused kernels of `batch_norm_train.ts`. */
function fusedBatchNormTraining(
  bn: BatchNormFields,
  x: tf.Tensor,
  m: number,
  channels: number,
): tf.Tensor {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xIn, gamma, beta, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const flat = tf.reshape(xIn, [m, channels]);
    const [y, xhat, mean, variance, rstd] = tf.engine().runKernel(
      BATCH_NORM_TRAIN,
      { x: flat, gamma, beta },
      { epsilon: bn.epsilon },
    ) as tf.Tensor[];
    movingAverage(bn.movingMean, mean!, bn.momentum);
    movingAverage(bn.movingVariance, variance!, bn.momentum);
    save([xhat!, rstd!, gamma]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sr, sg] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      const [dx, dGamma, dBeta] = tf.engine().runKernel(
        BATCH_NORM_TRAIN_GRAD,
        { dy: tf.reshape(dy, [m, channels]), xhat: sx, rstd: sr, gamma: sg },
        {},
      ) as tf.Tensor[];
      return [tf.reshape(dx!, dy.shape), dGamma!, dBeta!];
    };
    return { value: tf.reshape(y!, xIn.shape), gradFunc };
  });
  return op(x, bn.gamma.read(), bn.beta.read());
}

function fastPath(layer: Layer, x: tf.Tensor, rng: Rng | undefined): tf.Tensor | undefined {
  const cls = layer.getClassName();
  if (cls === "Dropout" && rng !== undefined) {
    const c = layer.getConfig() as { rate: number; noiseShape?: number[] | null };
    if (c.noiseShape != null || c.rate <= 0) return c.rate <= 0 ? x : undefined;
    return tf.dropout(x, c.rate, undefined, 1 + rng.int(2 ** 30));
  }
  if (cls === "BatchNormalization") {
    const bn = layer as unknown as BatchNormFields;
    const lastAxis = bn.axis === -1 || bn.axis === x.rank - 1;
    if (lastAxis && bn.center && bn.scale && x.rank >= 2) return batchNormTraining(bn, x);
  }
  if (cls === "ReLU" && (layer.getConfig() as { maxValue?: number | null }).maxValue === 6) {
    return tf.relu6(x);
  }
  return undefined;
}

/**
 * Returns `forward(x)`: the model's output in training mode (dropout active, batch-norm
 * statistics from the batch and moving statistics updated), numerically equal to
 * `model.apply(x, {training: true})` (up to dropout masks) but with cheaper gradients. Models it cannot walk
 * (several inputs or outputs, shared or nested layers) fall back to `model.apply`.
 */
export function trainingForward(
  model: tf.LayersModel,
  options: { rng?: Rng } = {},
): (x: tf.Tensor) => tf.Tensor {
  const rng = options.rng;
  const fallback = (x: tf.Tensor) => model.apply(x, { training: true }) as tf.Tensor;
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return fallback;
  const input = model.inputs[0]!.sourceLayer;
  const layers = model.layers.filter((l) => l !== input);
  const plan: { layer: Layer; inputs: string[] }[] = [];
  const known = new Set([input.name]);
  for (const layer of layers) {
    if (layer.inboundNodes.length !== 1 || layer instanceof tf.LayersModel) return fallback;
    const inputs = layer.inboundNodes[0]!.inboundLayers.map((l) => l.name);
    if (!inputs.every((n) => known.has(n))) return fallback;
    plan.push({ layer, inputs });
    known.add(layer.name);
  }
  const outputName = model.outputs[0]!.sourceLayer.name;
  return (x) => {
    const values = new Map<string, tf.Tensor>([[input.name, x]]);
    for (const { layer, inputs } of plan) {
      const args = inputs.map((n) => values.get(n)!);
      const y = args.length === 1 ? fastPath(layer, args[0]!, rng) : undefined;
      values.set(
        layer.name,
        y ?? (layer.apply(args.length === 1 ? args[0]! : args, { training: true }) as tf.Tensor),
      );
    }
    return values.get(outputName)!;
  };
}
