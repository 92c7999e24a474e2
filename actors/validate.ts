/**
 * Structural checks of decoded messages against the protocol: every field's type, the
 * version, tensor dtypes and sizes. Used by `codec.ts` on every decode.
 *
 * @module
 */
import { DecodeError } from "./decode_error.ts";
import { EVENT_TYPES } from "./events.ts";
import {
  JOB_KINDS,
  type Message,
  PROTOCOL_VERSION,
  WIRE_DTYPES,
  type WireTensor,
} from "./protocol.ts";

type Check = (x: unknown, path: string) => void;

const MAX_DEPTH = 64;

function bad(path: string, want: string, x: unknown): never {
  const got = x === null ? "null" : Array.isArray(x) ? "array" : typeof x;
  throw new DecodeError("invalid-field", `${path} must be ${want}, got ${got}`);
}

const str: Check = (x, p) => typeof x === "string" || bad(p, "a string", x);
const num: Check = (x, p) => (typeof x === "number" && Number.isFinite(x)) || bad(p, "a number", x);
const int: Check = (x, p) => Number.isSafeInteger(x) || bad(p, "an integer", x);
const nat: Check = (x, p) =>
  (Number.isSafeInteger(x) && (x as number) >= 0) || bad(p, "an integer >= 0", x);
const bool: Check = (x, p) => typeof x === "boolean" || bad(p, "a boolean", x);
const opt = (c: Check): Check => (x, p) => x === undefined || c(x, p);
const oneOf = (values: readonly string[]): Check => (x, p) =>
  (typeof x === "string" && values.includes(x)) || bad(p, `one of ${values.join("|")}`, x);

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x);
}

const arr = (c: Check): Check => (x, p) => {
  if (!Array.isArray(x)) bad(p, "an array", x);
  x.forEach((e, i) => c(e, `${p}[${i}]`));
};
const rec = (c: Check): Check => (x, p) => {
  if (!isPlainObject(x)) bad(p, "an object", x);
  for (const k in x) if (Object.hasOwn(x, k)) c(x[k], `${p}.${k}`);
};
const obj = (fields: Record<string, Check>): Check => {
  const keys = Object.keys(fields);
  const suffixes = keys.map((k) => `.${k}`);
  const checks = Object.values(fields);
  return (x, p) => {
    if (!isPlainObject(x)) bad(p, "an object", x);
    for (let i = 0; i < keys.length; i++) checks[i]!(x[keys[i]!], p + suffixes[i]);
  };
};

function jsonAt(x: unknown, p: string, depth: number): void {
  if (depth > MAX_DEPTH) throw new DecodeError("invalid-field", `${p} is nested too deeply`);
  if (x === null || typeof x === "string" || typeof x === "boolean") return;
  if (typeof x === "number") return num(x, p);
  if (Array.isArray(x)) return x.forEach((e, i) => jsonAt(e, `${p}[${i}]`, depth + 1));
  if (isPlainObject(x)) {
    for (const k in x) if (Object.hasOwn(x, k)) jsonAt(x[k], `${p}.${k}`, depth + 1);
    return;
  }
  bad(p, "JSON", x);
}
const json: Check = (x, p) => jsonAt(x, p, 0);

const ARRAY_OF: Record<
  WireTensor["dtype"],
  Float32ArrayConstructor | Int32ArrayConstructor | Uint16ArrayConstructor
> = {
  float32: Float32Array,
  int32: Int32Array,
  float16: Uint16Array,
};

/** Number of elements of `shape`; a `DecodeError` for a bad shape. */
export function shapeSize(shape: unknown, path: string): number {
  if (!Array.isArray(shape)) bad(path, "an array of dimensions", shape);
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) bad(path, "an array of integers >= 0", shape);
    n *= d as number;
  }
  if (!Number.isSafeInteger(n)) throw new DecodeError("shape-mismatch", `${path} is too large`);
  return n;
}

const tensor: Check = (x, p) => {
  if (!isPlainObject(x)) bad(p, "a tensor", x);
  oneOf(WIRE_DTYPES)(x.dtype, `${p}.dtype`);
  const size = shapeSize(x.shape, `${p}.shape`);
  const want = ARRAY_OF[x.dtype as WireTensor["dtype"]];
  if (!(x.data instanceof want)) bad(`${p}.data`, `a ${want.name} for ${x.dtype}`, x.data);
  const length = (x.data as ArrayLike<number>).length;
  if (length !== size) {
    throw new DecodeError(
      "shape-mismatch",
      `${p} has ${length} elements but shape [${x.shape}] needs ${size}`,
    );
  }
};

const part: Check = (x, p) => {
  obj({ name: str, offset: nat })(x, p);
  const r = x as Record<string, unknown>;
  const size = shapeSize(r.shape, `${p}.shape`);
  tensor(r.slice, `${p}.slice`);
  const slice = r.slice as WireTensor;
  if (slice.shape.length !== 1 || (r.offset as number) + slice.data.length > size) {
    throw new DecodeError("shape-mismatch", `${p} slice does not fit shape [${r.shape}]`);
  }
};

const chunk: Check = (x, p) => {
  obj({ transfer: str, index: nat, count: nat })(x, p);
  const c = x as { index: number; count: number };
  if (c.count < 1 || c.index >= c.count) bad(p, "index < count with count >= 1", x);
};

const header = { type: str, v: int };
const runTrial = { run: str, trialId: str };
const event = { ...header, run: str, at: num };
const metrics = rec(num);

const SCHEMAS: Record<Message["type"], Check> = {
  "job": obj({
    ...header,
    ...runTrial,
    jobId: str,
    kind: oneOf(JOB_KINDS),
    attempt: nat,
    spec: json,
  }),
  "job-result": obj({
    ...header,
    ...runTrial,
    jobId: str,
    workerId: str,
    ok: bool,
    result: opt(json),
    error: opt(str),
    tensors: opt(rec(tensor)),
  }),
  "heartbeat": obj({
    ...header,
    workerId: str,
    at: num,
    state: oneOf(["idle", "busy", "draining"]),
    concurrency: nat,
    jobs: arr(str),
  }),
  "param-pull": obj({
    ...header,
    ...runTrial,
    shard: nat,
    workerId: str,
    haveVersion: int,
    chunk: nat,
    version: opt(int),
  }),
  "param-reply": obj({ ...header, ...runTrial, shard: nat, version: int, chunk, parts: arr(part) }),
  "grad-push": obj({
    ...header,
    ...runTrial,
    shard: nat,
    workerId: str,
    step: nat,
    baseVersion: int,
    chunk,
    parts: arr(part),
  }),
  "grad-ack": obj({
    ...header,
    ...runTrial,
    shard: nat,
    transfer: str,
    step: nat,
    version: int,
    accepted: bool,
    reason: opt(str),
  }),
  "progress": obj({
    ...event,
    trialId: str,
    phase: str,
    done: num,
    total: num,
    metrics: opt(metrics),
  }),
  "candidate": obj({ ...event, trialId: str, candidateId: str, metrics, choice: json }),
  "front": obj({ ...event, points: arr(obj({ candidateId: str, metrics })) }),
  "worker-joined": obj({ ...event, workerId: str, concurrency: nat }),
  "worker-lost": obj({ ...event, workerId: str, lastSeen: num, reason: str }),
  "log": obj({
    ...event,
    level: oneOf(["debug", "info", "warn", "error"]),
    source: str,
    message: str,
  }),
  "error": obj({ ...event, source: str, reason: str, message: str }),
};

const EVENTS: ReadonlySet<string> = new Set(EVENT_TYPES);

/** Whether `type` is a monitoring event (sent as JSON). */
export function isEventType(type: string): boolean {
  return EVENTS.has(type);
}

/**
 * Checks that `x` is a message of this protocol version; throws `DecodeError` otherwise.
 */
export function validateMessage(x: unknown): Message {
  if (!isPlainObject(x)) bad("message", "an object", x);
  if (typeof x.type !== "string" || !Object.hasOwn(SCHEMAS, x.type)) {
    throw new DecodeError("unknown-type", `type ${JSON.stringify(x.type)} is not in the protocol`);
  }
  if (x.v !== PROTOCOL_VERSION) {
    throw new DecodeError(
      "unknown-version",
      `version ${JSON.stringify(x.v)} is not ${PROTOCOL_VERSION}`,
    );
  }
  SCHEMAS[x.type as Message["type"]](x, x.type);
  return x as unknown as Message;
}
