/**
 * The worker-side handlers of a search's jobs: the engine's job functions, with their
 * progress published as monitoring events on the run's subject (at most a few per second).
 *
 * @module
 */
import {
  type JobProgress,
  runCandidateJob,
  runSensitivityJob,
  runTrialJob,
} from "../engine/search/jobs.ts";
import type {
  CandidateJobSpec,
  SensitivityJobSpec,
  TrialJobSpec,
} from "../engine/search/jobs_spec.ts";
import type { Bus } from "./bus/bus.ts";
import { encode } from "./codec.ts";
import {
  type JobKind,
  type JobMessage,
  type JsonValue,
  PROTOCOL_VERSION,
  type Subjects,
} from "./protocol.ts";
import type { JobHandler } from "./worker.ts";

/** Minimum interval between two progress events of one job, ms. @default 250 */
export const PROGRESS_INTERVAL_MS = 250;

function reporter(bus: Bus, subjects: Subjects, job: JobMessage) {
  let last = 0;
  return (p: JobProgress) => {
    const t = Date.now();
    if (t - last < PROGRESS_INTERVAL_MS && p.done < p.total) return;
    last = t;
    const metrics = Object.fromEntries(
      Object.entries(p.metrics ?? {}).filter(([, v]) => Number.isFinite(v)),
    );
    bus.publish(
      subjects.events(job.run),
      encode({
        type: "progress",
        v: PROTOCOL_VERSION,
        run: job.run,
        at: t,
        trialId: job.trialId,
        phase: p.phase,
        done: p.done,
        total: p.total,
        metrics,
      }),
    );
  };
}

/**
 * Handlers for `sensitivity-scan`, `trial` and `candidate-eval` jobs.
 *
 * @example
 * ```ts ignore
 * startWorker(bus, { id: "w1", subjects, handlers: searchHandlers(bus, subjects) });
 * ```
 */
export function searchHandlers(bus: Bus, subjects: Subjects): Partial<Record<JobKind, JobHandler>> {
  const wrap =
    <S, R>(f: (s: S, o: { onProgress: (p: JobProgress) => void }) => Promise<R>): JobHandler =>
    async (job) => ({
      result: (await f(job.spec as S, {
        onProgress: reporter(bus, subjects, job),
      })) as unknown as JsonValue,
    });
  return {
    "sensitivity-scan": wrap<SensitivityJobSpec, unknown>(runSensitivityJob),
    "trial": wrap<TrialJobSpec, unknown>(runTrialJob),
    "candidate-eval": wrap<CandidateJobSpec, unknown>(runCandidateJob),
  };
}
