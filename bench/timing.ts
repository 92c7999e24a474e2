/**
 * The repetition policy shared by every suite (and mirrored by `bench/torch_peer.py`):
 * `warmup` untimed runs, then timed runs until `reps` samples are taken, stopping early
 * once `budgetMs` of timed work has passed and at least `MIN_REPS` samples exist.
 *
 * @module
 */

/** Untimed runs before measuring. @default 3 */
export const DEFAULT_WARMUP = 3;
/** Timed runs per case. @default 10 */
export const DEFAULT_REPS = 10;
/** Wall-clock budget for the timed runs of one case, in ms. @default 60000 */
export const DEFAULT_BUDGET_MS = 60_000;
/** Fewest timed runs, even when the budget is spent. @default 3 */
export const MIN_REPS = 3;

/** How often to run a case. */
export interface TimingOptions {
  /** Untimed runs first. @default DEFAULT_WARMUP */
  readonly warmup?: number;
  /** Timed runs wanted. @default DEFAULT_REPS */
  readonly reps?: number;
  /** Stop after this much timed work (but not before `min(reps, MIN_REPS)` runs). @default DEFAULT_BUDGET_MS */
  readonly budgetMs?: number;
  /** Clock in ms (injected for tests). @default performance.now */
  readonly now?: () => number;
}

function checkCount(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(
      `Cannot time a case with ${name} ${value}: it must be an integer >= ${min}`,
    );
  }
}

/**
 * Runs `fn` per the repetition policy and returns the timed samples in ms.
 *
 * @example
 * ```ts
 * import { measure } from "./bench/timing.ts";
 * const samples = await measure(() => {}, { warmup: 1, reps: 5 });
 * console.assert(samples.length === 5);
 * ```
 */
export async function measure(
  fn: () => unknown | Promise<unknown>,
  options: TimingOptions = {},
): Promise<number[]> {
  const warmup = options.warmup ?? DEFAULT_WARMUP;
  const reps = options.reps ?? DEFAULT_REPS;
  const budgetMs = options.budgetMs ?? DEFAULT_BUDGET_MS;
  const now = options.now ?? (() => performance.now());
  checkCount("warmup", warmup, 0);
  checkCount("reps", reps, 1);
  if (!(budgetMs > 0)) throw new RangeError(`Cannot time a case with budgetMs ${budgetMs}`);
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  let spent = 0;
  while (samples.length < reps) {
    const t0 = now();
    await fn();
    const dt = now() - t0;
    samples.push(dt);
    spent += dt;
    if (spent >= budgetMs && samples.length >= Math.min(reps, MIN_REPS)) break;
  }
  return samples;
}
