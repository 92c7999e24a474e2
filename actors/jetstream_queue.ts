/**
 * The coordinator side of the JetStream job queue: `submit()` publishes the job to the
 * work-queue stream (message id `<run>.<jobId>`, so a re-submitted job is stored once) and
 * resolves with the first result for that job id from the results stream; later results
 * for the same job (a redelivered job finished twice) are dropped. Results that arrive
 * before their `submit()` (finished while the coordinator was away) are kept until asked
 * for. A job that reaches the consumer's delivery bound fails with `JobFailedError`.
 *
 * @module
 */
import { DeliverPolicy, jetstream } from "@nats-io/jetstream";
import type { Subscription } from "./bus/bus.ts";
import type { NatsBus } from "./bus/nats.ts";
import { decode, encode } from "./codec.ts";
import {
  ensureJobStreams,
  type JobStreamOptions,
  maxDeliveriesAdvisory,
  withRetry,
} from "./jetstream_stream.ts";
import { JobFailedError, type JobQueue } from "./job_queue.ts";
import type { JobMessage, JobResultMessage, Subjects } from "./protocol.ts";

/** Options of {@linkcode jetStreamJobQueue}. */
export interface JetStreamJobQueueOptions extends JobStreamOptions {
  /** Fail a job with no result after this many ms (0: wait for ever). @default 0 */
  readonly timeoutMs?: number;
  /** Told about results that could not be decoded (must not throw). */
  readonly onReject?: (subject: string, reason: string) => void;
}

/** A {@linkcode JobQueue} on JetStream. */
export interface JetStreamJobQueue extends JobQueue {
  /** Results dropped because their job already had one. */
  duplicates(): number;
  /** Stops collecting results; pending submits reject with `JobFailedError`. */
  close(): Promise<void>;
}

interface Pending {
  readonly jobId: string;
  resolve(r: JobResultMessage): void;
  reject(e: Error): void;
}

const keyOf = (run: string, jobId: string) => `${run}.${jobId}`;

/**
 * Ensures the job streams and returns a queue publishing jobs to them.
 *
 * @example
 * ```ts ignore
 * const queue = await jetStreamJobQueue(bus, subjects, { ackWaitMs: 30_000, maxDeliver: 5 });
 * const result = await queue.submit(job);
 * await queue.close();
 * ```
 */
export async function jetStreamJobQueue(
  bus: NatsBus,
  subjects: Subjects,
  options: JetStreamJobQueueOptions = {},
): Promise<JetStreamJobQueue> {
  const { jsm, names } = await ensureJobStreams(bus, subjects, options);
  const js = jetstream(bus.connection);
  const pending = new Map<string, Pending>();
  const early = new Map<string, JobResultMessage>();
  const finished = new Set<string>();
  const seqs = new Map<number, string>();
  const watchers = new Map<string, Promise<void>>();
  const stops: (() => void)[] = [];
  let duplicates = 0;
  let closed = false;

  const onResult = (subject: string, data: Uint8Array, run: string) => {
    let r: JobResultMessage;
    try {
      const m = decode(data);
      if (m.type !== "job-result") throw new TypeError(`expected a job-result, got ${m.type}`);
      if (m.run !== run) throw new TypeError(`result of run ${m.run} on run ${run}'s subject`);
      r = m;
    } catch (e) {
      return options.onReject?.(subject, (e as Error).message);
    }
    const key = keyOf(r.run, r.jobId);
    const p = pending.get(key);
    if (p) {
      pending.delete(key);
      finished.add(key);
      p.resolve(r);
    } else if (finished.has(key) || early.has(key)) duplicates++;
    else early.set(key, r);
  };

  // Results of a run: an ordered consumer over the results stream from its start.
  const watch = (run: string): Promise<void> => {
    let w = watchers.get(run);
    if (w) return w;
    w = (async () => {
      const subject = subjects.results(run);
      const c = await js.consumers.get(names.resultsStream, {
        filter_subjects: subject,
        deliver_policy: DeliverPolicy.All,
      });
      const iter = await c.consume();
      stops.push(() => iter.stop());
      (async () => {
        for await (const m of iter) onResult(m.subject, m.data, run);
      })().catch((e) => options.onReject?.(subject, (e as Error).message));
    })();
    watchers.set(run, w);
    w.catch(() => watchers.delete(run));
    return w;
  };

  const advisory: Subscription = bus.subscribe(maxDeliveriesAdvisory(names), (msg) => {
    let a: { stream_seq?: number; deliveries?: number };
    try {
      a = JSON.parse(new TextDecoder().decode(msg.data));
    } catch {
      return options.onReject?.(msg.subject, "advisory is not JSON");
    }
    const key = a.stream_seq === undefined ? undefined : seqs.get(a.stream_seq);
    const p = key === undefined ? undefined : pending.get(key);
    if (key === undefined || !p) return;
    pending.delete(key);
    seqs.delete(a.stream_seq!);
    jsm.streams.deleteMessage(names.stream, a.stream_seq!, false).catch(() => {});
    p.reject(
      new JobFailedError(
        p.jobId,
        `delivered ${a.deliveries ?? "max"} times without an acknowledgement (maxDeliver)`,
      ),
    );
  });

  return {
    async submit(job: JobMessage): Promise<JobResultMessage> {
      if (closed) throw new JobFailedError(job.jobId, "the queue is closed");
      const key = keyOf(job.run, job.jobId);
      await watch(job.run);
      const known = early.get(key);
      if (known) {
        early.delete(key);
        finished.add(key);
        return known;
      }
      if (pending.has(key)) throw new TypeError(`Cannot submit job ${key} twice at once`);
      const result = new Promise<JobResultMessage>((resolve, reject) =>
        pending.set(key, { jobId: job.jobId, resolve, reject })
      );
      let timer: ReturnType<typeof setTimeout> | undefined;
      if ((options.timeoutMs ?? 0) > 0) {
        timer = setTimeout(() => {
          const p = pending.get(key);
          pending.delete(key);
          p?.reject(new JobFailedError(job.jobId, `no result within ${options.timeoutMs} ms`));
        }, options.timeoutMs);
      }
      try {
        const bytes = encode(job);
        const ack = await withRetry(() =>
          js.publish(subjects.jobs(job.run, job.kind), bytes, { msgID: key })
        );
        seqs.set(ack.seq, key);
        return await result;
      } catch (e) {
        pending.delete(key);
        if (e instanceof JobFailedError) throw e;
        throw new JobFailedError(job.jobId, `cannot publish: ${(e as Error).message}`, {
          cause: e,
        });
      } finally {
        clearTimeout(timer);
      }
    },
    duplicates: () => duplicates,
    async close() {
      if (closed) return;
      closed = true;
      advisory.unsubscribe();
      for (const stop of stops) stop();
      for (const p of pending.values()) {
        p.reject(new JobFailedError(p.jobId, "the queue was closed"));
      }
      pending.clear();
      await Promise.allSettled([...watchers.values()]);
    },
  };
}
