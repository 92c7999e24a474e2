/**
 * A `Bus` inside a Web Worker: every call goes over a `MessagePort` to a bridge on the main
 * thread (`port_bridge.ts`), which mirrors the subscriptions onto the main bus. So actors in
 * a Web Worker take part in the main thread's subjects and queue groups as if they ran there.
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
  type RequestOptions,
  RequestTimeoutError,
  runHandler,
  type SubscribeOptions,
  type Subscription,
} from "./bus.ts";
import { DEFAULT_IN_PROCESS_MAX_PAYLOAD } from "./in_process.ts";
import {
  type BridgeMessage,
  checkPortMessage,
  errorOf,
  type MessagePortLike,
  outgoing,
  PORT_BUS_VERSION,
  type PortBusMessage,
  unknownPortMessage,
} from "./port_protocol.ts";
import { checkSubject } from "./subject.ts";
import { joinPayload, type Payload } from "./payload.ts";

/** Options of `PortBus`. */
export interface PortBusOptions {
  /** Largest payload accepted (use the main bus's). @default DEFAULT_IN_PROCESS_MAX_PAYLOAD */
  readonly maxPayload?: number;
  /** Called when a handler throws. @default logHandlerError */
  readonly onHandlerError?: HandlerErrorListener;
  /** Told about malformed port messages (which are dropped). @default a line on stderr */
  readonly onProtocolError?: (error: Error) => void;
  /**
   * Move sent payloads to the main thread instead of copying them: a payload spanning its
   * whole buffer is transferred and the caller's array is empty afterwards. Turn on only when
   * callers never read a payload after sending it (true of `encode()`d messages).
   * @default false
   */
  readonly transfer?: boolean;
}

interface Sub {
  readonly handler: BusHandler;
  readonly subject: string;
}

interface PendingRequest {
  readonly subject: string;
  readonly timeoutMs: number;
  settle(err: Error | null, data?: Uint8Array): void;
}

/**
 * A `Bus` over a `MessagePort` whose other end is `bridgePort(mainBus, port)`.
 *
 * @example
 * ```ts
 * import { InProcessBus } from "./in_process.ts";
 * import { bridgePort } from "./port_bridge.ts";
 * import { PortBus } from "./port_bus.ts";
 * const main = new InProcessBus();
 * const { port1, port2 } = new MessageChannel();
 * const bridge = bridgePort(main, port1);
 * const bus = new PortBus(port2); // in a Web Worker, port2 arrives in a message
 * bus.subscribe("echo", (m) => void m.respond(m.data));
 * await bus.flush();
 * console.assert((await main.request("echo", new Uint8Array([7])))[0] === 7);
 * await bus.close();
 * await bridge.closed;
 * await main.close();
 * ```
 */
export class PortBus implements Bus {
  /** Largest payload one message may carry. */
  readonly maxPayload: number;
  #port: MessagePortLike;
  #move: boolean;
  #onError: HandlerErrorListener;
  #onProtocolError: (error: Error) => void;
  #subs = new Map<number, Sub>();
  #requests = new Map<number, PendingRequest>();
  #flushes = new Map<number, () => void>();
  #seq = 0;
  #closed = false;

  constructor(port: MessagePortLike, options: PortBusOptions = {}) {
    this.maxPayload = options.maxPayload ?? DEFAULT_IN_PROCESS_MAX_PAYLOAD;
    this.#port = port;
    this.#move = options.transfer ?? false;
    this.#onError = options.onHandlerError ?? logHandlerError;
    this.#onProtocolError = options.onProtocolError ??
      ((e) => console.error(`port bus: ${e.message}`));
    port.onmessage = (e) => this.#receive(e.data);
  }

  #post(m: PortBusMessage, transfer: Transferable[] = []): void {
    this.#port.postMessage(m, transfer);
  }

  /** `payload` joined, once subject and size are checked. */
  #checkPayload(subject: string, payload: Payload): Uint8Array {
    if (this.#closed) throw new BusClosedError();
    checkSubject(subject);
    const data = joinPayload(payload);
    if (data.length > this.maxPayload) {
      throw new RangeError(
        `Cannot publish ${data.length} bytes: max payload is ${this.maxPayload}`,
      );
    }
    return data;
  }

  publish(subject: string, data: Payload): void {
    const [bytes, transfer] = outgoing(this.#checkPayload(subject, data), this.#move);
    this.#post({ v: PORT_BUS_VERSION, type: "pub", subject, data: bytes }, transfer);
  }

  request(subject: string, payload: Payload, options: RequestOptions = {}): Promise<Uint8Array> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    let data: Uint8Array;
    try {
      data = this.#checkPayload(subject, payload);
    } catch (e) {
      return Promise.reject(e);
    }
    const rid = ++this.#seq;
    return new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(
        () => settle(new RequestTimeoutError(subject, timeoutMs)),
        timeoutMs,
      );
      const settle = (err: Error | null, reply?: Uint8Array) => {
        clearTimeout(timer);
        this.#requests.delete(rid);
        if (err) reject(err);
        else resolve(reply!);
      };
      this.#requests.set(rid, { subject, timeoutMs, settle });
      const [payload, transfer] = outgoing(data, this.#move);
      this.#post(
        { v: PORT_BUS_VERSION, type: "req", rid, subject, data: payload, timeoutMs },
        transfer,
      );
    });
  }

  subscribe(subject: string, handler: BusHandler, options: SubscribeOptions = {}): Subscription {
    if (this.#closed) throw new BusClosedError();
    checkSubject(subject, true);
    const sid = ++this.#seq;
    this.#subs.set(sid, { handler, subject });
    const queue = options.queue;
    this.#post({ v: PORT_BUS_VERSION, type: "sub", sid, subject, ...(queue ? { queue } : {}) });
    return {
      subject,
      unsubscribe: () => {
        if (!this.#subs.delete(sid) || this.#closed) return;
        this.#post({ v: PORT_BUS_VERSION, type: "unsub", sid });
      },
    };
  }

  /** Resolves once the bridge has applied everything sent so far and flushed the main bus. */
  flush(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const fid = ++this.#seq;
    return new Promise((resolve) => {
      this.#flushes.set(fid, resolve);
      this.#post({ v: PORT_BUS_VERSION, type: "flush", fid });
    });
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    for (const r of [...this.#requests.values()]) r.settle(new BusClosedError());
    for (const f of this.#flushes.values()) f();
    this.#flushes.clear();
    this.#subs.clear();
    this.#post({ v: PORT_BUS_VERSION, type: "close" });
    this.#port.onmessage = null;
    this.#port.close?.();
    return Promise.resolve();
  }

  #receive(raw: unknown): void {
    if (this.#closed) return;
    let m: BridgeMessage;
    try {
      checkPortMessage(raw, "port bus");
      m = raw as BridgeMessage;
    } catch (e) {
      return this.#onProtocolError(e as Error);
    }
    switch (m.type) {
      case "msg": {
        const sub = this.#subs.get(m.sid);
        if (sub === undefined) return; // unsubscribed while the message was on its way
        const reply = m.reply;
        const message: BusMessage = {
          subject: m.subject,
          data: m.data,
          ...(reply === undefined ? {} : { reply }),
          respond: (d: Uint8Array) => {
            if (reply === undefined || this.#closed) return false;
            this.publish(reply, d);
            return true;
          },
        };
        return runHandler(sub.handler, message, this.#onError);
      }
      case "reply":
        return this.#requests.get(m.rid)?.settle(null, m.data);
      case "reply-error": {
        const r = this.#requests.get(m.rid);
        return r?.settle(errorOf(m.reason, { ...r, message: m.message }));
      }
      case "flushed": {
        const f = this.#flushes.get(m.fid);
        this.#flushes.delete(m.fid);
        return f?.();
      }
      default:
        return this.#onProtocolError(unknownPortMessage(m, "port bus"));
    }
  }
}
