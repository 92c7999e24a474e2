/**
 * A worker as a long-lived process: starts the worker and, on SIGTERM or SIGINT, drains it
 * (running jobs get `drainTimeoutMs` to finish, then go back to the queue to be delivered
 * again promptly) and closes the bus. For `cli/worker.ts`.
 *
 * @module
 */
import type { Bus } from "./bus/bus.ts";
import { startWorker, type WorkerHandle, type WorkerOptions } from "./worker.ts";

/** How long running jobs may take to finish after SIGTERM. @default 10000 */
export const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;
/** The signals that drain the worker. @default ["SIGTERM", "SIGINT"] */
export const DRAIN_SIGNALS: readonly Deno.Signal[] = ["SIGTERM", "SIGINT"];

/** Installs and removes signal listeners (injectable for tests). */
export interface SignalHub {
  add(signal: Deno.Signal, listener: () => void): void;
  remove(signal: Deno.Signal, listener: () => void): void;
}

/** `Deno.addSignalListener` / `Deno.removeSignalListener`. */
export const denoSignals: SignalHub = {
  add: (s, l) => Deno.addSignalListener(s, l),
  remove: (s, l) => Deno.removeSignalListener(s, l),
};

/** Options of {@linkcode runWorkerProcess}. */
export interface WorkerProcessOptions extends WorkerOptions {
  /** @default DEFAULT_DRAIN_TIMEOUT_MS */
  readonly drainTimeoutMs?: number;
  /** @default DRAIN_SIGNALS */
  readonly signals?: readonly Deno.Signal[];
  /** @default denoSignals */
  readonly signalHub?: SignalHub;
  /** Told when a signal starts the drain. */
  readonly onSignal?: (signal: Deno.Signal) => void;
}

/** A worker process. */
export interface WorkerProcess {
  readonly worker: WorkerHandle;
  /** Resolves once the worker has drained and the bus is closed. */
  readonly done: Promise<void>;
  /** Drains and closes, as a signal would; idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a worker that drains on SIGTERM/SIGINT, then closes `bus`.
 *
 * @example
 * ```ts ignore
 * const bus = await connectNatsBus({ servers: url });
 * const source = await jetStreamJobSource(bus, { subjects });
 * const p = runWorkerProcess(bus, { id: "w1", subjects, handlers, source });
 * await p.done; // after SIGTERM
 * ```
 */
export function runWorkerProcess(bus: Bus, options: WorkerProcessOptions): WorkerProcess {
  const hub = options.signalHub ?? denoSignals;
  const signals = options.signals ?? DRAIN_SIGNALS;
  const worker = startWorker(bus, options);
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  let stopping: Promise<void> | undefined;
  const listeners = signals.map((s) => {
    const l = () => {
      options.onSignal?.(s);
      stop();
    };
    hub.add(s, l);
    return [s, l] as const;
  });
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      for (const [s, l] of listeners) hub.remove(s, l);
      try {
        await worker.drain({ timeoutMs: options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS });
        await bus.flush().catch(() => {});
      } finally {
        await bus.close().catch(() => {});
        resolveDone();
      }
    })();
    return stopping;
  };
  return { worker, done, stop };
}
