/**
 * The messages between a `PortBus` (inside a Web Worker) and its `bridgePort` (on the main
 * thread), version {@linkcode PORT_BUS_VERSION}: plain objects tagged by `type`, carrying a
 * version `v`. Payloads travel as `Uint8Array`s whose buffers are transferred, never shared.
 *
 * @module
 */

import { BusClosedError, BusError, NoRespondersError, RequestTimeoutError } from "./bus.ts";

/** Version of the port messages; both ends reject any other. */
export const PORT_BUS_VERSION = 1;

type V = typeof PORT_BUS_VERSION;

/** A `MessagePort`, a `Worker` or a worker's `self`: what the two ends talk over. */
export interface MessagePortLike {
  postMessage(message: unknown, transfer: Transferable[]): void;
  onmessage: ((event: MessageEvent) => void) | null;
  /** Present on a `MessagePort`; called when the end closes. */
  close?(): void;
}

/** PortBus to bridge. */
export type PortBusMessage =
  /** Mirror a subscription (`sid` is chosen by the port bus). */
  | {
    readonly v: V;
    readonly type: "sub";
    readonly sid: number;
    readonly subject: string;
    readonly queue?: string;
  }
  | { readonly v: V; readonly type: "unsub"; readonly sid: number }
  /** Publish (a reply is a publish to the reply subject). */
  | { readonly v: V; readonly type: "pub"; readonly subject: string; readonly data: Uint8Array }
  | {
    readonly v: V;
    readonly type: "req";
    readonly rid: number;
    readonly subject: string;
    readonly data: Uint8Array;
    readonly timeoutMs: number;
  }
  | { readonly v: V; readonly type: "flush"; readonly fid: number }
  /** The port bus closed: drop its subscriptions. Nothing follows on the port. */
  | { readonly v: V; readonly type: "close" };

/** Why a request made through the bridge failed. */
export type RequestFailure = "no-responders" | "timeout" | "closed" | "failed";

/** The `RequestFailure` of an error from `Bus.request` (bridge side). */
export function failureOf(e: unknown): RequestFailure {
  if (e instanceof NoRespondersError) return "no-responders";
  if (e instanceof RequestTimeoutError) return "timeout";
  if (e instanceof BusClosedError) return "closed";
  return "failed";
}

/** The error a `RequestFailure` stands for (port bus side), as the main bus raised it. */
export function errorOf(
  reason: RequestFailure,
  request: { readonly subject: string; readonly timeoutMs: number; readonly message: string },
): BusError {
  const { subject, timeoutMs, message } = request;
  switch (reason) {
    case "no-responders":
      return new NoRespondersError(subject);
    case "timeout":
      return new RequestTimeoutError(subject, timeoutMs);
    case "closed":
      return new BusClosedError();
    case "failed":
      return new BusError(`Request on "${subject}" failed on the main thread: ${message}`);
  }
}

/** Bridge to PortBus. */
export type BridgeMessage =
  | {
    readonly v: V;
    readonly type: "msg";
    readonly sid: number;
    readonly subject: string;
    readonly data: Uint8Array;
    readonly reply?: string;
  }
  | { readonly v: V; readonly type: "reply"; readonly rid: number; readonly data: Uint8Array }
  | {
    readonly v: V;
    readonly type: "reply-error";
    readonly rid: number;
    readonly reason: RequestFailure;
    readonly message: string;
  }
  | { readonly v: V; readonly type: "flushed"; readonly fid: number };

/** A port message with the wrong version or shape. */
export class PortProtocolError extends TypeError {
  constructor(message: string) {
    super(message);
    this.name = "PortProtocolError";
  }
}

/** Throws `PortProtocolError` unless `m` is an object of this version with a string `type`. */
export function checkPortMessage(m: unknown, side: string): void {
  const o = m as { v?: unknown; type?: unknown } | null;
  if (typeof o !== "object" || o === null || typeof o.type !== "string") {
    throw new PortProtocolError(`${side} got a port message without a type`);
  }
  if (o.v !== PORT_BUS_VERSION) {
    throw new PortProtocolError(
      `${side} got port message "${o.type}" of version ${String(o.v)}: ` +
        `expected version ${PORT_BUS_VERSION} (both ends must run the same Tailor build)`,
    );
  }
}

/**
 * The payload to post and what to transfer. With `move`, a payload that spans its whole
 * (non-shared) buffer is transferred as is (the sender's array is emptied); otherwise the
 * bytes are copied once and the copy is transferred, so a shared payload is never detached.
 */
export function outgoing(data: Uint8Array, move: boolean): [Uint8Array, Transferable[]] {
  const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
  if (move && whole && data.buffer instanceof ArrayBuffer) return [data, [data.buffer]];
  const copy = data.slice();
  return [copy, [copy.buffer]];
}

/** The error for a message type a `switch` did not expect (its exhaustiveness check). */
export function unknownPortMessage(m: never, side: string): PortProtocolError {
  return new PortProtocolError(
    `${side} got unknown port message type ${JSON.stringify((m as { type?: unknown }).type)}`,
  );
}
