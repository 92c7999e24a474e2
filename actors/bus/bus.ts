/**
 * The `Bus` interface every actor talks through: publish, request/reply and subscriptions
 * with NATS subject semantics (`*`, `>`) and queue groups. Implementations:
 * `InProcessBus` (one process) and `NatsBus` (a NATS server). Actors never know which one
 * they run on.
 *
 * @module
 */
import type { Payload } from "./payload.ts";

/** Default request timeout. @default 5000 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5000;

/** A message delivered to a subscription. */
export interface BusMessage {
  readonly subject: string;
  /** The payload; do not modify it (it may be shared with other subscribers). */
  readonly data: Uint8Array;
  /** The reply subject, when the sender expects an answer. */
  readonly reply?: string;
  /** Sends `data` to `reply`; returns false when there is no reply subject. */
  respond(data: Uint8Array): boolean;
}

/** Handles one message; a throw or rejection is reported and does not stop the bus. */
export type BusHandler = (message: BusMessage) => void | Promise<void>;

/** Subscription options. */
export interface SubscribeOptions {
  /** Queue group: each message goes to one member of the group. */
  readonly queue?: string;
}

/** Request options. */
export interface RequestOptions {
  /** Give up after this many ms with `RequestTimeoutError`. @default DEFAULT_REQUEST_TIMEOUT_MS */
  readonly timeoutMs?: number;
}

/** A live subscription. */
export interface Subscription {
  readonly subject: string;
  /** Stops delivery; idempotent. */
  unsubscribe(): void;
}

/** Reports a handler failure (subject, error); must not throw. */
export type HandlerErrorListener = (subject: string, error: unknown) => void;

export type { Payload } from "./payload.ts";

/**
 * Publish / request / subscribe with NATS semantics. A payload may be given as parts (see
 * `payload.ts`): they must not change until the message is sent (for a request, until it
 * settles); the receiver sees them joined.
 */
export interface Bus {
  /** Largest payload one message may carry, in bytes. */
  readonly maxPayload: number;
  /** Sends `data` to every matching subscription (one member per queue group). */
  publish(subject: string, data: Payload): void;
  /**
   * Sends `data` and resolves with the first reply. Rejects with `NoRespondersError` when
   * nobody listens on `subject` and `RequestTimeoutError` when no reply comes in time.
   */
  request(subject: string, data: Payload, options?: RequestOptions): Promise<Uint8Array>;
  /** Calls `handler` for each message on subjects matching `subject`. */
  subscribe(subject: string, handler: BusHandler, options?: SubscribeOptions): Subscription;
  /** Resolves once everything published so far has reached the server (or subscribers). */
  flush(): Promise<void>;
  /** Closes the bus; pending requests reject, subscriptions stop. */
  close(): Promise<void>;
}

/** Base class of the errors the bus reports to callers. */
export class BusError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "BusError";
  }
}

/** A request got no reply within its timeout. */
export class RequestTimeoutError extends BusError {
  /** The request subject. */
  readonly subject: string;
  constructor(subject: string, timeoutMs: number, options?: { cause?: unknown }) {
    super(`Request on "${subject}" got no reply within ${timeoutMs} ms`, options);
    this.name = "RequestTimeoutError";
    this.subject = subject;
  }
}

/** A request went to a subject with no subscribers. */
export class NoRespondersError extends BusError {
  /** The request subject. */
  readonly subject: string;
  constructor(subject: string, options?: { cause?: unknown }) {
    super(`Request on "${subject}" found no responders`, options);
    this.name = "NoRespondersError";
    this.subject = subject;
  }
}

/** The bus was closed. */
export class BusClosedError extends BusError {
  constructor(options?: { cause?: unknown }) {
    super("The bus is closed", options);
    this.name = "BusClosedError";
  }
}

/** Runs `handler` and routes any throw or rejection to `onError`. */
export function runHandler(
  handler: BusHandler,
  message: BusMessage,
  onError: HandlerErrorListener,
): void {
  try {
    const r = handler(message);
    if (r && typeof (r as Promise<void>).then === "function") {
      (r as Promise<void>).then(undefined, (err) => onError(message.subject, err));
    }
  } catch (err) {
    onError(message.subject, err);
  }
}

/** The default handler-error listener: one line on stderr. */
export const logHandlerError: HandlerErrorListener = (subject, error) => {
  const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  console.error(`bus: handler for "${subject}" failed: ${what}`);
};
