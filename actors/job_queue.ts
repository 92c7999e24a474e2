/**
 * Where the coordinator sends jobs: a `JobQueue` hands each job to one worker and resolves
 * with its result. `busJobQueue` does it with request/reply to a queue group on any `Bus`
 * (in-process or NATS core); a JetStream work queue can implement the same interface.
 *
 * @module
 */
import type { Bus } from "./bus/bus.ts";
import { decode, encode } from "./codec.ts";
import type { JobMessage, JobResultMessage, Subjects } from "./protocol.ts";

/** Queue group shared by every worker. @default "tailor-workers" */
export const WORKER_QUEUE = "tailor-workers";

/** A job timed out or came back malformed. */
export class JobFailedError extends Error {
  readonly jobId: string;
  constructor(jobId: string, message: string, options?: { cause?: unknown }) {
    super(`Job ${jobId} failed: ${message}`, options);
    this.name = "JobFailedError";
    this.jobId = jobId;
  }
}

/** Hands jobs to workers. */
export interface JobQueue {
  /** Resolves with the worker's result (ok or not); rejects with JobFailedError on transport failure. */
  submit(job: JobMessage): Promise<JobResultMessage>;
}

/** Options of {@linkcode busJobQueue}. */
export interface BusJobQueueOptions {
  /** How long a job may run before it counts as lost. @default 3_600_000 */
  readonly timeoutMs?: number;
  /** Attempts per job (a lost job is sent again). @default 3 */
  readonly attempts?: number;
}

/**
 * A job queue over request/reply on `subjects.jobs(run, kind)`.
 *
 * @example
 * ```ts ignore
 * const queue = busJobQueue(bus, createSubjects());
 * const result = await queue.submit(job);
 * ```
 */
export function busJobQueue(
  bus: Bus,
  subjects: Subjects,
  options: BusJobQueueOptions = {},
): JobQueue {
  const timeoutMs = options.timeoutMs ?? 3_600_000;
  const attempts = options.attempts ?? 3;
  return {
    async submit(job: JobMessage): Promise<JobResultMessage> {
      let last: unknown;
      for (let attempt = job.attempt; attempt < job.attempt + attempts; attempt++) {
        try {
          const reply = await bus.request(
            subjects.jobs(job.run, job.kind),
            encode({ ...job, attempt }),
            { timeoutMs },
          );
          const msg = decode(reply);
          if (msg.type !== "job-result" || msg.jobId !== job.jobId) {
            throw new JobFailedError(job.jobId, `unexpected reply of type ${msg.type}`);
          }
          return msg;
        } catch (e) {
          last = e;
        }
      }
      throw new JobFailedError(
        job.jobId,
        `no result after ${attempts} attempts: ${(last as Error)?.message ?? last}`,
        { cause: last },
      );
    },
  };
}
