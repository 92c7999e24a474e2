/**
 * A Deno-native TCP transport for the nats.js v3 core client (`@nats-io/nats-core`).
 *
 * The npm `@nats-io/transport-node` transport runs on Deno's `node:net` compatibility layer,
 * which costs several copies and event-loop hops per read; this one reads straight from a
 * `Deno.TcpConn` into a large buffer, at most `READ_CHUNK_BYTES` at a time, and hands what it
 * read to the client's parser without copying, through a plain async iterator
 * (`chunk_reader.ts`, one promise hop per piece). A large message cut by a read is completed in
 * an aligned buffer of its own (see `inbound_framer.ts`): the little that came with its header
 * is copied there and the rest is read straight into it. Writes: large frames go out as they
 * are, runs of small ones joined into one write (`sendMany` takes a whole flush at once).
 * Plain TCP only: TLS connections go through the node transport (see `connectNatsBus`).
 *
 * @module
 */
import { checkOptions, deferred, extractProtocolMessage, INFO } from "@nats-io/nats-core/internal";
import { ChunkReader } from "./chunk_reader.ts";
import type {
  ConnectionOptions,
  Deferred,
  Server,
  ServerInfo,
  Transport,
} from "@nats-io/nats-core/internal";

/** Size of each read buffer; reads fill it from the front until little room is left. @default 1 MiB */
export const READ_BUFFER_BYTES = 1 << 20;
/**
 * Most bytes one read takes into the read buffer. Small, so that the part of a large message
 * that comes with its header (and is copied into the message's own buffer) stays small: the
 * rest of the message is read straight into that buffer. @default 64 KiB
 */
export const READ_CHUNK_BYTES = 64 << 10;
/** Size of the buffer that receives the server's INFO. @default 64 KiB */
export const INFO_BUFFER_BYTES = 64 << 10;

/** Plain-TCP `Transport` for nats-core on `Deno.connect`. */
export class DenoTcpTransport implements Transport {
  /** Client language reported to the server. */
  readonly lang = "nats.deno-tailor";
  /** Transport version reported to the server. */
  readonly version = "1.0.0";
  /** The error the transport closed with, if any. */
  closeError?: Error;
  #conn: Deno.TcpConn | null = null;
  #first: Uint8Array | null = null;
  #done = false;
  #queue: Uint8Array[] = [];
  #writing: Promise<void> | null = null;
  #closed: Deferred<void | Error> = deferred();

  /** Whether the transport has closed. */
  get isClosed(): boolean {
    return this.#done;
  }

  /** Connects, reads the server's INFO and checks it against the options. */
  async connect(server: Server, options: ConnectionOptions): Promise<void> {
    if (options.tls) {
      throw new TypeError("DenoTcpTransport cannot open TLS connections: use the node transport");
    }
    const conn = await Deno.connect({ hostname: server.hostname, port: server.port });
    this.#conn = conn;
    try {
      conn.setNoDelay(true);
      const info = await this.#peekInfo(conn);
      checkOptions(info, options);
      if (info.tls_required) {
        throw new Error("the server requires TLS: pass tls options to use the TLS transport");
      }
    } catch (err) {
      this.#done = true;
      try {
        conn.close();
      } catch { /* already closed */ }
      throw err;
    }
  }

  async #peekInfo(conn: Deno.TcpConn): Promise<ServerInfo> {
    const buf = new Uint8Array(INFO_BUFFER_BYTES);
    let filled = 0;
    while (true) {
      const n = await conn.read(buf.subarray(filled));
      if (n === null) throw new Error("socket closed while expecting INFO");
      filled += n;
      const pm = extractProtocolMessage(buf.subarray(0, filled));
      if (pm !== "") {
        this.#first = buf.slice(0, filled);
        const m = INFO.exec(pm);
        if (!m || m[1] === undefined) throw new Error("unexpected first message from server");
        return JSON.parse(m[1]) as ServerInfo;
      }
      if (filled === buf.length) throw new Error("server INFO larger than the read buffer");
    }
  }

  /**
   * The chunks read from the socket, cut for the parser (see `chunk_reader.ts`); each stays
   * valid (buffers are never reused). Call once per connection.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    const first = this.#first;
    this.#first = null;
    return new ChunkReader((into) => this.#conn!.read(into), {
      first,
      bufferBytes: READ_BUFFER_BYTES,
      chunkBytes: READ_CHUNK_BYTES,
      isOpen: () => !this.#done && this.#conn !== null,
      onEnd: (reason) => void this.#close(reason, true),
    });
  }

  /** Queues `frame` for writing; frames queued while a write is in flight are batched. */
  send(frame: Uint8Array): void {
    this.sendMany([frame]);
  }

  /**
   * Queues `frames` in order. The first write starts at once (the socket takes the bytes
   * before this returns when it has room); frames queued while a write is in flight go out
   * together after it, small ones joined into one write.
   */
  sendMany(frames: readonly Uint8Array[]): void {
    if (this.#done) return;
    for (const f of frames) if (f.length > 0) this.#queue.push(f);
    if (!this.#writing && this.#queue.length > 0) this.#writing = this.#drain();
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0 && this.#conn) {
        const frames = this.#queue;
        this.#queue = [];
        for (const data of coalesce(frames)) {
          let off = 0;
          while (off < data.length) off += await this.#conn.write(data.subarray(off));
        }
      }
    } catch (err) {
      this.closeError ??= err instanceof Error ? err : new Error(String(err));
    } finally {
      this.#writing = null;
    }
  }

  /** TLS is never used by this transport. */
  isEncrypted(): boolean {
    return false;
  }

  /** Closes the socket after flushing queued frames. */
  close(err?: Error): Promise<void> {
    return this.#close(err, false);
  }

  /** Drops the connection (the client will reconnect). */
  disconnect(): void {
    void this.#close(undefined, true);
  }

  async #close(err: Error | undefined, internal: boolean): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    this.closeError = err;
    if (!err && this.#writing) await this.#writing.catch(() => {});
    try {
      this.#conn?.close();
    } catch { /* already closed */ }
    if (internal) this.#closed.resolve(err);
  }

  /** Resolves when the transport closed by itself (with the error, if any). */
  closed(): Promise<void | Error> {
    return this.#closed;
  }

  /** Nothing to discard: the transport does not throttle. */
  discard(): void {}
}

/** Frames at least this large are written as they are, never copied. @default 64 KiB */
export const DIRECT_WRITE_BYTES = 64 << 10;

/** Joins runs of small frames into one buffer; large frames pass through uncopied. */
function coalesce(frames: Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let run: Uint8Array[] = [];
  let runBytes = 0;
  const close = () => {
    if (run.length === 1) out.push(run[0]!);
    else if (run.length > 1) {
      const joined = new Uint8Array(runBytes);
      let off = 0;
      for (const f of run) {
        joined.set(f, off);
        off += f.length;
      }
      out.push(joined);
    }
    run = [];
    runBytes = 0;
  };
  for (const f of frames) {
    if (f.length >= DIRECT_WRITE_BYTES) {
      close();
      out.push(f);
    } else {
      run.push(f);
      runBytes += f.length;
    }
  }
  close();
  return out;
}
