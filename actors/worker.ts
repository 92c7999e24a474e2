/**
 * A worker actor: takes jobs from the job subjects (one queue group, so each job reaches one
 * worker), runs the handler of the job's kind, answers with a `job-result`, and publishes a
 * heartbeat every couple of seconds. A malformed message or a failing handler is answered
 * (or reported) and never stops the worker. Handlers are injected: the worker knows nothing
 * of what a job computes.
 *
 * @module
 */
import type { Bus, BusMessage, Subscription } from "./bus/bus.ts";
import { decode, encode } from "./codec.ts";
import { WORKER_QUEUE } from "./job_queue.ts";
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
}

/** A running worker. */
export interface WorkerHandle {
  readonly id: string;
  /** Current state. */
  state(): WorkerState;
  /** Stops taking jobs, waits for the running ones, stops heartbeats. */
  drain(): Promise<void>;
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
  const running = new Map<string, Promise<void>>();
  let state: WorkerState = "idle";
  let sub: Subscription | undefined;

  const beat = () => {
    bus.publish(
      subjects.heartbeat(id),
      encode({
        type: "heartbeat",
        v: PROTOCOL_VERSION,
        workerId: id,
        at: Date.now(),
        state,
        concurrency,
        jobs: [...running.keys()],
      }),
    );
  };
  const timer = (options.heartbeatMs ?? HEARTBEAT_MS) > 0
    ? setInterval(beat, options.heartbeatMs ?? HEARTBEAT_MS)
    : undefined;

  const handle = async (msg: BusMessage): Promise<void> => {
    let job: JobMessage;
    try {
      const m = decode(msg.data);
      if (m.type !== "job") throw new TypeError(`expected a job, got ${m.type}`);
      job = m;
    } catch (e) {
      options.onReject?.(msg.subject, (e as Error).message);
      return;
    }
    const reply = (ok: boolean, out?: JobOutput, error?: string) =>
      msg.respond(encode({
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
      }));
    const handler = handlers[job.kind];
    if (handler === undefined) {
      reply(false, undefined, `worker ${id} has no handler for ${job.kind} jobs`);
      return;
    }
    state = "busy";
    try {
      reply(true, await handler(job));
    } catch (e) {
      reply(false, undefined, (e as Error)?.message ?? String(e));
    } finally {
      if (running.size <= 1 && waiting.length === 0 && state === "busy") state = "idle";
    }
  };

  const waiting: BusMessage[] = [];
  let seq = 0;
  const pump = () => {
    while (running.size < concurrency && waiting.length > 0) {
      const msg = waiting.shift()!;
      const key = `${id}-${seq++}`;
      running.set(key, handle(msg).finally(() => (running.delete(key), pump())));
    }
  };
  sub = bus.subscribe(subjects.allJobs(), (msg) => {
    if (state === "draining") {
      options.onReject?.(msg.subject, "worker draining");
      return; // unanswered: the requester sends it again to another worker
    }
    waiting.push(msg);
    pump();
  }, { queue: WORKER_QUEUE });
  if (timer !== undefined) beat();

  return {
    id,
    state: () => state,
    async drain() {
      state = "draining";
      sub?.unsubscribe();
      sub = undefined;
      await Promise.allSettled([...running.values()]);
      if (timer !== undefined) clearInterval(timer);
    },
  };
}
