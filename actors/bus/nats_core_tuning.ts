/**
 * Two changes to how the nats.js v3 core client (`@nats-io/nats-core` 3.4) hands outbound
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
 *
 * The client is left untouched when its internals do not look as expected.
 *
 * @module
 */
import type { NatsConnection } from "@nats-io/nats-core/internal";

/** Queued outbound bytes at which a command is flushed inline. @default 64 KiB */
export const LARGE_FLUSH_BYTES = 64 << 10;

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
  outbound: Outbound;
  transport: TransportLike;
  flushPending(): void;
  sendCommand(cmd: string | Uint8Array, ...payloads: Uint8Array[]): void;
}

const te = new TextEncoder();

function looksTunable(p: unknown): p is Protocol {
  const proto = p as Partial<Protocol> | undefined;
  const out = proto?.outbound as Partial<Outbound> | undefined;
  return typeof proto?.flushPending === "function" &&
    typeof proto.sendCommand === "function" && typeof out?.size === "function" &&
    typeof out.length === "function" && typeof out.shift === "function" &&
    typeof out.fill === "function";
}

/**
 * Applies both changes to `nc`'s protocol handler; returns whether it could. Works with any
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
    this.outbound.fill(typeof cmd === "string" ? te.encode(cmd) : cmd, ...payloads);
    if (this.outbound.size() >= LARGE_FLUSH_BYTES) this.flushPending();
    else if (wasEmpty) queueMicrotask(() => this.flushPending());
  };
  return true;
}
