/**
 * Worker liveness from heartbeats: a worker is joined when its first heartbeat arrives (or
 * the first after it was lost) and lost when none arrives for `lostAfterMs`. The table and
 * its transitions are pure functions of (table, heartbeat, time); `trackWorkers` wires them
 * to a bus and publishes `worker-joined` / `worker-lost` events. The receiver's clock is
 * used throughout (the senders' clocks may disagree).
 *
 * @module
 */
import type { Bus, Subscription } from "./bus/bus.ts";
import { decode, encode } from "./codec.ts";
import {
  type EventMessage,
  type HeartbeatMessage,
  PROTOCOL_VERSION,
  type Subjects,
  type WorkerState,
} from "./protocol.ts";

/** Silence after which a worker counts as lost (three missed 2 s beats). @default 6000 */
export const LOST_AFTER_MS = 6000;
/** How often `trackWorkers` looks for lost workers. @default 1000 */
export const CHECK_EVERY_MS = 1000;

/** What is known of one worker. */
export interface TrackedWorker {
  readonly workerId: string;
  readonly state: WorkerState | "lost";
  readonly concurrency: number;
  readonly jobs: readonly string[];
  /** Receiver time of the first heartbeat (since it last joined). */
  readonly joinedAt: number;
  /** Receiver time of the last heartbeat. */
  readonly lastSeen: number;
}

/** Every worker heard of, by id. */
export type WorkerTable = ReadonlyMap<string, TrackedWorker>;

/** A liveness change. */
export type LivenessChange =
  | { readonly kind: "joined"; readonly worker: TrackedWorker }
  | { readonly kind: "lost"; readonly worker: TrackedWorker; readonly reason: string };

/** Records a heartbeat received at `now`; a change when the worker (re)joins. */
export function observeHeartbeat(
  table: WorkerTable,
  hb: HeartbeatMessage,
  now: number,
): { table: WorkerTable; change?: LivenessChange } {
  const old = table.get(hb.workerId);
  const joined = old === undefined || old.state === "lost";
  const worker: TrackedWorker = {
    workerId: hb.workerId,
    state: hb.state,
    concurrency: hb.concurrency,
    jobs: hb.jobs,
    joinedAt: joined ? now : old.joinedAt,
    lastSeen: now,
  };
  const next = new Map(table).set(hb.workerId, worker);
  return joined ? { table: next, change: { kind: "joined", worker } } : { table: next };
}

/** Marks as lost every live worker silent for more than `lostAfterMs` at `now`. */
export function expireWorkers(
  table: WorkerTable,
  now: number,
  lostAfterMs: number,
): { table: WorkerTable; changes: LivenessChange[] } {
  const changes: LivenessChange[] = [];
  let next: Map<string, TrackedWorker> | undefined;
  for (const w of table.values()) {
    if (w.state === "lost" || now - w.lastSeen <= lostAfterMs) continue;
    const lost: TrackedWorker = { ...w, state: "lost", jobs: [] };
    (next ??= new Map(table)).set(w.workerId, lost);
    const silent = `no heartbeat for ${now - w.lastSeen} ms`;
    const reason = w.state === "draining" ? `left after draining (${silent})` : silent;
    changes.push({ kind: "lost", worker: lost, reason });
  }
  return { table: next ?? table, changes };
}

/** The monitoring event of a liveness change. */
export function livenessEvent(change: LivenessChange, run: string, at: number): EventMessage {
  const w = change.worker;
  return change.kind === "joined"
    ? {
      type: "worker-joined",
      v: PROTOCOL_VERSION,
      run,
      at,
      workerId: w.workerId,
      concurrency: w.concurrency,
    }
    : {
      type: "worker-lost",
      v: PROTOCOL_VERSION,
      run,
      at,
      workerId: w.workerId,
      lastSeen: w.lastSeen,
      reason: change.reason,
    };
}

/** Options of {@linkcode trackWorkers}. */
export interface TrackWorkersOptions {
  /** Publish events to this run's events subject (else only `onEvent` hears them, run ""). */
  readonly run?: string;
  /** @default LOST_AFTER_MS */
  readonly lostAfterMs?: number;
  /** Period of the lost-worker check (0: only when `check()` is called). @default CHECK_EVERY_MS */
  readonly checkEveryMs?: number;
  /** Clock, ms. @default Date.now */
  readonly now?: () => number;
  /** Told every event. */
  readonly onEvent?: (event: EventMessage) => void;
  /** Told about messages that are not heartbeats. */
  readonly onReject?: (subject: string, reason: string) => void;
}

/** A running tracker. */
export interface WorkerTracker {
  /** The current table. */
  workers(): WorkerTable;
  /** Looks for lost workers now. */
  check(): void;
  /** Stops listening. */
  stop(): void;
}

/**
 * Tracks every worker's heartbeats on `bus`.
 *
 * @example
 * ```ts ignore
 * const tracker = trackWorkers(bus, subjects, { run: "run1" });
 * // ... worker-joined / worker-lost events appear on subjects.events("run1")
 * tracker.stop();
 * ```
 */
export function trackWorkers(
  bus: Bus,
  subjects: Subjects,
  options: TrackWorkersOptions = {},
): WorkerTracker {
  const now = options.now ?? Date.now;
  const lostAfterMs = options.lostAfterMs ?? LOST_AFTER_MS;
  let table: WorkerTable = new Map();
  const emit = (change: LivenessChange) => {
    const e = livenessEvent(change, options.run ?? "", now());
    options.onEvent?.(e);
    if (options.run !== undefined) bus.publish(subjects.events(options.run), encode(e));
  };
  const sub: Subscription = bus.subscribe(subjects.allHeartbeats(), (msg) => {
    let hb: HeartbeatMessage;
    try {
      const m = decode(msg.data);
      if (m.type !== "heartbeat") throw new TypeError(`expected a heartbeat, got ${m.type}`);
      hb = m;
    } catch (e) {
      return options.onReject?.(msg.subject, (e as Error).message);
    }
    const r = observeHeartbeat(table, hb, now());
    table = r.table;
    if (r.change) emit(r.change);
  });
  const check = () => {
    const r = expireWorkers(table, now(), lostAfterMs);
    table = r.table;
    r.changes.forEach(emit);
  };
  const every = options.checkEveryMs ?? CHECK_EVERY_MS;
  const timer = every > 0 ? setInterval(check, every) : undefined;
  return {
    workers: () => table,
    check,
    stop() {
      clearInterval(timer);
      sub.unsubscribe();
    },
  };
}
