/**
 * The embedded bus: NATS semantics inside one process (the default when no `--nats` URL is
 * given). Deliveries are asynchronous (microtasks, in publish order) so a publisher never
 * runs subscriber code inline and a handler's throw never reaches the publisher.
 *
 * @module
 */
import {
  type Bus,
  BusClosedError,
  type BusHandler,
  type BusMessage,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type HandlerErrorListener,
  logHandlerError,
  NoRespondersError,
  type RequestOptions,
  RequestTimeoutError,
  runHandler,
  type SubscribeOptions,
  type Subscription,
} from "./bus.ts";
import { checkSubject, subjectMatches } from "./subject.ts";
import { joinPayload, type Payload } from "./payload.ts";

/** Max payload of the in-process bus. @default 64 MiB */
export const DEFAULT_IN_PROCESS_MAX_PAYLOAD = 64 << 20;

/** Options of `InProcessBus`. */
export interface InProcessBusOptions {
  /** Largest payload accepted by `publish`. @default DEFAULT_IN_PROCESS_MAX_PAYLOAD */
  readonly maxPayload?: number;
  /** Called when a handler throws. @default logHandlerError */
  readonly onHandlerError?: HandlerErrorListener;
}

interface Sub {
  readonly pattern: string;
  readonly queue: string | undefined;
  readonly handler: BusHandler;
  active: boolean;
}

/**
 * A `Bus` within one process.
 *
 * @example
 * ```ts
 * import { InProcessBus } from "./in_process.ts";
 * const bus = new InProcessBus();
 * bus.subscribe("echo", (m) => void m.respond(m.data));
 * const reply = await bus.request("echo", new Uint8Array([7]));
 * console.assert(reply[0] === 7);
 * await bus.close();
 * ```
 */
export class InProcessBus implements Bus {
  /** Largest payload one message may carry. */
  readonly maxPayload: number;
  #subs = new Set<Sub>();
  #turn = new Map<string, number>();
  #onError: HandlerErrorListener;
  #closed = false;
  #inbox = 0;
  #pending = new Set<(err: Error) => void>();

  constructor(options: InProcessBusOptions = {}) {
    this.maxPayload = options.maxPayload ?? DEFAULT_IN_PROCESS_MAX_PAYLOAD;
    this.#onError = options.onHandlerError ?? logHandlerError;
  }

  publish(subject: string, data: Payload): void {
    this.#send(subject, data, undefined);
  }

  #send(subject: string, payload: Payload, reply: string | undefined): number {
    if (this.#closed) throw new BusClosedError();
    checkSubject(subject);
    const data = joinPayload(payload);
    if (data.length > this.maxPayload) {
      throw new RangeError(
        `Cannot publish ${data.length} bytes: max payload is ${this.maxPayload}`,
      );
    }
    const targets: Sub[] = [];
    const groups = new Map<string, Sub[]>();
    for (const s of this.#subs) {
      if (!subjectMatches(s.pattern, subject)) continue;
      if (s.queue === undefined) targets.push(s);
      else {
        const key = `${s.queue} ${s.pattern}`;
        const g = groups.get(key);
        if (g) g.push(s);
        else groups.set(key, [s]);
      }
    }
    for (const [key, members] of groups) {
      const turn = this.#turn.get(key) ?? 0;
      this.#turn.set(key, turn + 1);
      targets.push(members[turn % members.length]!);
    }
    for (const s of targets) {
      const message: BusMessage = {
        subject,
        data,
        ...(reply === undefined ? {} : { reply }),
        respond: (d: Uint8Array) => {
          if (reply === undefined || this.#closed) return false;
          this.#send(reply, d, undefined);
          return true;
        },
      };
      queueMicrotask(() => {
        if (s.active) runHandler(s.handler, message, this.#onError);
      });
    }
    return targets.length;
  }

  request(subject: string, data: Payload, options: RequestOptions = {}): Promise<Uint8Array> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    if (this.#closed) return Promise.reject(new BusClosedError());
    const inbox = `_INBOX.${++this.#inbox}`;
    return new Promise<Uint8Array>((resolve, reject) => {
      const finish = (err: Error | null, reply?: Uint8Array) => {
        clearTimeout(timer);
        sub.unsubscribe();
        this.#pending.delete(finish);
        if (err) reject(err);
        else resolve(reply!);
      };
      const sub = this.subscribe(inbox, (m) => finish(null, m.data));
      this.#pending.add(finish);
      const timer = setTimeout(
        () => finish(new RequestTimeoutError(subject, timeoutMs)),
        timeoutMs,
      );
      try {
        if (this.#send(subject, data, inbox) === 0) finish(new NoRespondersError(subject));
      } catch (err) {
        finish(err as Error);
      }
    });
  }

  subscribe(subject: string, handler: BusHandler, options: SubscribeOptions = {}): Subscription {
    if (this.#closed) throw new BusClosedError();
    checkSubject(subject, true);
    const sub: Sub = { pattern: subject, queue: options.queue, handler, active: true };
    this.#subs.add(sub);
    return {
      subject,
      unsubscribe: () => {
        sub.active = false;
        this.#subs.delete(sub);
      },
    };
  }

  flush(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, 0));
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    for (const finish of [...this.#pending]) finish(new BusClosedError());
    this.#closed = true;
    for (const s of this.#subs) s.active = false;
    this.#subs.clear();
    return Promise.resolve();
  }
}
