/**
 * The monitor's model: what a watcher knows of the cluster (workers, progress per trial,
 * best candidate per budget point, the front, recent log lines and errors), updated by a
 * pure reducer `reduceMonitor(state, input)`. Inputs are decoded from raw bus messages by
 * `monitorInput`, which turns anything malformed into a `rejected` input.
 *
 * @module
 */
import { decode } from "./codec.ts";
import { expireWorkers, LOST_AFTER_MS, observeHeartbeat, type WorkerTable } from "./heartbeats.ts";
import { assertNever, type EventMessage, type HeartbeatMessage } from "./protocol.ts";
import { isEventType } from "./validate.ts";

/** Log lines kept. @default 8 */
export const MAX_LOG_LINES = 8;
/** Error events kept. @default 5 */
export const MAX_ERRORS = 5;

/** Progress of one trial, with where its rate is measured from. */
export interface TrialProgress {
  readonly run: string;
  readonly trialId: string;
  readonly phase: string;
  readonly done: number;
  readonly total: number;
  /** Sender time and `done` of the first event of this phase. */
  readonly sinceAt: number;
  readonly sinceDone: number;
  /** Sender time of the last event. */
  readonly at: number;
}

/** The best candidate of one budget point (trial) so far. */
export interface BestCandidate {
  readonly run: string;
  readonly trialId: string;
  readonly candidateId: string;
  readonly metrics: Readonly<Record<string, number>>;
}

/** A log line or error, as shown. */
export interface LogLine {
  readonly run: string;
  readonly at: number;
  readonly level: string;
  readonly source: string;
  readonly message: string;
}

/** Everything the monitor shows. */
export interface MonitorState {
  /** Only this run's events count (null: every run). */
  readonly run: string | null;
  readonly runs: readonly string[];
  readonly workers: WorkerTable;
  /** By `run/trialId`. */
  readonly trials: ReadonlyMap<string, TrialProgress>;
  /** By `run/trialId`. */
  readonly best: ReadonlyMap<string, BestCandidate>;
  readonly front: { readonly run: string; readonly size: number; readonly at: number } | null;
  readonly logs: readonly LogLine[];
  readonly errors: readonly LogLine[];
  readonly errorCount: number;
  readonly events: number;
  readonly rejected: number;
  readonly lastRejection: string | null;
  /** Receiver time of the last input. */
  readonly now: number;
}

/** One thing the monitor learned. */
export type MonitorInput =
  | { readonly kind: "event"; readonly event: EventMessage; readonly now: number }
  | { readonly kind: "heartbeat"; readonly heartbeat: HeartbeatMessage; readonly now: number }
  | {
    readonly kind: "rejected";
    readonly subject: string;
    readonly reason: string;
    readonly now: number;
  }
  | { readonly kind: "tick"; readonly now: number; readonly lostAfterMs?: number };

/** The state before any input. */
export function initialMonitorState(run: string | null = null, now = 0): MonitorState {
  return {
    run,
    runs: run === null ? [] : [run],
    workers: new Map(),
    trials: new Map(),
    best: new Map(),
    front: null,
    logs: [],
    errors: [],
    errorCount: 0,
    events: 0,
    rejected: 0,
    lastRejection: null,
    now,
  };
}

/** Decodes a message from an events or heartbeat subject; anything else is `rejected`. */
export function monitorInput(subject: string, data: Uint8Array, now: number): MonitorInput {
  try {
    const m = decode(data);
    if (m.type === "heartbeat") return { kind: "heartbeat", heartbeat: m, now };
    if (isEventType(m.type)) return { kind: "event", event: m as EventMessage, now };
    return { kind: "rejected", subject, reason: `unexpected ${m.type} message`, now };
  } catch (e) {
    return { kind: "rejected", subject, reason: (e as Error).message, now };
  }
}

/** Whether candidate `a` beats `b`: higher accuracy, else lower objective `value`. */
export function betterCandidate(a: BestCandidate, b: BestCandidate): boolean {
  const [x, y] = [a.metrics, b.metrics];
  if (x.accuracy !== undefined && y.accuracy !== undefined) return x.accuracy > y.accuracy;
  if (x.value !== undefined && y.value !== undefined) return x.value < y.value;
  return false;
}

const keep = <T>(xs: readonly T[], x: T, n: number) => [...xs, x].slice(-n);

function reduceEvent(s: MonitorState, e: EventMessage, now: number): MonitorState {
  const base: MonitorState = {
    ...s,
    now,
    events: s.events + 1,
    runs: s.runs.includes(e.run) ? s.runs : [...s.runs, e.run],
  };
  switch (e.type) {
    case "progress": {
      const key = `${e.run}/${e.trialId}`;
      const old = s.trials.get(key);
      const fresh = old === undefined || old.phase !== e.phase || e.done < old.done;
      const t: TrialProgress = {
        run: e.run,
        trialId: e.trialId,
        phase: e.phase,
        done: e.done,
        total: e.total,
        sinceAt: fresh ? e.at : old.sinceAt,
        sinceDone: fresh ? e.done : old.sinceDone,
        at: e.at,
      };
      return { ...base, trials: new Map(s.trials).set(key, t) };
    }
    case "candidate": {
      const key = `${e.run}/${e.trialId}`;
      const c: BestCandidate = {
        run: e.run,
        trialId: e.trialId,
        candidateId: e.candidateId,
        metrics: e.metrics,
      };
      const old = s.best.get(key);
      if (old !== undefined && !betterCandidate(c, old)) return base;
      return { ...base, best: new Map(s.best).set(key, c) };
    }
    case "front":
      return { ...base, front: { run: e.run, size: e.points.length, at: e.at } };
    case "worker-joined": {
      if (s.workers.has(e.workerId) && s.workers.get(e.workerId)!.state !== "lost") return base;
      const hb: HeartbeatMessage = {
        type: "heartbeat",
        v: e.v,
        workerId: e.workerId,
        at: e.at,
        state: "idle",
        concurrency: e.concurrency,
        jobs: [],
      };
      return { ...base, workers: observeHeartbeat(s.workers, hb, now).table };
    }
    case "worker-lost": {
      const w = s.workers.get(e.workerId);
      if (w === undefined || w.state === "lost") return base;
      return { ...base, workers: new Map(s.workers).set(e.workerId, { ...w, state: "lost" }) };
    }
    case "log":
      return { ...base, logs: keep(s.logs, { ...e }, MAX_LOG_LINES) };
    case "error":
      return {
        ...base,
        errorCount: s.errorCount + 1,
        errors: keep(
          s.errors,
          { run: e.run, at: e.at, level: e.reason, source: e.source, message: e.message },
          MAX_ERRORS,
        ),
      };
    default:
      return assertNever(e);
  }
}

/** The state after `input`. Events of other runs than `state.run` are ignored. */
export function reduceMonitor(state: MonitorState, input: MonitorInput): MonitorState {
  switch (input.kind) {
    case "event":
      if (state.run !== null && input.event.run !== state.run) return state;
      return reduceEvent(state, input.event, input.now);
    case "heartbeat":
      return {
        ...state,
        now: input.now,
        workers: observeHeartbeat(state.workers, input.heartbeat, input.now).table,
      };
    case "rejected":
      return {
        ...state,
        now: input.now,
        rejected: state.rejected + 1,
        lastRejection: `${input.subject}: ${input.reason}`,
      };
    case "tick":
      return {
        ...state,
        now: input.now,
        workers: expireWorkers(state.workers, input.now, input.lostAfterMs ?? LOST_AFTER_MS).table,
      };
    default:
      return assertNever(input);
  }
}

/** Seconds left for a trial at its rate since the phase began (NaN when unknown). */
export function trialEtaSeconds(t: TrialProgress): number {
  const rate = (t.done - t.sinceDone) / Math.max(1e-9, t.at - t.sinceAt); // per ms
  if (t.done >= t.total) return 0;
  return rate > 0 ? (t.total - t.done) / rate / 1000 : NaN;
}

/** Seconds until every unfinished trial is done (the slowest; NaN when unknown). */
export function overallEtaSeconds(s: MonitorState): number {
  if (s.trials.size === 0) return NaN;
  let eta = 0;
  for (const t of s.trials.values()) {
    const e = trialEtaSeconds(t);
    if (Number.isNaN(e)) return NaN;
    eta = Math.max(eta, e);
  }
  return eta;
}
