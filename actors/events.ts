/**
 * Monitoring events: JSON messages on `<prefix>.<run>.events`, readable by any NATS client.
 * Part of the protocol vocabulary; import them from `protocol.ts`.
 *
 * @module
 */
import type { JsonValue, PROTOCOL_VERSION } from "./protocol.ts";

interface EventBase {
  readonly v: typeof PROTOCOL_VERSION;
  readonly run: string;
  /** Sender's clock, ms since the epoch. */
  readonly at: number;
}

/** Progress of one trial. */
export interface ProgressEvent extends EventBase {
  readonly type: "progress";
  readonly trialId: string;
  /** Phase name, e.g. `supernet`, `finetune`. */
  readonly phase: string;
  readonly done: number;
  readonly total: number;
  /** Loss, lambda, expected cost ... (finite numbers only). */
  readonly metrics?: Readonly<Record<string, number>>;
}

/** A candidate was evaluated. */
export interface CandidateEvent extends EventBase {
  readonly type: "candidate";
  readonly trialId: string;
  readonly candidateId: string;
  /** Accuracy, latency, SRAM, flash, ... */
  readonly metrics: Readonly<Record<string, number>>;
  /** The per-layer choice (bits, channels), as JSON. */
  readonly choice: JsonValue;
}

/** The current Pareto front. */
export interface FrontEvent extends EventBase {
  readonly type: "front";
  readonly points: readonly {
    readonly candidateId: string;
    readonly metrics: Readonly<Record<string, number>>;
  }[];
}

/** A worker was seen for the first time. */
export interface WorkerJoinedEvent extends EventBase {
  readonly type: "worker-joined";
  readonly workerId: string;
  readonly concurrency: number;
}

/** A worker missed its heartbeats or left. */
export interface WorkerLostEvent extends EventBase {
  readonly type: "worker-lost";
  readonly workerId: string;
  /** When its last heartbeat arrived, ms since the epoch. */
  readonly lastSeen: number;
  readonly reason: string;
}

/** A log line. */
export interface LogEvent extends EventBase {
  readonly type: "log";
  readonly level: "debug" | "info" | "warn" | "error";
  readonly source: string;
  readonly message: string;
}

/** A rejected message or failed operation (never carries secrets). */
export interface ErrorEvent extends EventBase {
  readonly type: "error";
  readonly source: string;
  /** A short machine-readable reason, e.g. a `DecodeError` reason. */
  readonly reason: string;
  readonly message: string;
}

/** Every monitoring event. */
export type EventMessage =
  | ProgressEvent
  | CandidateEvent
  | FrontEvent
  | WorkerJoinedEvent
  | WorkerLostEvent
  | LogEvent
  | ErrorEvent;

/** The `type` tags of monitoring events. */
export const EVENT_TYPES: readonly EventMessage["type"][] = [
  "progress",
  "candidate",
  "front",
  "worker-joined",
  "worker-lost",
  "log",
  "error",
];
