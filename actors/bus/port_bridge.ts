/**
 * The main-thread end of a `PortBus`: mirrors the worker's subscriptions onto the main bus
 * (one main-bus subscription per worker subscription, so a queue group spanning threads
 * still hands each message to one member), forwards the worker's publishes and requests,
 * and delivers messages back over the port.
 *
 * Payloads going to the worker are copied once and the copy is transferred (the main bus
 * shares one payload among its subscribers, so it must not be detached); payloads coming
 * from the worker are owned by the bridge and go onto the main bus without a copy.
 *
 * When the bridge closes (the worker closed its bus, or ended), its subscriptions go, and
 * every request the worker received through a queue group but never answered is given
 * back: sent again to the group, with the answer forwarded to the original requester.
 *
 * @module
 */
import { type Bus, BusClosedError, NoRespondersError, type Subscription } from "./bus.ts";
import {
  type BridgeMessage,
  checkPortMessage,
  failureOf,
  type MessagePortLike,
  outgoing,
  PORT_BUS_VERSION,
  type PortBusMessage,
  unknownPortMessage,
} from "./port_protocol.ts";

/** How long a given-back request waits for its new answer. @default 3_600_000 */
export const DEFAULT_REDELIVER_TIMEOUT_MS = 3_600_000;

/** Options of {@linkcode bridgePort}. */
export interface PortBridgeOptions {
  /** Told about malformed port messages and failed forwards. @default a line on stderr */
  readonly onError?: (error: Error) => void;
  /** @default DEFAULT_REDELIVER_TIMEOUT_MS */
  readonly redeliverTimeoutMs?: number;
}

/** A running bridge. */
export interface PortBridge {
  /** Resolves once the bridge has closed (by `close()` or the port bus closing). */
  readonly closed: Promise<void>;
  /** Drops the worker's subscriptions, gives back its unanswered queue requests; idempotent. */
  close(): void;
}

interface Unanswered {
  readonly subject: string;
  readonly data: Uint8Array;
}

/**
 * Bridges the `PortBus` at the other end of `port` onto `bus`.
 *
 * @example
 * ```ts ignore
 * const { port1, port2 } = new MessageChannel();
 * const bridge = bridgePort(mainBus, port1);
 * worker.postMessage({ port: port2 }, [port2]); // the worker runs new PortBus(port2)
 * ```
 */
export function bridgePort(
  bus: Bus,
  port: MessagePortLike,
  options: PortBridgeOptions = {},
): PortBridge {
  const onError = options.onError ?? ((e: Error) => console.error(`port bridge: ${e.message}`));
  const redeliverMs = options.redeliverTimeoutMs ?? DEFAULT_REDELIVER_TIMEOUT_MS;
  const subs = new Map<number, Subscription>();
  /** Requests delivered through a queue group and not answered yet, by reply subject. */
  const unanswered = new Map<string, Unanswered>();
  let closed = false;
  let markClosed: () => void = () => {};
  const closedPromise = new Promise<void>((r) => (markClosed = r));

  const post = (m: BridgeMessage, transfer: Transferable[] = []) => {
    if (!closed) port.postMessage(m, transfer);
  };
  const guard = (what: string, f: () => void) => {
    try {
      f();
    } catch (e) {
      if (!(e instanceof BusClosedError)) {
        onError(new Error(`cannot ${what}: ${(e as Error).message}`, { cause: e }));
      }
    }
  };

  const subscribe = (sid: number, subject: string, queue: string | undefined) => {
    const sub = bus.subscribe(subject, (msg) => {
      if (closed) return;
      if (queue !== undefined && msg.reply !== undefined) {
        unanswered.set(msg.reply, { subject: msg.subject, data: msg.data });
      }
      const [data, transfer] = outgoing(msg.data, false);
      const reply = msg.reply;
      post({
        v: PORT_BUS_VERSION,
        type: "msg",
        sid,
        subject: msg.subject,
        data,
        ...(reply === undefined ? {} : { reply }),
      }, transfer);
    }, queue === undefined ? {} : { queue });
    subs.set(sid, sub);
  };

  const request = (rid: number, subject: string, data: Uint8Array, timeoutMs: number) => {
    bus.request(subject, data, { timeoutMs }).then(
      (reply) => {
        const [copy, transfer] = outgoing(reply, false);
        post({ v: PORT_BUS_VERSION, type: "reply", rid, data: copy }, transfer);
      },
      (e: Error) => {
        const reason = failureOf(e);
        post({ v: PORT_BUS_VERSION, type: "reply-error", rid, reason, message: e.message });
      },
    );
  };

  const receive = (raw: unknown) => {
    if (closed) return;
    let m: PortBusMessage;
    try {
      checkPortMessage(raw, "port bridge");
      m = raw as PortBusMessage;
    } catch (e) {
      return onError(e as Error);
    }
    switch (m.type) {
      case "sub":
        return guard(`subscribe to "${m.subject}"`, () => subscribe(m.sid, m.subject, m.queue));
      case "unsub":
        subs.get(m.sid)?.unsubscribe();
        subs.delete(m.sid);
        return;
      case "pub":
        unanswered.delete(m.subject);
        return guard(`publish on "${m.subject}"`, () => bus.publish(m.subject, m.data));
      case "req":
        return request(m.rid, m.subject, m.data, m.timeoutMs);
      case "flush":
        bus.flush().then(() => post({ v: PORT_BUS_VERSION, type: "flushed", fid: m.fid }));
        return;
      case "close":
        return close();
      default:
        return onError(unknownPortMessage(m, "port bridge"));
    }
  };

  const giveBack = (reply: string, { subject, data }: Unanswered) => {
    bus.request(subject, data, { timeoutMs: redeliverMs }).then(
      (answer) => guard(`forward a reply to "${reply}"`, () => bus.publish(reply, answer)),
      (e: Error) => {
        // Nobody left to take it (shutting down): the requester's own timeout decides.
        if (e instanceof NoRespondersError || e instanceof BusClosedError) return;
        onError(new Error(`cannot give back a request on "${subject}": ${e.message}`));
      },
    );
  };

  const close = () => {
    if (closed) return;
    closed = true;
    port.onmessage = null;
    port.close?.();
    for (const s of subs.values()) s.unsubscribe();
    subs.clear();
    for (const [reply, u] of unanswered) giveBack(reply, u);
    unanswered.clear();
    markClosed();
  };

  port.onmessage = (e) => receive(e.data);
  return { closed: closedPromise, close };
}
