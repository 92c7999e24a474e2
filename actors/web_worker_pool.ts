/**
 * Worker actors in Web Workers: `startWebWorkerPool` starts N Web Workers, each running an
 * entry module that calls `serveWebWorker` (by default the search's), and bridges each
 * one's `PortBus` onto the main bus, so they join the job queue group like any worker and
 * jobs run on N threads at once. A worker that fails to start makes the start reject; one
 * that crashes later is reported through `onError` and {@linkcode WebWorkerPool.failure},
 * and the jobs it held are given back to the others.
 *
 * @module
 */
import type { Bus } from "./bus/bus.ts";
import { bridgePort, type PortBridge } from "./bus/port_bridge.ts";
import type { Subjects } from "./protocol.ts";
import type { DrainOptions } from "./worker.ts";
import {
  type FromWebWorker,
  type ToWebWorker,
  WEB_WORKER_PROTOCOL_VERSION,
} from "./web_worker_protocol.ts";

/** The search's worker entry module. */
export const SEARCH_WORKER_ENTRY: URL = new URL("./search_worker_entry.ts", import.meta.url);
/** How long a Web Worker may take to start (backend, handlers). @default 120_000 */
export const DEFAULT_START_TIMEOUT_MS = 120_000;
/** After a drain timeout, how long a worker may take to close before it is terminated. @default 10_000 */
export const DRAIN_GRACE_MS = 10_000;

/** A Web Worker did not start: its module threw, its setup failed or it timed out. */
export class WorkerStartError extends Error {
  readonly workerId: string;
  constructor(workerId: string, message: string, options?: { cause?: unknown }) {
    super(`Web Worker ${workerId} did not start: ${message}`, options);
    this.name = "WorkerStartError";
    this.workerId = workerId;
  }
}

/** A running Web Worker crashed; the jobs it held went back to the queue group. */
export class WorkerLostError extends Error {
  readonly workerId: string;
  constructor(workerId: string, message: string, options?: { cause?: unknown }) {
    super(`Web Worker ${workerId} crashed: ${message}`, options);
    this.name = "WorkerLostError";
    this.workerId = workerId;
  }
}

/** Options of {@linkcode startWebWorkerPool}. */
export interface WebWorkerPoolOptions {
  readonly subjects: Subjects;
  /** Number of Web Workers (at least 1). */
  readonly workers: number;
  /** Worker ids are `${idPrefix}-w${i}`. @default "web" */
  readonly idPrefix?: string;
  /** Module each worker runs; it must call `serveWebWorker`. @default SEARCH_WORKER_ENTRY */
  readonly entry?: URL;
  /** @default DEFAULT_START_TIMEOUT_MS */
  readonly startTimeoutMs?: number;
  /** Told about each crash of a running worker. */
  readonly onError?: (error: WorkerLostError) => void;
}

/** Options of {@linkcode WebWorkerPool.drain}. */
export interface PoolDrainOptions extends DrainOptions {
  /**
   * Terminate a worker that has not closed after this long.
   * @default timeoutMs + DRAIN_GRACE_MS (Infinity when timeoutMs is)
   */
  readonly killAfterMs?: number;
}

/** Running Web Workers. */
export interface WebWorkerPool {
  /** Worker ids, in start order. */
  readonly ids: readonly string[];
  /** Resolves with the first crash of a running worker; stays pending if none crashes. */
  readonly failure: Promise<WorkerLostError>;
  /** Drains every worker (running jobs finish, or are given back), then terminates it. */
  drain(options?: PoolDrainOptions): Promise<void>;
}

type MemberState = "starting" | "ready" | "draining" | "gone";

/** One Web Worker and its bridge. */
class Member {
  readonly worker: Worker;
  readonly bridge: PortBridge;
  state: MemberState = "starting";
  /** Settles when the worker is ready, or rejects with WorkerStartError. */
  readonly ready: Promise<void>;
  #ready!: { resolve: () => void; reject: (e: Error) => void };
  #timer: ReturnType<typeof setTimeout> | undefined;

  readonly #lost: (e: WorkerLostError) => void;

  constructor(
    readonly id: string,
    bus: Bus,
    o: WebWorkerPoolOptions,
    lost: (e: WorkerLostError) => void,
  ) {
    this.#lost = lost;
    this.ready = new Promise((resolve, reject) => (this.#ready = { resolve, reject }));
    this.worker = new Worker((o.entry ?? SEARCH_WORKER_ENTRY).href, { type: "module", name: id });
    const { port1, port2 } = new MessageChannel();
    this.bridge = bridgePort(bus, port1);
    this.worker.onmessage = (e: MessageEvent<FromWebWorker>) => this.#control(e.data);
    this.worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.#fail(e.message || "uncaught error");
    };
    this.worker.onmessageerror = () => this.#fail("a control message could not be read");
    const startMs = o.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    this.#timer = setTimeout(() => this.#fail(`no ready message within ${startMs} ms`), startMs);
    this.#send({
      v: WEB_WORKER_PROTOCOL_VERSION,
      type: "start",
      id,
      prefix: o.subjects.prefix,
      maxPayload: bus.maxPayload,
      port: port2,
    }, [port2]);
  }

  #send(m: ToWebWorker, transfer: Transferable[] = []): void {
    this.worker.postMessage(m, transfer);
  }

  #control(m: FromWebWorker): void {
    if (m?.v !== WEB_WORKER_PROTOCOL_VERSION) return this.#fail("bad control message");
    if (m.type === "ready" && this.state === "starting") {
      clearTimeout(this.#timer);
      this.state = "ready";
      this.#ready.resolve();
    } else if (m.type === "failed") this.#fail(m.message);
  }

  /** A start failure rejects `ready`; a later crash is lost work, reported to `lost`. */
  #fail(message: string): void {
    const was = this.state;
    this.kill(message);
    if (was === "ready" || was === "draining") this.#lost(new WorkerLostError(this.id, message));
  }

  /** Stops taking jobs, waits for the bridge to close (or `killAfterMs`), terminates. */
  async drain(options: PoolDrainOptions): Promise<void> {
    if (this.state !== "ready") return this.kill();
    this.state = "draining";
    const timeoutMs = options.timeoutMs;
    this.#send({
      v: WEB_WORKER_PROTOCOL_VERSION,
      type: "drain",
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
    const killAfter = options.killAfterMs ??
      (timeoutMs === undefined ? Infinity : timeoutMs + DRAIN_GRACE_MS);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.bridge.closed,
      ...(Number.isFinite(killAfter)
        ? [new Promise((r) => (timer = setTimeout(r, Math.max(0, killAfter))))]
        : []),
    ]);
    clearTimeout(timer);
    this.kill();
  }

  /** Terminates the worker and closes its bridge (giving back its unanswered jobs). */
  kill(reason = "stopped while starting"): void {
    if (this.state === "starting") this.#ready.reject(new WorkerStartError(this.id, reason));
    this.state = "gone";
    clearTimeout(this.#timer);
    this.worker.terminate();
    this.bridge.close();
  }
}

/**
 * Starts `workers` Web Workers on `bus`; resolves once all are subscribed and ready.
 *
 * @example
 * ```ts ignore
 * const pool = await startWebWorkerPool(bus, { subjects, workers: 2, idPrefix: run });
 * const result = await busJobQueue(bus, subjects).submit(job); // runs in a Web Worker
 * await pool.drain();
 * ```
 */
export async function startWebWorkerPool(
  bus: Bus,
  options: WebWorkerPoolOptions,
): Promise<WebWorkerPool> {
  const { workers } = options;
  if (!Number.isInteger(workers) || workers < 1) {
    throw new RangeError(`Cannot start ${workers} Web Workers: use a positive integer`);
  }
  let reportFailure: (e: WorkerLostError) => void = () => {};
  const failure = new Promise<WorkerLostError>((r) => (reportFailure = r));
  const lost = (e: WorkerLostError) => {
    options.onError?.(e);
    reportFailure(e);
  };
  const prefix = options.idPrefix ?? "web";
  const members = Array.from(
    { length: workers },
    (_, i) => new Member(`${prefix}-w${i}`, bus, options, lost),
  );
  try {
    await Promise.all(members.map((m) => m.ready));
  } catch (e) {
    members.forEach((m) => m.kill());
    await Promise.allSettled(members.map((m) => m.ready));
    throw e;
  }
  return {
    ids: members.map((m) => m.id),
    failure,
    async drain(drainOptions: PoolDrainOptions = {}) {
      await Promise.all(members.map((m) => m.drain(drainOptions)));
    },
  };
}
