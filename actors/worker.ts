/**
 * A worker actor: takes jobs from a `JobSource` (by default request/reply on the job subjects
 * in one queue group, so each job reaches one worker; or a JetStream work queue), runs the
 * handler of the job's kind, answers with a `job-result`, and publishes a heartbeat every
 * couple of seconds. A malformed message or a failing handler is answered (or reported) and
 * never stops the worker. Handlers are injected: the worker knows nothing of what a job
 * computes.
 *
 * @module
 */
import type { Bus } from "./bus/bus.ts";
import { decode, encode } from "./codec.ts";
import { coreJobSource, type JobDelivery, type JobSource } from "./job_source.ts";
import {
  type JobKind,
  type JobMessage,
  type JsonValue,
  PROTOCOL_VERSION,
  type Subjects,
  type WireTensor,
  type WorkerState,
} from "./protocol.ts";

/** Heartbeat period. @default 2000 */
export const HEARTBEAT_MS = 2000;

/** What a handler returns. */
export interface JobOutput {
  readonly result: JsonValue;
  readonly tensors?: Readonly<Record<string, WireTensor>>;
}

/** Runs one kind of job. */
export type JobHandler = (job: JobMessage) => Promise<JobOutput>;

/** Options of {@linkcode startWorker}. */
export interface WorkerOptions {
  readonly id: string;
  readonly subjects: Subjects;
  readonly handlers: Partial<Record<JobKind, JobHandler>>;
  /** Jobs run at once. @default 1 */
  readonly concurrency?: number;
  /** Heartbeat period in ms (0: none). @default HEARTBEAT_MS */
  readonly heartbeatMs?: number;
  /** Told about messages the worker rejected. */
  readonly onReject?: (subject: string, reason: string) => void;
  /** Where jobs come from. @default coreJobSource(bus, subjects) */
  readonly source?: JobSource;
}

/** Options of {@linkcode WorkerHandle.drain}. */
export interface DrainOptions {
  /**
   * Give the running jobs this long to finish, then hand them back to the source (to be
   * delivered again promptly) and stop waiting for them. @default Infinity
   */
  readonly timeoutMs?: number;
}

/** A running worker. */
export interface WorkerHandle {
  readonly id: string;
  /** Current state. */
  state(): WorkerState;
  /** Stops taking jobs, waits for the running ones (or gives them back), stops heartbeats. */
  drain(options?: DrainOptions): Promise<void>;
}

interface Running {
  readonly delivery: JobDelivery;
  readonly done: Promise<void>;
  givenBack: boolean;
}

/**
 * Starts a worker on `bus`.
 *
 * @example
 * ```ts ignore
 * const w = startWorker(bus, { id: "w1", subjects, handlers: { "candidate-eval": evalJob } });
 * await w.drain();
 * ```
 */
export function startWorker(bus: Bus, options: WorkerOptions): WorkerHandle {
  const { id, subjects, handlers } = options;
  const concurrency = options.concurrency ?? 1;
  const source = options.source ?? coreJobSource(bus, subjects, {
    ...(options.onReject ? { onReject: options.onReject } : {}),
  });
  const running = new Map<string, Running>();
  const jobIds = new Map<string, string>();
  let state: WorkerState = "idle";
  let seq = 0;

  const beat = () => {
    try {
      bus.publish(
        subjects.heartbeat(id),
        encode({
          type: "heartbeat",
          v: PROTOCOL_VERSION,
          workerId: id,
          at: Date.now(),
          state,
          concurrency,
          jobs: [...jobIds.values()],
        }),
      );
    } catch { /* bus closed: the next drain stops the timer */ }
  };
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  const timer = heartbeatMs > 0 ? setInterval(beat, heartbeatMs) : undefined;

  const run = async (key: string, d: JobDelivery): Promise<void> => {
    let job: JobMessage;
    try {
      const m = decode(d.data);
      if (m.type !== "job") throw new TypeError(`expected a job, got ${m.type}`);
      job = d.deliveries === undefined ? m : { ...m, attempt: d.deliveries };
    } catch (e) {
      options.onReject?.(d.subject, (e as Error).message);
      d.reject((e as Error).message);
      return;
    }
    jobIds.set(key, job.jobId);
    const reply = (ok: boolean, out?: JobOutput, error?: string) => {
      if (running.get(key)?.givenBack) return Promise.resolve();
      return d.complete(
        encode({
          type: "job-result",
          v: PROTOCOL_VERSION,
          run: job.run,
          trialId: job.trialId,
          jobId: job.jobId,
          workerId: id,
          ok,
          ...(out ? { result: out.result } : {}),
          ...(out?.tensors ? { tensors: out.tensors } : {}),
          ...(error === undefined ? {} : { error }),
        }),
        job,
      );
    };
    const handler = handlers[job.kind];
    if (handler === undefined) {
      await reply(false, undefined, `worker ${id} has no handler for ${job.kind} jobs`);
      return;
    }
    if (state === "idle") state = "busy";
    let out: JobOutput;
    try {
      out = await handler(job);
    } catch (e) {
      await reply(false, undefined, (e as Error)?.message ?? String(e));
      return;
    }
    await reply(true, out);
  };

  const handle = (d: JobDelivery): Promise<void> => {
    const key = `${id}-${seq++}`;
    const entry: Running = {
      delivery: d,
      givenBack: false,
      done: run(key, d).catch((e) => options.onReject?.(d.subject, (e as Error).message))
        .finally(() => {
          running.delete(key);
          jobIds.delete(key);
          if (running.size === 0 && state === "busy") state = "idle";
        }),
    };
    running.set(key, entry);
    return entry.done;
  };
  source.start(handle, concurrency);
  if (timer !== undefined) beat();

  return {
    id,
    state: () => state,
    async drain(drainOptions: DrainOptions = {}) {
      state = "draining";
      if (timer !== undefined) beat();
      await source.stop();
      const all = Promise.allSettled([...running.values()].map((r) => r.done));
      const timeoutMs = drainOptions.timeoutMs ?? Infinity;
      if (Number.isFinite(timeoutMs)) {
        let t: ReturnType<typeof setTimeout> | undefined;
        const late = await Promise.race([
          all.then(() => false),
          new Promise<boolean>((r) => (t = setTimeout(() => r(true), Math.max(0, timeoutMs)))),
        ]);
        clearTimeout(t);
        if (late) {
          for (const r of running.values()) {
            r.givenBack = true;
            r.delivery.giveBack();
          }
        }
      } else await all;
      if (timer !== undefined) clearInterval(timer);
    },
  };
}
