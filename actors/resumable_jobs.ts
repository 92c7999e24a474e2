/**
 * Jobs that survive a coordinator restart: a job's successful result is stored in the run
 * store when it arrives, and asking for the same job again (same run and job id, as a
 * resumed coordinator does) returns the stored result instead of running it again.
 * Failed results are not stored: a resumed run tries those jobs again.
 *
 * @module
 */
import type { JobQueue } from "./job_queue.ts";
import type { JobMessage, JobResultMessage } from "./protocol.ts";
import type { RunStore } from "./run_store.ts";

/** One run's jobs, each run at most once to success. */
export interface ResumableJobs {
  /** The stored result of `jobId`, or `submit()`'s (stored when ok). */
  once(jobId: string, submit: () => Promise<JobResultMessage>): Promise<JobResultMessage>;
}

/**
 * Resumable jobs of `run` on `store`.
 *
 * @example
 * ```ts ignore
 * const jobs = resumableJobs(store, "run1");
 * const r = await jobs.once("trial-3", () => queue.submit(job));
 * ```
 */
export function resumableJobs(store: RunStore, run: string): ResumableJobs {
  return {
    async once(jobId, submit) {
      const stored = await store.getResult(run, jobId);
      if (stored !== null) return stored;
      const result = await submit();
      if (result.run !== run || result.jobId !== jobId) {
        throw new TypeError(
          `Cannot store the result of ${result.run}/${result.jobId} as ${run}/${jobId}`,
        );
      }
      if (result.ok) await store.putResult(result);
      return result;
    },
  };
}

/**
 * Wraps a job queue so that jobs with a stored result are not submitted again: give it to
 * the coordinator to make a run resumable (its job ids are deterministic).
 *
 * @example
 * ```ts ignore
 * const queue = resumableQueue(await jetStreamJobQueue(bus, subjects), await runStore(bus));
 * await coordinateSearch({ bus, queue, subjects, run, spec, static: s });
 * ```
 */
export function resumableQueue(queue: JobQueue, store: RunStore): JobQueue {
  return {
    submit: (job: JobMessage) =>
      resumableJobs(store, job.run).once(job.jobId, () => queue.submit(job)),
  };
}
