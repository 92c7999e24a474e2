/**
 * Control messages between `startWebWorkerPool` (main thread) and `serveWebWorker` (inside
 * each Web Worker), version {@linkcode WEB_WORKER_PROTOCOL_VERSION}, on the worker's own
 * port. The bus traffic goes over a separate `MessagePort` (see `bus/port_protocol.ts`).
 *
 * @module
 */

/** Version of the pool's control messages. */
export const WEB_WORKER_PROTOCOL_VERSION = 1;

type V = typeof WEB_WORKER_PROTOCOL_VERSION;

/** Pool to worker. */
export type ToWebWorker =
  /** Start the worker actor, its bus on `port` (bridged onto the main bus). */
  | {
    readonly v: V;
    readonly type: "start";
    readonly id: string;
    /** `Subjects.prefix` of the run. */
    readonly prefix: string;
    /** The main bus's `maxPayload`. */
    readonly maxPayload: number;
    readonly port: MessagePort;
  }
  /** Stop taking jobs, let running ones finish (or give them back after `timeoutMs`), close. */
  | { readonly v: V; readonly type: "drain"; readonly timeoutMs?: number };

/** Worker to pool. */
export type FromWebWorker =
  /** Subscribed and ready for jobs. */
  | { readonly v: V; readonly type: "ready"; readonly id: string }
  /** Start-up or drain failed; `message` is the worker's error. */
  | { readonly v: V; readonly type: "failed"; readonly id: string; readonly message: string };
