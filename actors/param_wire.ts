/**
 * Shared pieces of the parameter-server wire traffic: chunk sizing from the bus's max payload,
 * error events, and the error raised on the worker side when a server refuses a request.
 *
 * @module
 */
import { type ErrorEvent, PROTOCOL_VERSION } from "./protocol.ts";

/** Bytes of each message left for its fields besides the tensor parts. @default 512 */
export const FRAME_HEADROOM_BYTES = 512;

/**
 * Tensor bytes per chunk for a bus whose max payload is `maxPayload`, leaving
 * `FRAME_HEADROOM_BYTES` plus the length of the message's ids for the header.
 */
export function chunkBytesFor(maxPayload: number, ids: readonly string[] = []): number {
  const room = maxPayload - FRAME_HEADROOM_BYTES - ids.reduce((a, s) => a + s.length, 0);
  if (!(room > 128)) {
    throw new RangeError(`Cannot chunk tensors for a max payload of ${maxPayload} bytes`);
  }
  return room;
}

/** An `error` event from `source` about run `run`. */
export function errorEvent(
  run: string,
  source: string,
  reason: string,
  message: string,
  at: number = Date.now(),
): ErrorEvent {
  return { type: "error", v: PROTOCOL_VERSION, run, at, source, reason, message };
}

/** A parameter server answered a request with an error (or did not answer in time). */
export class ParamServerError extends Error {
  /** Machine-readable reason (a `DecodeError` reason, `stale-version`, `timeout`, ...). */
  readonly reason: string;
  constructor(reason: string, message: string, options?: { cause?: unknown }) {
    super(`Parameter server refused (${reason}): ${message}`, options);
    this.name = "ParamServerError";
    this.reason = reason;
  }
}

/** A message refused before it reached the store (wrong type, run, trial, shard, version). */
export class RejectError extends Error {
  /** Machine-readable reason, e.g. `unknown-run`. */
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.name = "RejectError";
    this.reason = reason;
  }
}
