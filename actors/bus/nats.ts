/**
 * The `Bus` on a NATS server, through the nats.js v3 core client. Plain TCP connections use
 * Tailor's Deno-native transport (`deno_transport.ts`); connections with TLS options use the
 * npm node transport, which supports every TLS option. Credentials (user/password, token,
 * NKey seed, creds file) are handed to the client and never logged or kept on the bus.
 *
 * nats.js keeps one transport factory per process; every connect sets it, so reconnects of
 * earlier connections use the transport of the latest connect.
 *
 * The hot path is trimmed for latency (see `nats_core_tuning.ts`): a small command is encoded
 * into one buffer with its payload, large payloads reach the Deno transport uncopied and are
 * written at once, and requests share one inbox subscription and one timeout timer
 * (`request_mux.ts`) instead of the client's per-request machinery; `request` hands back the
 * multiplexer's promise itself. Everything else, JetStream and KV included, is nats.js as is.
 *
 * @module
 */
import { connect as connectNode } from "@nats-io/transport-node";
import {
  type Authenticator,
  ClosedConnectionError as NatsClosedError,
  type ConnectionOptions,
  createInbox,
  credsAuthenticator,
  type Msg,
  type NatsConnection,
  NatsConnectionImpl,
  nkeyAuthenticator,
  setTransportFactory,
  type TlsOptions,
  tokenAuthenticator,
  usernamePasswordAuthenticator,
} from "@nats-io/nats-core/internal";
import {
  type Bus,
  BusClosedError,
  BusError,
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
import { DenoTcpTransport } from "./deno_transport.ts";
import { publishParts, tuneOutbound } from "./nats_core_tuning.ts";
import { checkPayload, isParts, joinPayload, type Payload } from "./payload.ts";
import { type RequestEnd, RequestEndedError, RequestMux } from "./request_mux.ts";

/** NATS's default max payload, used until the server says otherwise. @default 1 MiB */
export const DEFAULT_NATS_MAX_PAYLOAD = 1 << 20;

/** How to reach and authenticate with the NATS server. */
export interface NatsBusOptions {
  /** Server URL(s), e.g. `nats://127.0.0.1:4222`. */
  readonly servers: string | readonly string[];
  /** Connection name shown by the server. */
  readonly name?: string;
  readonly user?: string;
  readonly pass?: string;
  readonly token?: string;
  /** NKey seed (`SU...`). */
  readonly nkeySeed?: string;
  /** Path of a `.creds` file (JWT + NKey seed). */
  readonly credsFile?: string;
  /** TLS options, passed to the client as is. */
  readonly tls?: TlsOptions;
  /** Reconnect attempts per server, -1 for unlimited. @default -1 */
  readonly maxReconnectAttempts?: number;
  /** Wait between reconnect attempts, ms. @default 250 */
  readonly reconnectTimeWaitMs?: number;
  /** Called when a handler throws. @default logHandlerError */
  readonly onHandlerError?: HandlerErrorListener;
}

async function authenticators(o: NatsBusOptions): Promise<Authenticator[]> {
  const out: Authenticator[] = [];
  if (o.user !== undefined) out.push(usernamePasswordAuthenticator(o.user, o.pass));
  if (o.token !== undefined) out.push(tokenAuthenticator(o.token));
  if (o.nkeySeed !== undefined) out.push(nkeyAuthenticator(new TextEncoder().encode(o.nkeySeed)));
  if (o.credsFile !== undefined) out.push(credsAuthenticator(await Deno.readFile(o.credsFile)));
  return out;
}

/**
 * Connects to NATS and returns the bus. Connection errors are rethrown as `BusError` with
 * the client's error as `cause` (their messages carry no credentials).
 *
 * @example
 * ```ts ignore
 * import { connectNatsBus } from "./nats.ts";
 * const bus = await connectNatsBus({ servers: "nats://127.0.0.1:4222" });
 * bus.publish("tailor.hello", new TextEncoder().encode("hi"));
 * await bus.close();
 * ```
 */
export async function connectNatsBus(options: NatsBusOptions): Promise<NatsBus> {
  const auth = await authenticators(options);
  const opts: ConnectionOptions = {
    servers: typeof options.servers === "string" ? options.servers : [...options.servers],
    maxReconnectAttempts: options.maxReconnectAttempts ?? -1,
    reconnectTimeWait: options.reconnectTimeWaitMs ?? 250,
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(auth.length === 0 ? {} : { authenticator: auth }),
    ...(options.tls === undefined ? {} : { tls: options.tls }),
  };
  let nc: NatsConnection;
  try {
    if (options.tls !== undefined) nc = await connectNode(opts);
    else {
      setTransportFactory({ factory: () => new DenoTcpTransport() });
      nc = await NatsConnectionImpl.connect(opts);
      tuneOutbound(nc);
    }
  } catch (err) {
    throw new BusError(`Cannot connect to NATS at ${String(opts.servers)}`, { cause: err });
  }
  return new NatsBus(nc, options.onHandlerError ?? logHandlerError);
}

/** The bus error a pending request ends with (the mux's reason as its cause). */
function busErrorFor(reason: RequestEnd, subject: string, timeoutMs: number): Error {
  const cause = new RequestEndedError(reason, subject);
  if (reason === "no-responders") return new NoRespondersError(subject, { cause });
  if (reason === "timeout") return new RequestTimeoutError(subject, timeoutMs, { cause });
  return new BusClosedError({ cause });
}

function causedBy(err: unknown, kind: abstract new (...args: never[]) => Error): boolean {
  let e: unknown = err;
  for (let i = 0; e instanceof Error && i < 5; i++) {
    if (e instanceof kind) return true;
    e = (e as Error).cause;
  }
  return false;
}

/** A `Bus` over a NATS connection; `connection` is there for JetStream and KV. */
export class NatsBus implements Bus {
  /** The underlying connection (for `@nats-io/jetstream` and `@nats-io/kv`). */
  readonly connection: NatsConnection;
  #onError: HandlerErrorListener;
  #closed = false;
  #mux: RequestMux | null = null;

  /** Wraps an open connection; prefer `connectNatsBus`. */
  constructor(connection: NatsConnection, onHandlerError: HandlerErrorListener = logHandlerError) {
    this.connection = connection;
    this.#onError = onHandlerError;
  }

  /** The server's max payload. */
  get maxPayload(): number {
    return this.connection.info?.max_payload ?? DEFAULT_NATS_MAX_PAYLOAD;
  }

  publish(subject: string, data: Payload): void {
    if (this.#closed) throw new BusClosedError();
    this.#send(subject, data, "");
  }

  /** Sends parts as they are where the client allows it (`publishParts`), else joined. */
  #send(subject: string, data: Payload, reply: string): void {
    if (!isParts(data) || !publishParts(this.connection, subject, data, reply)) {
      this.connection.publish(subject, joinPayload(data), reply ? { reply } : undefined);
    }
  }

  /** The request multiplexer, with its inbox subscribed on first use. */
  #requests(): RequestMux {
    if (this.#mux) return this.#mux;
    const mux = new RequestMux(createInbox(), { errorFor: busErrorFor });
    this.connection.subscribe(`${mux.inbox}.*`, {
      callback: (err: Error | null, m: Msg) => {
        if (err) return;
        const noResponders = m.data.length === 0 && m.headers?.code === 503;
        mux.deliver(m.subject, m.data, noResponders);
      },
    });
    void this.connection.closed().then(() => mux.closeAll());
    this.#mux = mux;
    return mux;
  }

  /**
   * Not an `async` method: the promise of the request multiplexer, which already rejects
   * with the bus's errors, is handed to the caller as it is (no extra promise hops).
   */
  request(
    subject: string,
    data: Payload,
    options: RequestOptions = {},
  ): Promise<Uint8Array> {
    if (this.#closed) return Promise.reject(new BusClosedError());
    const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    let mux: RequestMux;
    try {
      checkPayload(data);
    } catch (err) {
      return Promise.reject(err);
    }
    try {
      mux = this.#requests();
    } catch (err) {
      return Promise.reject(new BusClosedError({ cause: err }));
    }
    const { reply, promise } = mux.start(subject, timeoutMs);
    try {
      this.#send(subject, data, reply);
    } catch (err) {
      return this.#publishFailed(mux, reply, promise, subject, err);
    }
    return promise;
  }

  async #publishFailed(
    mux: RequestMux,
    reply: string,
    promise: Promise<Uint8Array>,
    subject: string,
    err: unknown,
  ): Promise<never> {
    mux.cancel(reply, "closed");
    await promise.catch(() => {});
    if (this.#closed || causedBy(err, NatsClosedError)) {
      throw new BusClosedError({ cause: err });
    }
    throw new BusError(`Request on "${subject}" failed`, { cause: err });
  }

  subscribe(subject: string, handler: BusHandler, options: SubscribeOptions = {}): Subscription {
    if (this.#closed) throw new BusClosedError();
    const sub = this.connection.subscribe(subject, {
      ...(options.queue === undefined ? {} : { queue: options.queue }),
      callback: (err: Error | null, m: Msg) => {
        if (err) return this.#onError(subject, err);
        const message: { -readonly [K in keyof BusMessage]: BusMessage[K] } = {
          subject: m.subject,
          data: m.data,
          respond: (d: Uint8Array) => !this.#closed && m.respond(d),
        };
        if (m.reply) message.reply = m.reply;
        runHandler(handler, message, this.#onError);
      },
    });
    return {
      subject,
      unsubscribe: () => {
        if (!sub.isClosed() && !this.#closed) sub.unsubscribe();
      },
    };
  }

  async flush(): Promise<void> {
    if (this.#closed) throw new BusClosedError();
    await this.connection.flush();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#mux?.closeAll();
    await this.connection.close();
  }
}
