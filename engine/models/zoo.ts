/**
 * The reference model zoo: three small Fashion-MNIST classifiers (28x28x1 in, 10 logits
 * out) built with the tfjs functional API. Architectures are fixed (a PyTorch peer
 * benchmark replicates them); initializers are seeded, so a build is reproducible.
 *
 * @module
 */
import { tf } from "../backend.ts";

/** Names of the zoo models. */
export const ZOO_NAMES = ["cnn-s", "resnet8", "mobilenet-tiny"] as const;

/** A zoo model name. */
export type ZooName = typeof ZOO_NAMES[number];

/** Input shape of every zoo model (per example, channels last). */
export const ZOO_INPUT_SHAPE: readonly [number, number, number] = [28, 28, 1];

/** Number of classes (logits) of every zoo model. */
export const ZOO_NUM_CLASSES = 10;

/** Batch-norm momentum of the zoo (PyTorch's default 0.1 update rate, in Keras terms). */
export const BN_MOMENTUM = 0.9;

/** Batch-norm epsilon of the zoo (PyTorch's default). */
export const BN_EPSILON = 1e-5;

/** Options of {@linkcode buildZooModel}. */
export interface BuildZooOptions {
  /** Seed of every initializer. @default 0 */
  seed?: number;
}

/** True when `name` is one of {@linkcode ZOO_NAMES}. */
export function isZooName(name: string): name is ZooName {
  return (ZOO_NAMES as readonly string[]).includes(name);
}

type SymT = tf.SymbolicTensor;

/** Hands out one derived seed per layer, in build order, so builds are reproducible. */
class LayerFactory {
  #next: number;
  constructor(seed: number) {
    this.#next = seed * 1009 + 1;
  }
  #seed(): number {
    return this.#next++;
  }
  conv(
    x: SymT,
    name: string,
    o: { filters: number; kernel: number; strides?: number; bias?: boolean; relu?: boolean },
  ): SymT {
    return tf.layers.conv2d({
      name,
      filters: o.filters,
      kernelSize: o.kernel,
      strides: o.strides ?? 1,
      padding: "same",
      useBias: o.bias ?? false,
      activation: o.relu ? "relu" : "linear",
      kernelInitializer: tf.initializers.heNormal({ seed: this.#seed() }),
      biasInitializer: "zeros",
    }).apply(x) as SymT;
  }
  depthwise(x: SymT, name: string, strides: number): SymT {
    return tf.layers.depthwiseConv2d({
      name,
      kernelSize: 3,
      strides,
      padding: "same",
      useBias: false,
      depthwiseInitializer: tf.initializers.heNormal({ seed: this.#seed() }),
    }).apply(x) as SymT;
  }
  bn(x: SymT, name: string): SymT {
    return tf.layers.batchNormalization({ name, momentum: BN_MOMENTUM, epsilon: BN_EPSILON })
      .apply(x) as SymT;
  }
  dense(x: SymT, name: string, units: number, relu: boolean): SymT {
    return tf.layers.dense({
      name,
      units,
      activation: relu ? "relu" : "linear",
      kernelInitializer: relu
        ? tf.initializers.heNormal({ seed: this.#seed() })
        : tf.initializers.glorotUniform({ seed: this.#seed() }),
      biasInitializer: "zeros",
    }).apply(x) as SymT;
  }
  dropout(x: SymT, name: string, rate: number): SymT {
    // No seed: a seeded tfjs Dropout draws the same mask at every step. The training loop
    // seeds its dropout masks itself (engine/train/train_forward.ts).
    return tf.layers.dropout({ name, rate }).apply(x) as SymT;
  }
}

function relu(x: SymT, name: string, maxValue?: number): SymT {
  return tf.layers.reLU(maxValue === undefined ? { name } : { name, maxValue }).apply(x) as SymT;
}

function gap(x: SymT): SymT {
  return tf.layers.globalAveragePooling2d({ name: "gap" }).apply(x) as SymT;
}

function cnnS(x: SymT, f: LayerFactory): SymT {
  let h = f.conv(x, "conv1", { filters: 32, kernel: 3, bias: true, relu: true });
  h = tf.layers.maxPooling2d({ name: "pool1", poolSize: 2 }).apply(h) as SymT;
  h = f.conv(h, "conv2", { filters: 64, kernel: 3, bias: true, relu: true });
  h = tf.layers.maxPooling2d({ name: "pool2", poolSize: 2 }).apply(h) as SymT;
  h = tf.layers.flatten({ name: "flatten" }).apply(h) as SymT;
  h = f.dropout(h, "dropout", 0.3);
  h = f.dense(h, "fc1", 128, true);
  return f.dense(h, "logits", ZOO_NUM_CLASSES, false);
}

function resnet8(x: SymT, f: LayerFactory): SymT {
  let h = relu(f.bn(f.conv(x, "conv1", { filters: 16, kernel: 3 }), "bn1"), "relu1");
  const blocks: [number, number][] = [[16, 1], [32, 2], [64, 2]];
  blocks.forEach(([filters, strides], i) => {
    const p = `block${i + 1}_`;
    let r = f.conv(h, `${p}conv1`, { filters, kernel: 3, strides });
    r = relu(f.bn(r, `${p}bn1`), `${p}relu1`);
    r = f.bn(f.conv(r, `${p}conv2`, { filters, kernel: 3 }), `${p}bn2`);
    const shortcut = i === 0
      ? h
      : f.bn(f.conv(h, `${p}proj`, { filters, kernel: 1, strides }), `${p}proj_bn`);
    const sum = tf.layers.add({ name: `${p}add` }).apply([r, shortcut]) as SymT;
    h = relu(sum, `${p}relu2`);
  });
  return f.dense(gap(h), "logits", ZOO_NUM_CLASSES, false);
}

function mobilenetTiny(x: SymT, f: LayerFactory): SymT {
  let h = relu(f.bn(f.conv(x, "conv1", { filters: 16, kernel: 3 }), "bn1"), "relu1", 6);
  const blocks: [number, number][] = [[32, 1], [64, 2], [64, 1], [128, 2], [128, 1]];
  blocks.forEach(([filters, strides], i) => {
    const p = `block${i + 1}_`;
    h = relu(f.bn(f.depthwise(h, `${p}dw`, strides), `${p}dw_bn`), `${p}dw_relu`, 6);
    h = f.conv(h, `${p}pw`, { filters, kernel: 1 });
    h = relu(f.bn(h, `${p}pw_bn`), `${p}pw_relu`, 6);
  });
  h = f.dropout(gap(h), "dropout", 0.2);
  return f.dense(h, "logits", ZOO_NUM_CLASSES, false);
}

const BUILDERS: Record<ZooName, (x: SymT, f: LayerFactory) => SymT> = {
  "cnn-s": cnnS,
  "resnet8": resnet8,
  "mobilenet-tiny": mobilenetTiny,
};

/**
 * Builds a fresh (untrained) zoo model: input `[28, 28, 1]` in `[0, 1]`, output 10 logits
 * (softmax belongs to the loss). Same name and seed give the same weights.
 *
 * @example
 * ```ts
 * import { initBackend } from "../backend.ts";
 * import { buildZooModel } from "./zoo.ts";
 * await initBackend("cpu");
 * const model = buildZooModel("cnn-s", { seed: 1 });
 * console.assert(model.outputs[0]!.shape.at(-1) === 10);
 * ```
 */
export function buildZooModel(name: ZooName, options: BuildZooOptions = {}): tf.LayersModel {
  if (!isZooName(name)) {
    throw new RangeError(
      `Cannot build zoo model "${name}": expected one of ${ZOO_NAMES.join(", ")}`,
    );
  }
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0) {
    throw new RangeError(`Cannot build a zoo model with seed ${seed}: expected an integer >= 0`);
  }
  const input = tf.input({ shape: [...ZOO_INPUT_SHAPE], name: "input" });
  const output = BUILDERS[name](input, new LayerFactory(seed));
  return tf.model({ inputs: input, outputs: output, name });
}
