/**
 * The inside of a pool's Web Worker: waits for the pool's `start` message, opens a
 * `PortBus` on the port it brings, builds the job handlers and runs a worker actor on that
 * bus (exactly as `startWorker` on the main thread would); `drain` stops it and closes the
 * bus. An entry module calls {@linkcode serveWebWorker} once, at top level.
 *
 * @module
 */
import type { Bus } from "./bus/bus.ts";
import { PortBus } from "./bus/port_bus.ts";
import { assertNever, createSubjects, type JobKind, type Subjects } from "./protocol.ts";
import { type JobHandler, startWorker, type WorkerHandle } from "./worker.ts";
import {
  type FromWebWorker,
  type ToWebWorker,
  WEB_WORKER_PROTOCOL_VERSION,
} from "./web_worker_protocol.ts";

/** Builds a worker's handlers on its bus (start the backend, load what jobs share, ...). */
export type WebWorkerSetup = (
  bus: Bus,
  subjects: Subjects,
) => Promise<Partial<Record<JobKind, JobHandler>>>;

interface Scope {
  postMessage(m: FromWebWorker): void;
  onmessage: ((e: MessageEvent<ToWebWorker>) => void) | null;
}

type HostState =
  | { readonly kind: "waiting" }
  | { readonly kind: "running"; readonly bus: PortBus; readonly worker: WorkerHandle }
  | { readonly kind: "stopped" };

const errorText = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/**
 * Serves the pool's control messages on this Web Worker's `self`.
 *
 * @example
 * ```ts ignore
 * // my_worker_entry.ts, started by startWebWorkerPool(bus, { entry: new URL(...) })
 * serveWebWorker(async (bus, subjects) => ({ trial: async (job) => ({ result: job.jobId }) }));
 * ```
 */
export function serveWebWorker(setup: WebWorkerSetup): void {
  const scope = self as unknown as Scope;
  const v = WEB_WORKER_PROTOCOL_VERSION;
  let state: HostState = { kind: "waiting" };
  let id = "?";

  const start = async (m: Extract<ToWebWorker, { type: "start" }>) => {
    id = m.id;
    // Sent payloads are fresh `encode()` results nobody reads again: move, don't copy.
    const bus = new PortBus(m.port, { maxPayload: m.maxPayload, transfer: true });
    try {
      const subjects = createSubjects({ prefix: m.prefix });
      const handlers = await setup(bus, subjects);
      const worker = startWorker(bus, { id, subjects, handlers, heartbeatMs: 0 });
      state = { kind: "running", bus, worker };
      await bus.flush(); // the subscription is live on the main bus
      scope.postMessage({ v, type: "ready", id });
    } catch (e) {
      await bus.close();
      state = { kind: "stopped" };
      scope.postMessage({ v, type: "failed", id, message: errorText(e) });
    }
  };

  const drain = async (m: Extract<ToWebWorker, { type: "drain" }>) => {
    const s = state;
    state = { kind: "stopped" };
    if (s.kind !== "running") return;
    try {
      await s.worker.drain(m.timeoutMs === undefined ? {} : { timeoutMs: m.timeoutMs });
    } catch (e) {
      scope.postMessage({ v, type: "failed", id, message: errorText(e) });
    }
    await s.bus.close(); // the bridge sees the close after every reply sent before it
  };

  scope.onmessage = (e) => {
    const m = e.data;
    if (m?.v !== v) {
      const got = JSON.stringify((m as { v?: unknown } | undefined)?.v);
      scope.postMessage({ v, type: "failed", id, message: `control message version ${got}` });
      return;
    }
    switch (m.type) {
      case "start":
        if (state.kind === "waiting") void start(m);
        return;
      case "drain":
        void drain(m);
        return;
      default:
        assertNever(m);
    }
  };
}
