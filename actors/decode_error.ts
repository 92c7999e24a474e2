/**
 * The error every decoder of wire bytes throws; re-exported by `codec.ts`.
 *
 * @module
 */

/** Why bytes were rejected. */
export type DecodeErrorReason =
  | "garbage"
  | "truncated"
  | "oversized"
  | "unknown-type"
  | "unknown-version"
  | "invalid-field"
  | "shape-mismatch";

/**
 * Bytes that are not a valid message of this protocol. Actors catch it, publish an `error`
 * event with `reason`, and carry on.
 */
export class DecodeError extends Error {
  /** Machine-readable reason. */
  readonly reason: DecodeErrorReason;
  constructor(reason: DecodeErrorReason, message: string, options?: { cause?: unknown }) {
    super(`Cannot decode message (${reason}): ${message}`, options);
    this.name = "DecodeError";
    this.reason = reason;
  }
}
