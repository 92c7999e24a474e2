/**
 * Three changes to how the nats.js v3 core client (`@nats-io/nats-core` 3.4) hands outbound
 * bytes to its transport, applied to one connection:
 *
 * - **No packing.** The client joins every queued protocol line and payload into one new
 *   buffer before each write (a full copy of every payload). The queued buffers are handed
 *   over as they are instead, in one `sendMany` call, so the Deno transport coalesces the
 *   small ones into one write and writes large payloads without copying them.
 * - **Large messages go out at once.** The client defers every flush to a microtask, so a
 *   burst of large publishes reaches the socket only after the publishing code yields. A
 *   command that brings the queue to `LARGE_FLUSH_BYTES` is flushed inline: the server
 *   starts forwarding the first chunk of a chunked tensor while the next one is encoded.
 * - **Small commands are one buffer.** A protocol line and small payloads (a request, a
 *   reply, a heartbeat) are encoded straight into one buffer of their own instead of
 *   encoding the line and joining it with its payload at write time: one allocation and one
 *   copy fewer per small message.
 *
 * And one addition, `publishParts`: a message given as parts (a frame header and tensor
 * views) is queued part by part behind its `PUB` line, so that with the changes above its
 * tensor bytes reach the socket without ever being copied into one buffer.
 *
 * The client is left untouched when its internals do not look as expected.
 *
 * @module
 */
import type { NatsConnection } from "@nats-io/nats-core/internal";

/** Queued outbound bytes at which a command is flushed inline. @default 64 KiB */
export const LARGE_FLUSH_BYTES = 64 << 10;
/** Commands (line and payloads) up to this size are queued as one buffer. @default 4 KiB */
export const JOIN_COMMAND_BYTES = 4 << 10;

interface Outbound {
  size(): number;
  length(): number;
  shift(): Uint8Array;
  fill(first: Uint8Array, ...more: Uint8Array[]): void;
}

interface TransportLike {
  send(frame: Uint8Array): void;
  sendMany?(frames: Uint8Array[]): void;
}

interface Protocol {
  infoReceived: boolean;
  connected: boolean;
  info?: { max_payload?: number };
  outBytes: number;
  outMsgs: number;
  outbound: Outbound;
  transport: TransportLike;
  flushPending(): void;
  sendCommand(cmd: string | Uint8Array, ...payloads: Uint8Array[]): void;
}

const te = new TextEncoder();

/**
 * `cmd` and `payloads` in one new buffer, or null when they are larger than
 * `JOIN_COMMAND_BYTES` (or the line is not ASCII, which the one-pass encoding assumes).
 */
export function joinCommand(cmd: string, payloads: readonly Uint8Array[]): Uint8Array | null {
  let size = cmd.length;
  for (const p of payloads) size += p.length;
  if (size > JOIN_COMMAND_BYTES) return null;
  const out = new Uint8Array(size);
  // A protocol line is short: a loop beats a call into the runtime's encoder.
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd.charCodeAt(i);
    if (c > 0x7f) return null;
    out[i] = c;
  }
  let off = cmd.length;
  for (const p of payloads) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function looksTunable(p: unknown): p is Protocol {
  const proto = p as Partial<Protocol> | undefined;
  const out = proto?.outbound as Partial<Outbound> | undefined;
  return typeof proto?.flushPending === "function" &&
    typeof proto.sendCommand === "function" && typeof out?.size === "function" &&
    typeof out.length === "function" && typeof out.shift === "function" &&
    typeof out.fill === "function";
}

const CRLF = Uint8Array.of(0x0d, 0x0a);

interface Checked {
  protocol?: unknown;
  _check?: (subject: string, sub: boolean, pub: boolean) => void;
}

/**
 * Publishes `parts` (in order, as one message) on `subject`, with `reply` if given, without
 * joining them; returns false, having sent nothing, when the client's internals do not look
 * as expected or the parts exceed the server's max payload (the caller then publishes them
 * joined, and the client raises its own error). Throws what the client's `publish` throws
 * for a closed or draining connection or an invalid subject. The parts must not change until
 * they are written.
 */
export function publishParts(
  nc: NatsConnection,
  subject: string,
  parts: readonly Uint8Array[],
  reply = "",
): boolean {
  const c = nc as unknown as Checked;
  const proto = c.protocol;
  if (typeof c._check !== "function" || !looksTunable(proto)) return false;
  let bytes = 0;
  for (const p of parts) bytes += p.length;
  const max = proto.info?.max_payload;
  if (max === undefined || bytes > max) return false;
  c._check(subject, false, true);
  if (reply) c._check(reply, false, true);
  proto.outBytes += bytes;
  proto.outMsgs++;
  proto.sendCommand(`PUB ${subject} ${reply ? `${reply} ` : ""}${bytes}\r\n`, ...parts, CRLF);
  return true;
}

/**
 * Applies the changes to `nc`'s protocol handler; returns whether it could. Works with any
 * transport: one without `sendMany` gets the queued buffers joined, as before.
 */
export function tuneOutbound(nc: NatsConnection): boolean {
  const proto = (nc as unknown as { protocol?: unknown }).protocol;
  if (!looksTunable(proto)) return false;
  const packAndSend = proto.flushPending;
  proto.flushPending = function (this: Protocol) {
    if (!this.infoReceived || !this.connected) return;
    if (typeof this.transport.sendMany !== "function") return packAndSend.call(this);
    if (this.outbound.size() === 0) return;
    const frames: Uint8Array[] = [];
    while (this.outbound.length() > 0) frames.push(this.outbound.shift());
    this.transport.sendMany(frames);
  };
  proto.sendCommand = function (this: Protocol, cmd, ...payloads) {
    const wasEmpty = this.outbound.length() === 0;
    const joined = typeof cmd === "string" ? joinCommand(cmd, payloads) : null;
    if (joined) this.outbound.fill(joined);
    else this.outbound.fill(typeof cmd === "string" ? te.encode(cmd) : cmd, ...payloads);
    if (this.outbound.size() >= LARGE_FLUSH_BYTES) this.flushPending();
    else if (wasEmpty) queueMicrotask(() => this.flushPending());
  };
  return true;
}
