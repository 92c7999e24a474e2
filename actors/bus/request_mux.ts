/**
 * Request/reply over one wildcard inbox subscription: each request gets a token, its reply
 * subject is `<inbox>.<token>`, and the reply is routed back by token. A lean stand-in for
 * the nats.js request machinery (which builds an `Error` with a stack trace and two timers
 * per request) on the bus's hot path. Transport-free: the bus subscribes the inbox and feeds
 * replies to `deliver`.
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

interface Pending {
  readonly subject: string;
  readonly resolve: (data: Uint8Array) => void;
  readonly reject: (err: RequestEndedError) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

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
 * ```
 */
export class RequestMux {
  /** The inbox prefix; subscribe `${inbox}.*` and feed what arrives to `deliver`. */
  readonly inbox: string;
  #prefix: string;
  #pending = new Map<string, Pending>();
  #seq = 0;

  constructor(inbox: string) {
    this.inbox = inbox;
    this.#prefix = `${inbox}.`;
  }

  /** Number of requests awaiting a reply. */
  get size(): number {
    return this.#pending.size;
  }

  /**
   * Registers a request on `subject` that times out after `timeoutMs`; returns the reply
   * subject to publish with and the promise of the reply data (rejects with
   * `RequestEndedError`).
   */
  start(subject: string, timeoutMs: number): { reply: string; promise: Promise<Uint8Array> } {
    const token = (++this.#seq).toString(36);
    const { promise, resolve, reject } = Promise.withResolvers<Uint8Array>();
    const timer = setTimeout(() => this.#end(token, "timeout"), timeoutMs);
    this.#pending.set(token, { subject, resolve, reject, timer });
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
    clearTimeout(p.timer);
    p.resolve(data);
    return true;
  }

  /** Ends the request of `reply` (e.g. when publishing it failed). */
  cancel(reply: string, reason: RequestEnd): void {
    if (reply.startsWith(this.#prefix)) this.#end(reply.slice(this.#prefix.length), reason);
  }

  /** Ends every pending request with `closed`. */
  closeAll(): void {
    for (const token of [...this.#pending.keys()]) this.#end(token, "closed");
  }

  #end(token: string, reason: RequestEnd): boolean {
    const p = this.#pending.get(token);
    if (!p) return false;
    this.#pending.delete(token);
    clearTimeout(p.timer);
    p.reject(new RequestEndedError(reason, p.subject));
    return true;
  }
}
