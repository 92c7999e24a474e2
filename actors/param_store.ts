/**
 * The state of one parameter-server shard, without any I/O: named float32 parameters, their
 * optimizer, a version counter, and the aggregation rule. Synchronous mode buffers one
 * gradient per worker for the current version and, once `workers` have arrived, sums them in
 * worker-id order, steps once with the average and bumps the version. Asynchronous mode
 * applies each gradient whose base version is at most `staleness` behind.
 *
 * @module
 */
import { decompressTensor } from "./fp16.ts";
import { type OptimizerConfig, ParamOptimizer, type SlotState } from "./param_optimizer.ts";
import type { WireTensor } from "./protocol.ts";

/** How gradients are combined. */
export type ParamMode =
  | { readonly kind: "sync"; readonly workers: number }
  | { readonly kind: "async"; readonly staleness: number };

/** A named parameter: shape and row-major values. */
export interface ParamTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** Why a gradient was refused (`GradAckMessage.reason` starts with it). */
export type RejectReason =
  | "stale-version"
  | "future-version"
  | "duplicate"
  | "unknown-variable"
  | "shape-mismatch"
  | "non-finite"
  | "bad-chunk"
  | "incomplete";

/** A refused gradient; `reason` is machine-readable. */
export class GradRejectedError extends Error {
  readonly reason: RejectReason;
  constructor(reason: RejectReason, message: string) {
    super(`${reason}: ${message}`);
    this.name = "GradRejectedError";
    this.reason = reason;
  }
}

/** What happened to a submitted gradient. */
export type SubmitOutcome =
  | { readonly status: "waiting" }
  | { readonly status: "applied"; readonly version: number };

/** A checkpoint of a shard. */
export interface ParamSnapshot {
  readonly version: number;
  readonly params: Record<string, ParamTensor>;
  readonly optimizer: Record<string, SlotState>;
}

function checkMode(mode: ParamMode): void {
  const n = mode.kind === "sync" ? mode.workers : mode.staleness;
  const min = mode.kind === "sync" ? 1 : 0;
  if (!Number.isInteger(n) || n < min) {
    throw new RangeError(`Cannot use ${mode.kind} mode with ${n}: expected an integer >= ${min}`);
  }
}

/** One shard's parameters, optimizer and version. */
export class ParamStore {
  readonly mode: ParamMode;
  readonly params: ReadonlyMap<string, ParamTensor>;
  #version: number;
  #optimizer: ParamOptimizer;
  #pending = new Map<string, Map<string, Float32Array>>();
  #scratch = new Map<string, Float32Array>();

  /** Copies `params`. */
  constructor(
    params: Readonly<Record<string, ParamTensor>>,
    options: { optimizer: OptimizerConfig; mode: ParamMode; version?: number },
  ) {
    checkMode(options.mode);
    this.mode = options.mode;
    this.#version = options.version ?? 0;
    this.#optimizer = new ParamOptimizer(options.optimizer);
    const map = new Map<string, ParamTensor>();
    for (const [name, p] of Object.entries(params)) {
      const n = p.shape.reduce((a, b) => a * b, 1);
      if (!(p.data instanceof Float32Array) || p.data.length !== n) {
        throw new RangeError(`Cannot serve parameter "${name}": data does not match [${p.shape}]`);
      }
      map.set(name, { shape: [...p.shape], data: p.data.slice() });
    }
    this.params = map;
  }

  /** The current version (bumped by every optimizer step). */
  get version(): number {
    return this.#version;
  }

  /** Workers whose gradient for the current version is buffered (sync mode). */
  get waiting(): number {
    return this.#pending.size;
  }

  /** Checks names, shapes and values; returns float32 gradients (fp16 widened). */
  validate(grads: Readonly<Record<string, WireTensor>>): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const [name, g] of Object.entries(grads)) {
      const p = this.params.get(name);
      if (!p) throw new GradRejectedError("unknown-variable", `no parameter "${name}" here`);
      const t = decompressTensor(g);
      if (t.dtype !== "float32" || t.data.length !== p.data.length) {
        throw new GradRejectedError(
          "shape-mismatch",
          `gradient of "${name}" is ${g.dtype} [${g.shape}], parameter is float32 [${p.shape}]`,
        );
      }
      const data = t.data as Float32Array;
      for (let i = 0; i < data.length; i++) {
        if (!Number.isFinite(data[i]!)) {
          throw new GradRejectedError("non-finite", `gradient of "${name}" has ${data[i]}`);
        }
      }
      out.set(name, data);
    }
    return out;
  }

  /**
   * Submits one worker's gradients computed at `baseVersion`. Throws `GradRejectedError`
   * when the gradient is refused; the state is then unchanged.
   */
  submit(
    workerId: string,
    baseVersion: number,
    grads: Readonly<Record<string, WireTensor>>,
  ): SubmitOutcome {
    const v = this.#version;
    if (baseVersion > v) {
      throw new GradRejectedError("future-version", `base version ${baseVersion} > ${v}`);
    }
    if (this.mode.kind === "async") {
      if (v - baseVersion > this.mode.staleness) {
        throw new GradRejectedError(
          "stale-version",
          `base version ${baseVersion} is ${
            v - baseVersion
          } behind ${v} (bound ${this.mode.staleness})`,
        );
      }
      for (const [name, g] of this.validate(grads)) {
        this.#optimizer.step(name, this.params.get(name)!.data, g);
      }
      return { status: "applied", version: ++this.#version };
    }
    if (baseVersion < v) {
      throw new GradRejectedError("stale-version", `base version ${baseVersion} < ${v}`);
    }
    if (this.#pending.has(workerId)) {
      throw new GradRejectedError("duplicate", `worker ${workerId} already pushed for ${v}`);
    }
    this.#pending.set(workerId, this.validate(grads));
    if (this.#pending.size < this.mode.workers) return { status: "waiting" };
    this.#stepAverage();
    return { status: "applied", version: ++this.#version };
  }

  #stepAverage(): void {
    const k = this.#pending.size;
    const order = [...this.#pending.keys()].sort();
    for (const [name, p] of this.params) {
      const parts = order.map((w) => this.#pending.get(w)!.get(name));
      if (parts.every((g) => g === undefined)) continue;
      let sum = this.#scratch.get(name);
      if (!sum) this.#scratch.set(name, sum = new Float32Array(p.data.length));
      sum.fill(0);
      for (const g of parts) {
        if (g) { for (let i = 0; i < g.length; i++) sum[i] = sum[i]! + g[i]!; }
      }
      this.#optimizer.step(name, p.data, sum, 1 / k);
    }
    this.#pending.clear();
  }

  /** A deep copy of parameters, optimizer state and version. */
  snapshot(): ParamSnapshot {
    const params: Record<string, ParamTensor> = {};
    for (const [n, p] of this.params) params[n] = { shape: p.shape, data: p.data.slice() };
    return { version: this.#version, params, optimizer: this.#optimizer.state() };
  }

  /** Restores optimizer state from a snapshot (parameters come through the constructor). */
  restoreOptimizer(state: Readonly<Record<string, SlotState>>): void {
    this.#optimizer.restore(state);
  }
}
