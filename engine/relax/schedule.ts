/**
 * Temperature annealing of the Gumbel-softmax gates: exponential decay from a start to an
 * end temperature over the search steps (FBNet / DNAS practice).
 *
 * @module
 */

/** An exponential temperature schedule. */
export interface TemperatureSchedule {
  /** Temperature at the first step (> 0). @default 2 */
  readonly start: number;
  /** Temperature at the last step (> 0). @default 0.2 */
  readonly end: number;
}

/** The default schedule, 2 -> 0.2. */
export const DEFAULT_TEMPERATURE: TemperatureSchedule = { start: 2, end: 0.2 };

/**
 * `start * (end / start) ^ (step / (total - 1))`, clamped to the schedule's ends. Throws
 * RangeError for a non-positive temperature or total.
 *
 * @example
 * ```ts
 * import { temperatureAt } from "./schedule.ts";
 * console.assert(temperatureAt({ start: 4, end: 1 }, 0, 3) === 4);
 * console.assert(temperatureAt({ start: 4, end: 1 }, 1, 3) === 2);
 * ```
 */
export function temperatureAt(
  schedule: TemperatureSchedule,
  step: number,
  total: number,
): number {
  const { start, end } = schedule;
  if (!(start > 0) || !(end > 0)) {
    throw new RangeError(`Cannot anneal from temperature ${start} to ${end}: both must be > 0`);
  }
  if (!(total >= 1)) throw new RangeError(`Cannot anneal over ${total} steps`);
  if (total === 1) return end;
  const t = Math.min(1, Math.max(0, step / (total - 1)));
  return start * (end / start) ** t;
}
