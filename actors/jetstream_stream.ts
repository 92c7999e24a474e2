/**
 * The JetStream objects behind the job queue, created on first use by whichever side starts
 * first: a work-queue stream of jobs (each job removed once a worker acknowledges it), one
 * durable pull consumer shared by every worker (explicit ack, ack wait, bounded
 * redelivery), and a stream of job results (so results published while the coordinator is
 * away are still there when it comes back).
 *
 * @module
 */
import {
  AckPolicy,
  JetStreamApiError,
  type JetStreamManager,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import type { Subjects } from "./protocol.ts";

/** The jobs stream. @default "TAILOR_JOBS" */
export const JOBS_STREAM = "TAILOR_JOBS";
/** The results stream. @default "TAILOR_RESULTS" */
export const RESULTS_STREAM = "TAILOR_RESULTS";
/** The workers' durable consumer. @default "tailor-workers" */
export const WORKER_CONSUMER = "tailor-workers";
/** How long a delivered job may go without an ack or progress ack. @default 30000 */
export const DEFAULT_ACK_WAIT_MS = 30_000;
/** Deliveries of one job before it is given up. @default 5 */
export const DEFAULT_MAX_DELIVER = 5;
/** How long results are kept. @default 7 days */
export const DEFAULT_RESULTS_MAX_AGE_MS = 7 * 24 * 3600 * 1000;

/** Something holding a NATS connection (a `NatsBus`). */
export interface HasConnection {
  readonly connection: NatsConnection;
}

/** Names and limits of the job queue's JetStream objects. */
export interface JobStreamOptions {
  /** @default JOBS_STREAM */
  readonly stream?: string;
  /** @default RESULTS_STREAM */
  readonly resultsStream?: string;
  /** @default WORKER_CONSUMER */
  readonly consumer?: string;
  /** Used when the consumer is created. @default DEFAULT_ACK_WAIT_MS */
  readonly ackWaitMs?: number;
  /** Used when the consumer is created. @default DEFAULT_MAX_DELIVER */
  readonly maxDeliver?: number;
  /** Used when the results stream is created. @default DEFAULT_RESULTS_MAX_AGE_MS */
  readonly resultsMaxAgeMs?: number;
}

/** The resolved names of the job queue's JetStream objects. */
export interface JobStreamNames {
  readonly stream: string;
  readonly resultsStream: string;
  readonly consumer: string;
}

const ms = 1_000_000; // nanoseconds

function isNotFound(err: unknown): boolean {
  return err instanceof JetStreamApiError && err.status === 404;
}

function checkPositive(what: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`Cannot use ${what} ${value}: it must be a positive number`);
  }
  return value;
}

/**
 * Creates the jobs stream, the results stream and the workers' consumer unless they exist
 * (existing ones are used as they are). Returns the manager and the names.
 */
export async function ensureJobStreams(
  bus: HasConnection,
  subjects: Subjects,
  options: JobStreamOptions = {},
): Promise<{ jsm: JetStreamManager; names: JobStreamNames }> {
  const names: JobStreamNames = {
    stream: options.stream ?? JOBS_STREAM,
    resultsStream: options.resultsStream ?? RESULTS_STREAM,
    consumer: options.consumer ?? WORKER_CONSUMER,
  };
  const ackWaitMs = checkPositive("ackWaitMs", options.ackWaitMs ?? DEFAULT_ACK_WAIT_MS);
  const maxDeliver = checkPositive("maxDeliver", options.maxDeliver ?? DEFAULT_MAX_DELIVER);
  const maxAge = checkPositive(
    "resultsMaxAgeMs",
    options.resultsMaxAgeMs ?? DEFAULT_RESULTS_MAX_AGE_MS,
  );
  const jsm = await jetstreamManager(bus.connection);
  const ensure = async (info: () => Promise<unknown>, add: () => Promise<unknown>) => {
    try {
      await info();
    } catch (err) {
      if (!isNotFound(err)) throw err;
      try {
        await add();
      } catch (e) {
        // Someone else created it in between: fine if it now exists.
        await info().catch(() => Promise.reject(e));
      }
    }
  };
  await ensure(() => jsm.streams.info(names.stream), () =>
    jsm.streams.add({
      name: names.stream,
      subjects: [subjects.allJobs()],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
    }));
  await ensure(() => jsm.streams.info(names.resultsStream), () =>
    jsm.streams.add({
      name: names.resultsStream,
      subjects: [`${subjects.prefix}.*.results`],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: maxAge * ms,
    }));
  await ensure(
    () => jsm.consumers.info(names.stream, names.consumer),
    () =>
      jsm.consumers.add(names.stream, {
        durable_name: names.consumer,
        ack_policy: AckPolicy.Explicit,
        ack_wait: ackWaitMs * ms,
        max_deliver: maxDeliver,
        max_ack_pending: -1,
      }),
  );
  return { jsm, names };
}

/** The subject of the server's advisory for jobs that hit their delivery bound. */
export function maxDeliveriesAdvisory(names: JobStreamNames): string {
  return `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${names.stream}.${names.consumer}`;
}

/** How long publishing to JetStream is retried while the server is away. @default 30000 */
export const PUBLISH_RETRY_MS = 30_000;

/**
 * Runs `publish` until it succeeds, retrying every 250 ms for up to `retryMs` (a restarting
 * server); rethrows the last error after that. Safe for publications with a message id.
 */
export async function withRetry<T>(
  publish: () => Promise<T>,
  retryMs = PUBLISH_RETRY_MS,
): Promise<T> {
  const deadline = Date.now() + retryMs;
  for (;;) {
    try {
      return await publish();
    } catch (e) {
      if (Date.now() >= deadline) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
