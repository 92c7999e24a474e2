/**
 * The wire codec: the one module that imports msgpackr. Monitoring events are UTF-8 JSON;
 * every other message is a binary frame:
 *
 * ```
 * "TLR" 0x01 | u32 LE header length | msgpack header | pad to 8 | tensor blobs, each padded to 8
 * ```
 *
 * The header is the message with each tensor's `data` replaced by a blob reference, plus the
 * blob byte lengths. Tensor data is raw little-endian, so decoding returns typed-array views
 * into the received bytes (no copy) whenever they sit at a 4-byte-aligned address, and one
 * copy otherwise. (msgpackr's own typed-array extension always copies on decode, hence the
 * blob section.) Every decode is validated: `decode` throws `DecodeError` with a reason.
 *
 * @module
 */
import { Packr, Unpackr } from "msgpackr";
import { joinPayload } from "./bus/payload.ts";
import { DecodeError } from "./decode_error.ts";
import type { Message, WireTensor } from "./protocol.ts";
import { isEventType, shapeSize, validateMessage } from "./validate.ts";

export { DecodeError, type DecodeErrorReason } from "./decode_error.ts";

/** Largest message `decode` accepts by default, in bytes. @default 64 MiB */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 << 20;

const MAGIC = [0x54, 0x4c, 0x52, 0x01] as const;
const MAGIC_BYTES = Uint8Array.from(MAGIC);
const PREFIX_BYTES = 8;
const JSON_OPEN = 0x7b; // "{"
const BLOB = "$blob";
const BYTES_PER: Record<WireTensor["dtype"], number> = { float32: 4, int32: 4, float16: 2 };
const ARRAY: Record<
  WireTensor["dtype"],
  Float32ArrayConstructor | Int32ArrayConstructor | Uint16ArrayConstructor
> = {
  float32: Float32Array,
  int32: Int32Array,
  float16: Uint16Array,
};

const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, moreTypes: false });
const te = new TextEncoder();
const td = new TextDecoder("utf-8", { fatal: true });

/** Decoding options. */
export interface DecodeOptions {
  /** Reject larger messages with reason `oversized`. @default DEFAULT_MAX_MESSAGE_BYTES */
  readonly maxBytes?: number;
}

const pad8 = (n: number) => (n + 7) & ~7;
/** Padding bytes (never written to). */
const ZEROS = new Uint8Array(8);

function isWireTensor(x: Record<string, unknown>): boolean {
  return typeof x.dtype === "string" && Array.isArray(x.shape) && ArrayBuffer.isView(x.data);
}

function strip(x: unknown, blobs: WireTensor[]): unknown {
  if (Array.isArray(x)) return x.map((e) => strip(e, blobs));
  if (typeof x !== "object" || x === null || ArrayBuffer.isView(x)) return x;
  const o = x as Record<string, unknown>;
  if (isWireTensor(o)) {
    const t = o as unknown as WireTensor;
    const size = shapeSize(t.shape, "tensor.shape");
    if (t.data.length !== size || !(t.data instanceof ARRAY[t.dtype])) {
      throw new RangeError(
        `Cannot encode a ${t.dtype} tensor of shape [${t.shape}] from a ${t.data.constructor.name} of ${t.data.length} elements`,
      );
    }
    blobs.push(t);
    return { dtype: t.dtype, shape: t.shape, [BLOB]: blobs.length - 1 };
  }
  const out: Record<string, unknown> = {};
  for (const k in o) {
    if (!Object.hasOwn(o, k)) continue;
    const v = o[k];
    if (v !== undefined) out[k] = strip(v, blobs);
  }
  return out;
}

/**
 * Encodes a message: JSON for monitoring events, a binary frame otherwise. Throws a
 * `RangeError` for a tensor whose data does not match its dtype and shape.
 *
 * @example
 * ```ts
 * import { decode, encode } from "./codec.ts";
 * import { PROTOCOL_VERSION } from "./protocol.ts";
 * const bytes = encode({
 *   type: "job-result", v: PROTOCOL_VERSION, run: "r1", trialId: "t0", jobId: "j1",
 *   workerId: "w1", ok: true,
 *   tensors: { g: { dtype: "float32", shape: [2], data: new Float32Array([1, 2]) } },
 * });
 * const back = decode(bytes);
 * console.assert(back.type === "job-result" && back.tensors?.g?.data[1] === 2);
 * ```
 */
export function encode(message: Message): Uint8Array {
  return joinPayload(encodeParts(message));
}

/**
 * The bytes of `encode(message)` as parts, without copying tensor data: the frame's prefix
 * and header, then each tensor's bytes (a view of its data) and its padding. Publish them as
 * they are (`Bus.publish` takes parts); the tensors must not change until they are sent.
 *
 * @example
 * ```ts
 * import { encode, encodeParts } from "./codec.ts";
 * import { PROTOCOL_VERSION } from "./protocol.ts";
 * const data = new Float32Array([1, 2, 3]);
 * const parts = encodeParts({
 *   type: "job-result", v: PROTOCOL_VERSION, run: "r1", trialId: "t0", jobId: "j1",
 *   workerId: "w1", ok: true, tensors: { g: { dtype: "float32", shape: [3], data } },
 * });
 * console.assert(parts[1]!.buffer === data.buffer); // the tensor itself, not a copy
 * ```
 */
export function encodeParts(message: Message): Uint8Array[] {
  if (isEventType(message.type)) return [te.encode(JSON.stringify(message))];
  const blobs: WireTensor[] = [];
  const m = strip(message, blobs);
  const header = packr.pack({ m, b: blobs.map((t) => t.data.byteLength) });
  const head = new Uint8Array(pad8(PREFIX_BYTES + header.length));
  head.set(MAGIC_BYTES, 0);
  const n = header.length;
  head[4] = n & 0xff;
  head[5] = (n >>> 8) & 0xff;
  head[6] = (n >>> 16) & 0xff;
  head[7] = n >>> 24;
  head.set(header, PREFIX_BYTES);
  const parts: Uint8Array[] = [head];
  for (const t of blobs) {
    const bytes = t.data.byteLength;
    parts.push(new Uint8Array(t.data.buffer, t.data.byteOffset, bytes));
    if (pad8(bytes) > bytes) parts.push(ZEROS.subarray(0, pad8(bytes) - bytes));
  }
  return parts;
}

function view(bytes: Uint8Array, offset: number, dtype: WireTensor["dtype"], n: number) {
  const Ctor = ARRAY[dtype];
  const at = bytes.byteOffset + offset;
  if (at % Ctor.BYTES_PER_ELEMENT === 0) return new Ctor(bytes.buffer as ArrayBuffer, at, n);
  return new Ctor(bytes.slice(offset, offset + n * Ctor.BYTES_PER_ELEMENT).buffer);
}

function restore(x: unknown, tensors: (WireTensor | null)[], depth: number): unknown {
  if (depth > MAX_DEPTH) throw tooDeep();
  if (Array.isArray(x)) return x.map((e) => restore(e, tensors, depth + 1));
  if (typeof x !== "object" || x === null) return x;
  const o = x as Record<string, unknown>;
  if (BLOB in o) {
    const i = o[BLOB];
    const t = typeof i === "number" ? tensors[i] : undefined;
    if (!t) throw new DecodeError("garbage", `bad or reused blob reference ${String(i)}`);
    tensors[i as number] = null;
    return t;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = restore(v, tensors, depth + 1);
  return out;
}

const MAX_DEPTH = 64;
const tooDeep = () => new DecodeError("invalid-field", "message is nested too deeply");

/** What one walk of a decoded header found. */
interface Scan {
  /** The blob references, in the order `restore` meets them. */
  readonly refs: Record<string, unknown>[];
  /** Whether `restore` must rebuild the tree: it holds blob references or non-plain objects. */
  copy: boolean;
  /** Whether something sits deeper than `restore` accepts. */
  deep: boolean;
}

/**
 * Walks the header the way `restore` will, so that a header without tensors (most small
 * messages) is used as msgpackr built it instead of being rebuilt.
 */
function scan(x: unknown, s: Scan, depth: number): void {
  if (depth > MAX_DEPTH) {
    s.deep = true;
    return;
  }
  if (typeof x !== "object" || x === null) return;
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) scan(x[i], s, depth + 1);
    return;
  }
  const o = x as Record<string, unknown>;
  if (BLOB in o) {
    s.refs.push(o);
    s.copy = true;
    return;
  }
  if (Object.getPrototypeOf(o) !== Object.prototype) s.copy = true;
  for (const k in o) if (Object.hasOwn(o, k)) scan(o[k], s, depth + 1);
}

function decodeFrame(bytes: Uint8Array): unknown {
  if (bytes.length < PREFIX_BYTES) {
    throw new DecodeError("truncated", "frame shorter than its prefix");
  }
  const headerLength = (bytes[4]! | bytes[5]! << 8 | bytes[6]! << 16 | bytes[7]! << 24) >>> 0;
  if (PREFIX_BYTES + headerLength > bytes.length) {
    throw new DecodeError("truncated", `header of ${headerLength} bytes exceeds the frame`);
  }
  let head: { m?: unknown; b?: unknown };
  try {
    head = unpackr.unpack(bytes.subarray(PREFIX_BYTES, PREFIX_BYTES + headerLength));
  } catch (err) {
    throw new DecodeError("garbage", "header is not msgpack", { cause: err });
  }
  const lengths = head?.b;
  if (!Array.isArray(lengths) || !lengths.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    throw new DecodeError("garbage", "header has no blob table");
  }
  let off = pad8(PREFIX_BYTES + headerLength);
  const offsets = lengths.map((n: number) => {
    const at = off;
    off += pad8(n);
    return at;
  });
  if (off > bytes.length) {
    throw new DecodeError("truncated", `frame needs ${off} bytes, has ${bytes.length}`);
  }
  if (off < bytes.length) {
    throw new DecodeError("garbage", `${bytes.length - off} bytes after the last blob`);
  }
  const found: Scan = { refs: [], copy: false, deep: false };
  scan(head.m, found, 0);
  const tensors: (WireTensor | null)[] = lengths.map(() => null);
  for (const ref of found.refs) {
    const i = ref[BLOB];
    const dtype = ref.dtype as WireTensor["dtype"];
    if (typeof i !== "number" || !Object.hasOwn(BYTES_PER, String(dtype)) || tensors[i] !== null) {
      throw new DecodeError("garbage", `bad tensor reference ${JSON.stringify(ref)}`);
    }
    const n = shapeSize(ref.shape, "tensor.shape");
    if (n * BYTES_PER[dtype] !== lengths[i]) {
      throw new DecodeError(
        "shape-mismatch",
        `${dtype} tensor of shape [${ref.shape}] needs ${n * BYTES_PER[dtype]} bytes, blob has ${
          lengths[i]
        }`,
      );
    }
    tensors[i] = { dtype, shape: ref.shape as number[], data: view(bytes, offsets[i]!, dtype, n) };
  }
  if (found.deep) throw tooDeep();
  return found.copy ? restore(head.m, tensors, 0) : head.m;
}

/**
 * Decodes and validates bytes from the wire. Tensor data are views into `bytes` when
 * aligned, so keep `bytes` unchanged while the message is in use. Throws `DecodeError`.
 */
export function decode(bytes: Uint8Array, options: DecodeOptions = {}): Message {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (!(bytes instanceof Uint8Array)) throw new DecodeError("garbage", "not a Uint8Array");
  if (bytes.length > maxBytes) {
    throw new DecodeError("oversized", `${bytes.length} bytes exceed the limit of ${maxBytes}`);
  }
  if (bytes.length === 0) throw new DecodeError("truncated", "empty message");
  let raw: unknown;
  if (bytes[0] === JSON_OPEN) {
    try {
      raw = JSON.parse(td.decode(bytes));
    } catch (err) {
      throw new DecodeError("garbage", "invalid JSON", { cause: err });
    }
  } else if (MAGIC.every((b, i) => bytes[i] === b)) {
    raw = decodeFrame(bytes);
  } else if (
    bytes.length < MAGIC.length && MAGIC.slice(0, bytes.length).every((b, i) => bytes[i] === b)
  ) {
    throw new DecodeError("truncated", "frame shorter than its prefix");
  } else {
    throw new DecodeError("garbage", "neither a JSON event nor a binary frame");
  }
  return validateMessage(raw);
}
