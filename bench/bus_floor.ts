/**
 * The floor of a small request/reply through nats-server on this machine: two raw Deno TCP
 * sockets speaking the bare NATS text protocol (no client library, no codec), one
 * answering `subject` with a fixed payload, the other sending a request and waiting for
 * the whole reply. What a round trip costs in the kernel, the event loop and the server
 * alone: the `request-reply-small` case reports it beside ours and the stock client's, the
 * push cases beside theirs (as one message, or in the same chunks).
 *
 * @module
 */

import { summarize } from "./stats.ts";

const te = new TextEncoder();
const CRLF = 0x0a;

/** A minimal NATS protocol reader over one socket: yields `MSG` frames, answers `PING`. */
class RawConn {
  #buf = new Uint8Array(1 << 16);
  #len = 0;
  constructor(readonly conn: Deno.TcpConn) {}

  static async open(hostname: string, port: number): Promise<RawConn> {
    const conn = await Deno.connect({ hostname, port });
    conn.setNoDelay(true);
    const c = new RawConn(conn);
    await c.line(); // INFO
    await c.write(
      'CONNECT {"verbose":false,"pedantic":false,"protocol":1,"headers":false}\r\nPING\r\n',
    );
    while ((await c.line()) !== "PONG") { /* +OK or other lines */ }
    return c;
  }

  /** Writes all of `s` (a socket write may take only part of a large buffer). */
  async write(s: string | Uint8Array): Promise<void> {
    const bytes = typeof s === "string" ? te.encode(s) : s;
    for (let off = 0; off < bytes.length;) off += await this.conn.write(bytes.subarray(off));
  }

  async #fill(): Promise<void> {
    if (this.#len === this.#buf.length) {
      const bigger = new Uint8Array(this.#buf.length * 2);
      bigger.set(this.#buf);
      this.#buf = bigger;
    }
    const n = await this.conn.read(this.#buf.subarray(this.#len));
    if (n === null) throw new Error("raw NATS socket closed");
    this.#len += n;
  }

  #take(n: number): Uint8Array {
    const out = this.#buf.slice(0, n);
    this.#buf.copyWithin(0, n, this.#len);
    this.#len -= n;
    return out;
  }

  /** The next protocol line, without its CRLF. */
  async line(): Promise<string> {
    while (true) {
      const end = this.#buf.subarray(0, this.#len).indexOf(CRLF);
      if (end >= 0) return new TextDecoder().decode(this.#take(end + 1)).trimEnd();
      await this.#fill();
    }
  }

  /** The next `MSG`: its reply subject and payload (PINGs on the way are answered). */
  async msg(): Promise<{ reply: string; payload: Uint8Array }> {
    while (true) {
      const l = await this.line();
      if (l === "PING") {
        await this.write("PONG\r\n");
        continue;
      }
      if (!l.startsWith("MSG ")) continue;
      const parts = l.split(" ");
      const size = Number(parts.at(-1));
      const reply = parts.length === 5 ? parts[3]! : "";
      while (this.#len < size + 2) await this.#fill();
      const payload = this.#take(size + 2).subarray(0, size);
      return { reply, payload };
    }
  }
}

/** A raw round trip (`roundTrip`) and its teardown. */
export interface RawFloor {
  readonly roundTrip: () => Promise<unknown>;
  readonly close: () => void;
}

/** `PUB subject [reply] n`, the payload and CRLF as one frame. */
function pubFrame(subject: string, reply: string, payload: Uint8Array): Uint8Array {
  const head = te.encode(`PUB ${subject} ${reply ? `${reply} ` : ""}${payload.length}\r\n`);
  const frame = new Uint8Array(head.length + payload.length + 2);
  frame.set(head);
  frame.set(payload, head.length);
  frame.set([0x0d, 0x0a], head.length + payload.length);
  return frame;
}

/** `host` and `port` of a `nats://host:port` URL (port 4222 when none is given). */
export function hostPort(url: string): [string, string] {
  const u = new URL(url.replace(/^nats:/, "http:"));
  return [u.hostname, u.port || "4222"];
}

/**
 * Opens the two raw sockets on the server at `url` (`nats://host:port`, no credentials);
 * each round trip sends `payload` on `subject` and waits for a reply of `replyBytes` bytes.
 * Several payloads (the chunks of one transfer) go out back to back as messages of their
 * own, only the last asking for the reply.
 */
export async function openRawFloor(
  url: string,
  subject: string,
  payload: Uint8Array | readonly Uint8Array[],
  replyBytes: number,
): Promise<RawFloor> {
  const payloads = payload instanceof Uint8Array ? [payload] : payload;
  if (payloads.length === 0) throw new RangeError("Cannot open a raw floor without a payload");
  const [host, portText] = hostPort(url);
  const port = Number(portText);
  const responder = await RawConn.open(host, port);
  const requester = await RawConn.open(host, port).catch((err) => {
    responder.conn.close();
    throw err;
  });
  const inbox = `_RAW.${crypto.randomUUID().slice(0, 8)}`;
  await responder.write(`SUB ${subject} 1\r\nPING\r\n`);
  await requester.write(`SUB ${inbox} 1\r\nPING\r\n`);
  while ((await responder.line()) !== "PONG") { /* wait for the SUB to be registered */ }
  while ((await requester.line()) !== "PONG") { /* idem */ }
  const reply = new Uint8Array(replyBytes);
  let open = true;
  (async () => {
    while (open) {
      const m = await responder.msg();
      if (m.reply) await responder.write(pubFrame(m.reply, "", reply));
    }
  })().catch(() => {});
  const frames = payloads.map((p, i) =>
    pubFrame(subject, i === payloads.length - 1 ? inbox : "", p)
  );
  return {
    roundTrip: async () => {
      for (const f of frames) await requester.write(f);
      return (await requester.msg()).payload;
    },
    close: () => {
      open = false;
      for (const c of [responder, requester]) {
        try {
          c.conn.close();
        } catch { /* already closed */ }
      }
    },
  };
}

/**
 * The floor's figures as recorded beside a case: `rawFloorMedian<unit>`, `rawFloorMin<unit>`
 * (in the case's unit, `Us` or `Ms`) and `rawFloorSamples`.
 */
export function rawFloorFields(
  samples: readonly number[],
  unit: "Us" | "Ms",
): Record<string, number> {
  const s = summarize(samples);
  return {
    [`rawFloorMedian${unit}`]: s.median,
    [`rawFloorMin${unit}`]: s.min,
    rawFloorSamples: s.n,
  };
}
