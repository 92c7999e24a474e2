/**
 * Optimizers of the parameter server, on plain Float32Arrays: SGD with (Nesterov) momentum
 * and Adam, both with optional L2 weight decay. Deterministic: element-wise float64
 * arithmetic stored to float32, in index order, so every run and platform agrees.
 *
 * @module
 */

/** SGD with momentum (PyTorch form: `v = momentum·v + g; p -= lr·v`). */
export interface SgdConfig {
  readonly kind: "sgd";
  readonly lr: number;
  /** @default 0 */
  readonly momentum?: number;
  /** @default false */
  readonly nesterov?: boolean;
  /** L2 penalty added to the gradient. @default 0 */
  readonly weightDecay?: number;
}

/** Adam with bias correction (Kingma & Ba; PyTorch's defaults). */
export interface AdamConfig {
  readonly kind: "adam";
  readonly lr: number;
  /** @default 0.9 */
  readonly beta1?: number;
  /** @default 0.999 */
  readonly beta2?: number;
  /** @default 1e-8 */
  readonly epsilon?: number;
  /** L2 penalty added to the gradient. @default 0 */
  readonly weightDecay?: number;
}

/** An optimizer configuration. */
export type OptimizerConfig = SgdConfig | AdamConfig;

/** The state of one variable: step count and slots (momentum; or first and second moments). */
export interface SlotState {
  readonly t: number;
  readonly slots: readonly Float32Array[];
}

/** Steps named Float32Array parameters in place. */
export class ParamOptimizer {
  readonly config: OptimizerConfig;
  #state = new Map<string, { t: number; slots: Float32Array[] }>();

  constructor(config: OptimizerConfig) {
    if (!(config.lr >= 0) || !Number.isFinite(config.lr)) {
      throw new RangeError(`Cannot use learning rate ${config.lr}: expected a number >= 0`);
    }
    if (config.kind !== "sgd" && config.kind !== "adam") {
      throw new RangeError(`Unknown optimizer kind ${JSON.stringify((config as SgdConfig).kind)}`);
    }
    this.config = config;
  }

  #slotsOf(name: string, n: number, count: number) {
    let s = this.#state.get(name);
    if (!s) {
      s = { t: 0, slots: Array.from({ length: count }, () => new Float32Array(n)) };
      this.#state.set(name, s);
    }
    return s;
  }

  /**
   * One step of variable `name`: updates `param` in place from `grad` (same length),
   * scaled by `scale` (e.g. 1/K for an average of K summed gradients).
   *
   * @example
   * ```ts
   * import { ParamOptimizer } from "./param_optimizer.ts";
   * const p = new Float32Array([1, 2]);
   * new ParamOptimizer({ kind: "sgd", lr: 0.5 }).step("w", p, new Float32Array([2, 2]));
   * console.assert(p[0] === 0 && p[1] === 1);
   * ```
   */
  step(name: string, param: Float32Array, grad: Float32Array, scale = 1): void {
    if (param.length !== grad.length) {
      throw new RangeError(
        `Cannot step "${name}": gradient has ${grad.length} elements, parameter ${param.length}`,
      );
    }
    const c = this.config;
    const wd = c.weightDecay ?? 0;
    const n = param.length;
    if (c.kind === "sgd") {
      const mu = c.momentum ?? 0;
      if (mu === 0) {
        for (let i = 0; i < n; i++) {
          param[i] = param[i]! - c.lr * (grad[i]! * scale + wd * param[i]!);
        }
        return;
      }
      const s = this.#slotsOf(name, n, 1);
      const v = s.slots[0]!;
      const first = s.t === 0;
      s.t++;
      for (let i = 0; i < n; i++) {
        const g = grad[i]! * scale + wd * param[i]!;
        v[i] = first ? g : mu * v[i]! + g;
        param[i] = param[i]! - c.lr * (c.nesterov ? g + mu * v[i]! : v[i]!);
      }
      return;
    }
    const b1 = c.beta1 ?? 0.9;
    const b2 = c.beta2 ?? 0.999;
    const eps = c.epsilon ?? 1e-8;
    const s = this.#slotsOf(name, n, 2);
    const [m, v] = s.slots as [Float32Array, Float32Array];
    s.t++;
    const c1 = 1 - b1 ** s.t;
    const c2 = 1 - b2 ** s.t;
    for (let i = 0; i < n; i++) {
      const g = grad[i]! * scale + wd * param[i]!;
      m[i] = b1 * m[i]! + (1 - b1) * g;
      v[i] = b2 * v[i]! + (1 - b2) * g * g;
      param[i] = param[i]! - c.lr * (m[i]! / c1) / (Math.sqrt(v[i]! / c2) + eps);
    }
  }

  /** A copy of the state of every variable stepped so far (for checkpoints). */
  state(): Record<string, SlotState> {
    const out: Record<string, SlotState> = {};
    for (const [name, s] of this.#state) {
      out[name] = { t: s.t, slots: s.slots.map((a) => a.slice()) };
    }
    return out;
  }

  /** Replaces the state (from `state()`); copies the arrays. */
  restore(state: Readonly<Record<string, SlotState>>): void {
    this.#state.clear();
    for (const [name, s] of Object.entries(state)) {
      this.#state.set(name, { t: s.t, slots: s.slots.map((a) => a.slice()) });
    }
  }
}
