/**
 * The worker side of the JetStream job queue: a `JobSource` pulling jobs one at a time per
 * free slot from the workers' durable consumer. A running job is kept alive with progress
 * acks (`working()`), so a long job is not redelivered while a worker that stops acking
 * (killed, cut off) loses its job to another worker after the ack wait. The result is
 * stored in the results stream before the job is acknowledged.
 *
 * @module
 */
import { type ConsumerMessages, jetstream, type JsMsg } from "@nats-io/jetstream";
import {
  DEFAULT_ACK_WAIT_MS,
  ensureJobStreams,
  type HasConnection,
  type JobStreamOptions,
  withRetry,
} from "./jetstream_stream.ts";
import type { DeliveryHandler, JobDelivery, JobSource } from "./job_source.ts";
import type { Subjects } from "./protocol.ts";

/** How long one pull waits for a job before asking again. @default 5000 */
export const DEFAULT_PULL_EXPIRES_MS = 5000;
/** Wait after a failed pull (server away) before the next one. @default 250 */
export const PULL_RETRY_MS = 250;

/** Options of {@linkcode jetStreamJobSource}. */
export interface JetStreamJobSourceOptions extends JobStreamOptions {
  readonly subjects: Subjects;
  /** Period of progress acks while a job runs. @default a third of the consumer's ack wait */
  readonly workingEveryMs?: number;
  /** How long one pull waits for a job (>= 1000). @default DEFAULT_PULL_EXPIRES_MS */
  readonly pullExpiresMs?: number;
  /** Told about failed pulls, acks and result publications (must not throw). */
  readonly onError?: (error: unknown) => void;
}

/**
 * Ensures the job streams and the workers' consumer, and returns a source for
 * `startWorker(bus, { ..., source })`.
 *
 * @example
 * ```ts ignore
 * const source = await jetStreamJobSource(bus, { subjects, ackWaitMs: 30_000 });
 * const worker = startWorker(bus, { id: "w1", subjects, handlers, source });
 * ```
 */
export async function jetStreamJobSource(
  bus: HasConnection,
  options: JetStreamJobSourceOptions,
): Promise<JobSource> {
  const { names } = await ensureJobStreams(bus, options.subjects, options);
  const js = jetstream(bus.connection);
  const consumer = await js.consumers.get(names.stream, names.consumer);
  // The consumer may have been created by another process with another ack wait: keep
  // the running jobs alive at the pace of the one the server actually applies.
  const applied = (await consumer.info(true)).config.ack_wait;
  const ackWaitMs = applied ? applied / 1_000_000 : options.ackWaitMs ?? DEFAULT_ACK_WAIT_MS;
  const workingEveryMs = options.workingEveryMs ?? Math.max(100, ackWaitMs / 3);
  const expires = Math.max(1000, options.pullExpiresMs ?? DEFAULT_PULL_EXPIRES_MS);
  const onError = options.onError ?? (() => {});
  const subjects = options.subjects;
  let stopped = false;
  const pulls = new Set<ConsumerMessages>();
  const pending = new Set<Promise<unknown>>();
  let started = false;

  const delivery = (m: JsMsg): JobDelivery => {
    const timer = setInterval(() => {
      try {
        m.working();
      } catch (e) {
        onError(e);
      }
    }, workingEveryMs);
    let settled = false;
    const settle = (f: () => void) => {
      clearInterval(timer);
      if (settled) return;
      settled = true;
      try {
        f();
      } catch (e) {
        onError(e);
      }
    };
    return {
      subject: m.subject,
      data: m.data,
      deliveries: m.info.deliveryCount,
      complete: async (result, job) => {
        if (settled) return;
        try {
          await withRetry(() =>
            js.publish(subjects.results(job.run), result, { msgID: `${job.run}.${job.jobId}` })
          );
        } catch (e) {
          onError(e);
          return settle(() => m.nak()); // result not stored: let someone do it again
        }
        settle(() => m.ack());
      },
      // No reason on the wire: servers before 2.10 ignore `+TERM <reason>` and redeliver.
      reject: () => settle(() => m.term()),
      giveBack: () => settle(() => m.nak()),
    };
  };

  const pullOne = async (): Promise<JsMsg | null> => {
    const iter = await consumer.fetch({ max_messages: 1, expires });
    pulls.add(iter);
    try {
      for await (const m of iter) return m;
      return null;
    } finally {
      pulls.delete(iter);
    }
  };

  const loop = async (handle: DeliveryHandler) => {
    while (!stopped) {
      let m: JsMsg | null;
      const pull = pullOne();
      pending.add(pull);
      try {
        m = await pull;
      } catch (e) {
        if (stopped) break;
        onError(e);
        await new Promise((r) => setTimeout(r, PULL_RETRY_MS));
        continue;
      } finally {
        pending.delete(pull);
      }
      if (m === null) continue;
      if (stopped) {
        m.nak();
        break;
      }
      await handle(delivery(m));
    }
  };

  return {
    start(handle, concurrency) {
      if (started || stopped) throw new TypeError("Cannot start a job source twice");
      started = true;
      for (let i = 0; i < concurrency; i++) loop(handle).catch(onError);
    },
    async stop() {
      stopped = true;
      for (const p of pulls) p.stop();
      await Promise.allSettled([...pending]);
    },
  };
}
