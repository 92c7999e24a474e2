/**
 * Learning-rate schedules: a pure function of the step, so a run is reproducible and
 * a schedule is testable without training.
 *
 * @module
 */

/** Default peak learning rate (Adam). */
export const DEFAULT_LR = 1e-3;

/** Default fraction of the run spent warming up linearly from 0 to the peak. */
export const DEFAULT_WARMUP_FRACTION = 0.02;

/** A learning-rate schedule, as data. */
export type LrSchedule =
  | {
    /** Linear warm-up, then half-cosine decay from `lr` to `minLr` at the last step. */
    readonly kind: "cosine";
    readonly lr: number;
    /** @default 0 */
    readonly minLr?: number;
    /** Fraction of all steps spent warming up. @default {@linkcode DEFAULT_WARMUP_FRACTION} */
    readonly warmupFraction?: number;
  }
  | {
    /** `lr * gamma^k` after the k-th milestone (fractions of the run, ascending). */
    readonly kind: "step";
    readonly lr: number;
    readonly milestones: readonly number[];
    /** @default 0.1 */
    readonly gamma?: number;
  }
  | { readonly kind: "constant"; readonly lr: number };

/** The default schedule: cosine decay from {@linkcode DEFAULT_LR} to 0 with a short warm-up. */
export const DEFAULT_SCHEDULE: LrSchedule = { kind: "cosine", lr: DEFAULT_LR };

/**
 * Learning rate at `step` (0-based) of a run of `totalSteps` steps.
 *
 * @example
 * ```ts
 * import { learningRateAt } from "./schedule.ts";
 * const lr = learningRateAt({ kind: "cosine", lr: 1e-3, warmupFraction: 0 }, 0, 100);
 * console.assert(lr === 1e-3);
 * ```
 */
export function learningRateAt(schedule: LrSchedule, step: number, totalSteps: number): number {
  if (!Number.isInteger(totalSteps) || totalSteps <= 0) {
    throw new RangeError(`Cannot compute a learning rate for totalSteps ${totalSteps}`);
  }
  if (!(schedule.lr > 0)) {
    throw new RangeError(`Cannot use learning rate ${schedule.lr}: expected a positive number`);
  }
  const t = Math.min(Math.max(step, 0), totalSteps - 1);
  switch (schedule.kind) {
    case "constant":
      return schedule.lr;
    case "step": {
      const passed = schedule.milestones.filter((m) => t >= m * totalSteps).length;
      return schedule.lr * (schedule.gamma ?? 0.1) ** passed;
    }
    case "cosine": {
      const minLr = schedule.minLr ?? 0;
      const warmup = Math.floor((schedule.warmupFraction ?? DEFAULT_WARMUP_FRACTION) * totalSteps);
      if (t < warmup) return (schedule.lr * (t + 1)) / warmup;
      const span = Math.max(totalSteps - 1 - warmup, 1);
      const progress = (t - warmup) / span;
      return minLr + 0.5 * (schedule.lr - minLr) * (1 + Math.cos(Math.PI * progress));
    }
  }
}
