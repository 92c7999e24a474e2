/**
 * Progress of a `dnas` run: phase, step, loss, temperature, the multiplier and the
 * expected-cost / budget ratio of every additive budget, the mean normalized entropy of
 * the architecture's probabilities (a `collapse` flag when it falls below
 * {@linkcode COLLAPSE_ENTROPY} in the first half of the search), and an ETA.
 *
 * @module
 */
import type { Budget } from "../cost/budget.ts";
import type { Architecture } from "../relax/architecture.ts";
import type { DualAscent } from "../relax/dual.ts";
import { meanEntropy, readProbs } from "./dnas_project.ts";
import type { StrategyContext } from "./types.ts";

/** Mean normalized entropy below which an early search is flagged as collapsed. */
export const COLLAPSE_ENTROPY = 0.05;

/** Phases of a run. */
export type DnasPhase = "warmup" | "search" | "finetune" | "evaluate";

/** Per-step state reported. */
export interface StepState {
  readonly loss: number;
  readonly tau?: number;
  readonly arch?: Architecture;
  readonly dual?: DualAscent;
  readonly budgets?: readonly Budget[];
  readonly ratios?: ArrayLike<number>;
}

/** A throttled progress reporter. */
export interface DnasReporter {
  /** Reports step `step` of `total` in `phase` (every `every` steps, and the last one). */
  step(phase: DnasPhase, step: number, total: number, s: StepState): void;
  /** Losses, entropies and multipliers recorded at each report. */
  readonly history: Record<string, number>[];
}

/** Creates the reporter of a run; `plannedSteps` is the total of every phase (for the ETA). */
export function createReporter(
  ctx: StrategyContext,
  every: number,
  plannedSteps: number,
): DnasReporter {
  const now = ctx.now ?? (() => performance.now());
  const t0 = now();
  let done = 0;
  const history: Record<string, number>[] = [];
  return {
    history,
    step(phase, step, total, s) {
      done++;
      if ((step + 1) % every !== 0 && step !== total - 1) return;
      const metrics: Record<string, number> = { loss: s.loss };
      if (s.tau !== undefined) metrics.temperature = s.tau;
      if (s.arch) {
        const h = meanEntropy(readProbs(s.arch));
        metrics.entropy = h;
        if (phase === "search" && step < total / 2 && h < COLLAPSE_ENTROPY) metrics.collapse = 1;
      }
      s.budgets?.forEach((b, k) => {
        metrics[`lambda.${b.kind}`] = s.dual?.lambdas[k] ?? 0;
        const r = s.ratios?.[k];
        if (r !== undefined) {
          metrics[`expected.${b.kind}`] = r * b.value;
          metrics[`budget.${b.kind}`] = b.value;
        }
      });
      const elapsed = now() - t0;
      metrics.eta_s = done > 0 ? (elapsed / done) * Math.max(0, plannedSteps - done) / 1000 : 0;
      history.push({ step, ...metrics });
      ctx.onProgress?.({ strategy: "dnas", phase, step: step + 1, total, metrics });
    },
  };
}
