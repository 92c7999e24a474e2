/**
 * Request/reply over one wildcard inbox subscription: each request gets a token, its reply
 * subject is `<inbox>.<token>`, and the reply is routed back by token. A lean stand-in for
 * the nats.js request machinery (which builds an `Error` with a stack trace and two timers
 * per request) on the bus's hot path. Transport-free: the bus subscribes the inbox and feeds
 * replies to `deliver`.
 *
 * Timeouts share one timer, armed for the earliest deadline of the pending requests: a
 * request that is answered in time creates and clears no timer of its own (a timer per
 * request costs more than the rest of the bookkeeping together). When the timer fires it
 * ends the requests that are due and re-arms for the next deadline; it is cleared by
 * `closeAll`, and otherwise lapses at most one timeout after the last request.
 *
 * @module
 */

/** Why a pending request ended without a reply. */
export type RequestEnd = "timeout" | "no-responders" | "closed";

/** Thrown into a pending request that ended without a reply. */
export class RequestEndedError extends Error {
  /** Why the request ended. */
  readonly reason: RequestEnd;
  constructor(reason: RequestEnd, subject: string) {
    super(`Request on "${subject}" ended: ${reason}`);
    this.name = "RequestEndedError";
    this.reason = reason;
  }
}

/**
 * Builds the error a request ends with; the default is a `RequestEndedError`. A bus passes
 * its own so that the promise `start` returns can be handed to callers as it is.
 */
export type RequestErrorFactory = (
  reason: RequestEnd,
  subject: string,
  timeoutMs: number,
) => Error;

/** Options of `RequestMux`. */
export interface RequestMuxOptions {
  /** The error a request ends with. @default a `RequestEndedError` */
  readonly errorFor?: RequestErrorFactory;
  /** Clock in ms (injected for tests). @default performance.now */
  readonly now?: () => number;
}

interface Pending {
  readonly subject: string;
  readonly timeoutMs: number;
  readonly deadline: number;
  readonly resolve: (data: Uint8Array) => void;
  readonly reject: (err: Error) => void;
}

const defaultErrorFor: RequestErrorFactory = (reason, subject) =>
  new RequestEndedError(reason, subject);

/**
 * Pending requests of one connection, keyed by token.
 *
 * @example
 * ```ts
 * import { RequestMux } from "./request_mux.ts";
 * const mux = new RequestMux("_INBOX.abc");
 * const { reply, promise } = mux.start("svc.echo", 1000);
 * mux.deliver(reply, new Uint8Array([7]), false);
 * console.assert((await promise)[0] === 7);
 * mux.closeAll();
 * ```
 */
export class RequestMux {
  /** The inbox prefix; subscribe `${inbox}.*` and feed what arrives to `deliver`. */
  readonly inbox: string;
  #prefix: string;
  #pending = new Map<string, Pending>();
  #seq = 0;
  #errorFor: RequestErrorFactory;
  #now: () => number;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #timerAt = Infinity;

  constructor(inbox: string, options: RequestMuxOptions = {}) {
    this.inbox = inbox;
    this.#prefix = `${inbox}.`;
    this.#errorFor = options.errorFor ?? defaultErrorFor;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Number of requests awaiting a reply. */
  get size(): number {
    return this.#pending.size;
  }

  /**
   * Registers a request on `subject` that times out after `timeoutMs`; returns the reply
   * subject to publish with and the promise of the reply data (rejects with the error of
   * `errorFor`, by default a `RequestEndedError`).
   */
  start(subject: string, timeoutMs: number): { reply: string; promise: Promise<Uint8Array> } {
    const token = (++this.#seq).toString(36);
    const { promise, resolve, reject } = Promise.withResolvers<Uint8Array>();
    const deadline = this.#now() + timeoutMs;
    this.#pending.set(token, { subject, timeoutMs, deadline, resolve, reject });
    if (deadline < this.#timerAt) this.#arm(deadline);
    return { reply: this.#prefix + token, promise };
  }

  /**
   * Routes a message that arrived on the inbox; `noResponders` marks the server's 503 status.
   * Returns false for a subject outside the inbox or a request no longer pending.
   */
  deliver(subject: string, data: Uint8Array, noResponders: boolean): boolean {
    if (!subject.startsWith(this.#prefix)) return false;
    const token = subject.slice(this.#prefix.length);
    if (noResponders) return this.#end(token, "no-responders");
    const p = this.#pending.get(token);
    if (!p) return false;
    this.#pending.delete(token);
    p.resolve(data);
    return true;
  }

  /** Ends the request of `reply` (e.g. when publishing it failed). */
  cancel(reply: string, reason: RequestEnd): void {
    if (reply.startsWith(this.#prefix)) this.#end(reply.slice(this.#prefix.length), reason);
  }

  /** Ends every pending request with `closed` and clears the timer. */
  closeAll(): void {
    this.#disarm();
    for (const token of [...this.#pending.keys()]) this.#end(token, "closed");
  }

  #end(token: string, reason: RequestEnd): boolean {
    const p = this.#pending.get(token);
    if (!p) return false;
    this.#pending.delete(token);
    p.reject(this.#errorFor(reason, p.subject, p.timeoutMs));
    return true;
  }

  #arm(at: number): void {
    this.#disarm();
    this.#timerAt = at;
    this.#timer = setTimeout(() => this.#sweep(), Math.max(0, Math.ceil(at - this.#now())));
  }

  #disarm(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#timerAt = Infinity;
  }

  /** Ends the requests that are due and re-arms for the earliest deadline left. */
  #sweep(): void {
    this.#timer = null;
    this.#timerAt = Infinity;
    const now = this.#now();
    let next = Infinity;
    const due: string[] = [];
    for (const [token, p] of this.#pending) {
      if (p.deadline <= now) due.push(token);
      else if (p.deadline < next) next = p.deadline;
    }
    for (const token of due) this.#end(token, "timeout");
    if (next < Infinity && next < this.#timerAt) this.#arm(next);
  }
}
