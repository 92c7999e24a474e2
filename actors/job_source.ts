/**
 * Where a worker gets its jobs: a `JobSource` hands encoded jobs to the worker, at most
 * `concurrency` at a time, and settles each one the way its transport needs (a reply on
 * NATS core, an ack on JetStream). `coreJobSource` is the request/reply one (a queue group
 * on any `Bus`); `jetStreamJobSource` (in `jetstream_source.ts`) pulls from a JetStream
 * work queue.
 *
 * @module
 */
import type { Bus, BusMessage, Subscription } from "./bus/bus.ts";
import { WORKER_QUEUE } from "./job_queue.ts";
import type { JobMessage, Subjects } from "./protocol.ts";

/** One job handed to a worker. */
export interface JobDelivery {
  /** The subject the job arrived on. */
  readonly subject: string;
  /** The encoded job (decode with `codec.decode`). */
  readonly data: Uint8Array;
  /** The delivery count as the transport counts it (JetStream), when it knows. */
  readonly deliveries?: number;
  /** Sends the encoded `job-result` of `job`, then acknowledges the job. */
  complete(result: Uint8Array, job: JobMessage): Promise<void>;
  /** Drops a delivery that is not a valid job, for good. */
  reject(reason: string): void;
  /** Hands the job back so that it is delivered again promptly (to any worker). */
  giveBack(): void;
}

/** Runs one delivery; resolves once the delivery has been settled. */
export type DeliveryHandler = (delivery: JobDelivery) => Promise<void>;

/** A stream of jobs for one worker. */
export interface JobSource {
  /** Starts delivering to `handle`, with at most `concurrency` deliveries unsettled. */
  start(handle: DeliveryHandler, concurrency: number): void;
  /** Stops taking jobs; resolves once `handle` will not be called again. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@linkcode coreJobSource}. */
export interface CoreJobSourceOptions {
  /** Queue group. @default WORKER_QUEUE */
  readonly queue?: string;
  /** Told about jobs refused because the source was stopping. */
  readonly onReject?: (subject: string, reason: string) => void;
}

/**
 * Jobs by request/reply on `subjects.allJobs()` in a queue group, so each job reaches one
 * worker; the result is the reply. A job beyond `concurrency` waits in the worker; a job
 * arriving after `stop()` is left unanswered, so the requester sends it again.
 *
 * @example
 * ```ts ignore
 * const w = startWorker(bus, { id: "w1", subjects, handlers, source: coreJobSource(bus, subjects) });
 * ```
 */
export function coreJobSource(
  bus: Bus,
  subjects: Subjects,
  options: CoreJobSourceOptions = {},
): JobSource {
  let sub: Subscription | undefined;
  let stopped = false;
  return {
    start(handle, concurrency) {
      if (sub !== undefined || stopped) throw new TypeError("Cannot start a job source twice");
      const waiting: BusMessage[] = [];
      let running = 0;
      const pump = () => {
        while (running < concurrency && waiting.length > 0 && !stopped) {
          const msg = waiting.shift()!;
          running++;
          handle(delivery(msg)).finally(() => (running--, pump()));
        }
      };
      sub = bus.subscribe(subjects.allJobs(), (msg) => {
        if (stopped) return options.onReject?.(msg.subject, "worker draining");
        waiting.push(msg);
        pump();
      }, { queue: options.queue ?? WORKER_QUEUE });
    },
    stop() {
      stopped = true;
      sub?.unsubscribe();
      sub = undefined;
      return Promise.resolve();
    },
  };
}

function delivery(msg: BusMessage): JobDelivery {
  return {
    subject: msg.subject,
    data: msg.data,
    complete: (result) => {
      msg.respond(result);
      return Promise.resolve();
    },
    reject: () => {}, // unanswered: the requester gives up after its timeout
    giveBack: () => {}, // unanswered: the requester sends it again
  };
}
