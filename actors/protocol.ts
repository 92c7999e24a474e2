/**
 * The one vocabulary of Tailor's actors: the protocol version, every message (a plain object
 * tagged by `type`, carrying the version `v`) and every subject name.
 *
 * Work messages (jobs, results, heartbeats, parameter pulls, gradient pushes) travel as
 * binary frames (see `codec.ts`); monitoring events travel as JSON so any NATS client can
 * read them. Tensors cross the wire only as {@link WireTensor}.
 *
 * @module
 */

/** The protocol version every message carries in `v`; decoders reject any other. */
export const PROTOCOL_VERSION = 1;
/** The subject prefix when none is configured. @default "tailor" */
export const DEFAULT_PREFIX = "tailor";

/** Element types a tensor may have on the wire (`float16` holds IEEE half bits). */
export type WireDType = "float32" | "int32" | "float16";
/** Every {@link WireDType}. */
export const WIRE_DTYPES: readonly WireDType[] = ["float32", "int32", "float16"];

/** A tensor on the wire: row-major `data` with `product(shape)` elements. */
export interface WireTensor {
  readonly dtype: WireDType;
  readonly shape: readonly number[];
  readonly data: Float32Array | Int32Array | Uint16Array;
}

/** A JSON value (job specs and results are JSON besides their tensors). */
export type JsonValue = null | boolean | number | string | JsonValue[] | {
  [key: string]: JsonValue;
};

/**
 * A contiguous slice of a named tensor, so tensors larger than the bus's max payload can
 * be split over several messages: `slice` holds elements `[offset, offset + slice length)`
 * of the flattened tensor of shape `shape`.
 */
export interface TensorPart {
  readonly name: string;
  readonly shape: readonly number[];
  readonly offset: number;
  readonly slice: WireTensor;
}

/** Position of one message within a chunked transfer. */
export interface ChunkInfo {
  /** Identifies the transfer (unique per sender). */
  readonly transfer: string;
  readonly index: number;
  readonly count: number;
}

/** What a job asks a worker to do. */
export type JobKind = "gradient-shard" | "sensitivity-scan" | "candidate-eval" | "trial";
/** Every {@link JobKind}. */
export const JOB_KINDS: readonly JobKind[] = [
  "gradient-shard",
  "sensitivity-scan",
  "candidate-eval",
  "trial",
];

/** A unit of work for a worker. `spec` is kind-specific JSON. */
export interface JobMessage {
  readonly type: "job";
  readonly v: typeof PROTOCOL_VERSION;
  readonly run: string;
  readonly trialId: string;
  readonly jobId: string;
  readonly kind: JobKind;
  /** Delivery attempt, starting at 1. */
  readonly attempt: number;
  readonly spec: JsonValue;
}

/** A worker's answer to a job: `result` when `ok`, else `error`. */
export interface JobResultMessage {
  readonly type: "job-result";
  readonly v: typeof PROTOCOL_VERSION;
  readonly run: string;
  readonly trialId: string;
  readonly jobId: string;
  readonly workerId: string;
  readonly ok: boolean;
  readonly result?: JsonValue;
  readonly error?: string;
  readonly tensors?: Readonly<Record<string, WireTensor>>;
}

/** What a worker is doing. */
export type WorkerState = "idle" | "busy" | "draining";

/** Sent by each worker every couple of seconds. */
export interface HeartbeatMessage {
  readonly type: "heartbeat";
  readonly v: typeof PROTOCOL_VERSION;
  readonly workerId: string;
  /** Sender's clock, ms since the epoch. */
  readonly at: number;
  readonly state: WorkerState;
  readonly concurrency: number;
  /** Ids of the jobs in progress. */
  readonly jobs: readonly string[];
}

/** Asks a parameter-server shard for chunk `chunk` of its parameters. */
export interface ParamPullMessage {
  readonly type: "param-pull";
  readonly v: typeof PROTOCOL_VERSION;
  readonly run: string;
  readonly trialId: string;
  readonly shard: number;
  readonly workerId: string;
  /** The version the worker holds (-1 for none); the server may answer "unchanged". */
  readonly haveVersion: number;
  readonly chunk: number;
  /** For chunks after the first: the version the first chunk reported. */
  readonly version?: number;
}

/** One chunk of a shard's parameters at `version` (`parts` empty when unchanged). */
export interface ParamReplyMessage {
  readonly type: "param-reply";
  readonly v: typeof PROTOCOL_VERSION;
  readonly run: string;
  readonly trialId: string;
  readonly shard: number;
  readonly version: number;
  readonly chunk: ChunkInfo;
  readonly parts: readonly TensorPart[];
}

/** One chunk of a worker's gradients for a shard, computed at `baseVersion`. */
export interface GradPushMessage {
  readonly type: "grad-push";
  readonly v: typeof PROTOCOL_VERSION;
  readonly run: string;
  readonly trialId: string;
  readonly shard: number;
  readonly workerId: string;
  readonly step: number;
  readonly baseVersion: number;
  readonly chunk: ChunkInfo;
  readonly parts: readonly TensorPart[];
}

/** The server's answer to the last chunk of a gradient push. */
export interface GradAckMessage {
  readonly type: "grad-ack";
  readonly v: typeof PROTOCOL_VERSION;
  readonly run: string;
  readonly trialId: string;
  readonly shard: number;
  readonly transfer: string;
  readonly step: number;
  /** The parameter version after applying (or refusing) the gradient. */
  readonly version: number;
  readonly accepted: boolean;
  readonly reason?: string;
}

/** Binary-framed work messages. */
export type WorkMessage =
  | JobMessage
  | JobResultMessage
  | HeartbeatMessage
  | ParamPullMessage
  | ParamReplyMessage
  | GradPushMessage
  | GradAckMessage;

export type {
  CandidateEvent,
  ErrorEvent,
  EventMessage,
  FrontEvent,
  LogEvent,
  ProgressEvent,
  WorkerJoinedEvent,
  WorkerLostEvent,
} from "./events.ts";
import type { EventMessage } from "./events.ts";
export { EVENT_TYPES } from "./events.ts";

/** Every message of the protocol. */
export type Message = WorkMessage | EventMessage;
/** The `type` tag of every message. */
export type MessageType = Message["type"];

/** The `type` tags of binary-framed messages. */
export const WORK_TYPES: readonly WorkMessage["type"][] = [
  "job",
  "job-result",
  "heartbeat",
  "param-pull",
  "param-reply",
  "grad-push",
  "grad-ack",
];

/**
 * For the `default` branch of an exhaustive `switch` over a union.
 *
 * @example
 * ```ts
 * import { assertNever, type Message } from "./protocol.ts";
 * function kind(m: Message): string {
 *   switch (m.type) {
 *     case "job": case "job-result": case "heartbeat": case "param-pull":
 *     case "param-reply": case "grad-push": case "grad-ack": return "work";
 *     case "progress": case "candidate": case "front": case "worker-joined":
 *     case "worker-lost": case "log": case "error": return "event";
 *     default: return assertNever(m);
 *   }
 * }
 * ```
 */
export function assertNever(x: never): never {
  throw new TypeError(`Unexpected message: ${JSON.stringify(x)}`);
}

export { createSubjects, type SubjectOptions, type Subjects } from "./subjects.ts";
