/**
 * Feature-map distillation for a pruned student (FitNets-style hints without a learned
 * adapter, Romero et al. 2015; channel-pruning reconstruction as a loss, He et al. 2017):
 * at chosen layers the student's output is pulled towards the teacher's output restricted
 * to the channels the student kept. Each layer's term is the mean squared difference over
 * the batch divided by the mean square of the teacher's kept channels (a relative error, so
 * layers of any scale count alike); the loss is the mean of the terms times `weight`.
 *
 * @module
 */
import { tf } from "../backend.ts";
import type { ExecHooks } from "../exec/hooks.ts";

/** Default weight of the feature term (beside the logit loss). @default 1 */
export const DEFAULT_FEATURE_WEIGHT = 1;

/**
 * Which layers to match: per student layer name, the teacher's output channel that each of
 * the student's output channels continues (e.g. `keptPositions` of the pruning masks).
 */
export interface FeatureDistill {
  readonly positions: ReadonlyMap<string, readonly number[]>;
  /** @default {@linkcode DEFAULT_FEATURE_WEIGHT} */
  readonly weight?: number;
}

/** Throws a `RangeError` for no layers, a bad weight or an empty channel list. */
export function checkFeatureDistill(f: FeatureDistill): void {
  const weight = f.weight ?? DEFAULT_FEATURE_WEIGHT;
  if (!(weight >= 0 && Number.isFinite(weight))) {
    throw new RangeError(
      `Cannot distil features with weight ${weight}: expected a finite value ≥ 0`,
    );
  }
  if (f.positions.size === 0) {
    throw new RangeError("Cannot distil features at no layer: give at least one layer");
  }
  for (const [layer, kept] of f.positions) {
    if (kept.length === 0) {
      throw new RangeError(`Cannot distil features of layer "${layer}": it keeps no channel`);
    }
  }
}

/**
 * Executor hooks that record the outputs of `layers` into `into` (kept alive past the
 * executor's scope: the caller disposes them). Chain it last with `composeHooks` so that it
 * sees the outputs the network goes on with.
 *
 * @example
 * ```ts
 * import { captureOutputs } from "./feature_distill.ts";
 * const seen = new Map();
 * const hooks = captureOutputs(new Set(["relu1"]), seen);
 * console.assert(typeof hooks.output === "function" && seen.size === 0);
 * ```
 */
export function captureOutputs(
  layers: ReadonlySet<string>,
  into: Map<string, tf.Tensor>,
): ExecHooks {
  return {
    output: (node, y) => {
      if (layers.has(node.name)) into.set(node.name, tf.keep(y));
      return y;
    },
  };
}

/**
 * The feature loss of a batch (see the module notes) from the student's and the teacher's
 * captured outputs. The caller owns the scalar; throws a `RangeError` when a layer was not
 * captured on either side or the channel counts disagree.
 *
 * @example
 * ```ts
 * import { initBackend, tf } from "../backend.ts";
 * import { featureDistillationLoss } from "./feature_distill.ts";
 * await initBackend("cpu");
 * const t = tf.tensor2d([[1, 5, 3]]), s = tf.tensor2d([[1, 3]]);
 * const f = { positions: new Map([["a", [0, 2]]]) };
 * const loss = featureDistillationLoss(new Map([["a", s]]), new Map([["a", t]]), f);
 * console.assert(loss.dataSync()[0]! === 0);
 * tf.dispose([t, s, loss]);
 * ```
 */
export function featureDistillationLoss(
  student: ReadonlyMap<string, tf.Tensor>,
  teacher: ReadonlyMap<string, tf.Tensor>,
  f: FeatureDistill,
): tf.Scalar {
  checkFeatureDistill(f);
  return tf.tidy(() => {
    const terms: tf.Scalar[] = [];
    for (const [layer, kept] of f.positions) {
      const s = student.get(layer), t = teacher.get(layer);
      if (s === undefined || t === undefined) {
        throw new RangeError(
          `Cannot distil features of layer "${layer}": its output was not captured on the ` +
            `${s === undefined ? "student" : "teacher"} side`,
        );
      }
      if (s.shape.at(-1) !== kept.length) {
        throw new RangeError(
          `Cannot distil features of layer "${layer}": the student has ${s.shape.at(-1)} ` +
            `channels, the positions ${kept.length}`,
        );
      }
      const axis = t.rank - 1;
      const target = kept.length === t.shape[axis]
        ? t
        : tf.gather(t, tf.tensor1d([...kept], "int32"), axis);
      const scale = tf.add(tf.mean(tf.square(target)), 1e-8);
      terms.push(tf.div(tf.mean(tf.squaredDifference(s, target)), scale) as tf.Scalar);
    }
    return tf.mul(tf.mean(tf.stack(terms)), f.weight ?? DEFAULT_FEATURE_WEIGHT) as tf.Scalar;
  });
}
