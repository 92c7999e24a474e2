/**
 * Private helper: runs registered `wasm` kernels directly (no engine, no tape) and frees every
 * intermediate result it made, except the one the caller returns.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** A tensor as kernels see it: data id, shape and dtype. */
export type Info = tf.TensorInfo;

/** The part of the wasm backend a kernel scope needs. */
export interface DisposingBackend {
  /** Drops one reference to `dataId`; frees it when none is left. */
  disposeData(dataId: object, force?: boolean): boolean;
}

/** Explicit per-dimension padding, as `computeConv2DInfo` accepts it. */
export type ExplicitPad = [[number, number], [number, number], [number, number], [number, number]];

/** Runs wasm kernels by name and remembers their outputs so they can be freed together. */
export class KernelScope {
  readonly #backend: DisposingBackend;
  readonly #made: Info[] = [];

  /** Opens a scope on `backend` (the backend the calling kernel received). */
  constructor(backend: DisposingBackend) {
    this.#backend = backend;
  }

  /** Runs the `wasm` kernel `name` (or the given kernel config) and returns its first output. */
  run(
    name: string | tf.KernelConfig,
    inputs: tf.NamedTensorInfoMap | Info[],
    attrs: tf.NamedAttrMap = {},
  ): Info {
    const config = typeof name === "string" ? tf.getKernel(name, "wasm") : name;
    if (config === undefined) {
      throw new RangeError(`Cannot run kernel "${name}": it is not registered for wasm`);
    }
    const out = config.kernelFunc({
      inputs: inputs as tf.NamedTensorInfoMap,
      backend: this.#backend as unknown as tf.KernelBackend,
      attrs,
    });
    const info = Array.isArray(out) ? out[0] : out;
    if (info === undefined) {
      throw new RangeError(`Kernel "${config.kernelName}" returned no output`);
    }
    this.#made.push(info);
    return info;
  }

  /** Reshape (shares data, no copy). */
  reshape(x: Info, shape: number[]): Info {
    return this.run("Reshape", { x }, { shape });
  }

  /** Transpose by `perm`. */
  transpose(x: Info, perm: number[]): Info {
    return this.run("Transpose", { x }, { perm });
  }

  /** Sum over `axis`, dropping it. */
  sum(x: Info, axis: number): Info {
    return this.run("Sum", { x }, { axis: [axis], keepDims: false });
  }

  /**
   * Pads (positive amounts) or crops (negative amounts) each dimension by `[before, after]`.
   * Returns `x` itself when nothing changes.
   */
  padOrCrop(x: Info, amounts: Array<[number, number]>, value = 0): Info {
    let out = x;
    if (amounts.some(([b, a]) => b < 0 || a < 0)) {
      const begin = amounts.map(([b]) => Math.max(0, -b));
      const size = amounts.map(([b, a], i) => (x.shape[i] ?? 0) + Math.min(0, b) + Math.min(0, a));
      out = this.run("Slice", { x: out }, { begin, size });
    }
    if (amounts.some(([b, a]) => b > 0 || a > 0)) {
      const paddings = amounts.map(([b, a]) => [Math.max(0, b), Math.max(0, a)]);
      out = this.run("PadV2", { x: out }, { paddings, constantValue: value });
    }
    return out;
  }

  /**
   * Inserts `sh - 1` zero rows and `sw - 1` zero columns between the pixels of an NHWC tensor,
   * and after the last one: `[n, h, w, c]` becomes `[n, h * sh, w * sw, c]`.
   */
  zeroInsert(x: Info, sh: number, sw: number): Info {
    if (sh === 1 && sw === 1) return x;
    const [n = 1, h = 1, w = 1, c = 1] = x.shape;
    const rows = this.run("PadV2", { x: this.reshape(x, [n * h, 1, w, c]) }, {
      paddings: [[0, 0], [0, sh - 1], [0, 0], [0, 0]],
      constantValue: 0,
    });
    const cols = this.run("PadV2", { x: this.reshape(rows, [n * h * sh * w, 1, c]) }, {
      paddings: [[0, 0], [0, sw - 1], [0, 0]],
      constantValue: 0,
    });
    return this.reshape(cols, [n, h * sh, w * sw, c]);
  }

  /** Frees every output made in this scope except `keep` (all of them when `keep` is null). */
  release(keep: Info | null): void {
    for (const info of this.#made) {
      if (info !== keep) this.#backend.disposeData(info.dataId);
    }
    this.#made.length = 0;
  }
}

/**
 * Runs `body` in a fresh kernel scope; frees its intermediates, also when it throws.
 * The returned tensor is owned by the caller (the engine, for a kernel's output).
 */
export function withKernelScope(backend: DisposingBackend, body: (s: KernelScope) => Info): Info {
  const scope = new KernelScope(backend);
  let result: Info | null = null;
  try {
    result = body(scope);
    return result;
  } finally {
    scope.release(result);
  }
}
