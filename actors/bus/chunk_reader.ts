/**
 * The read side of the Deno transport as a plain async iterator: each `next()` hands the
 * parser one piece cut by `InboundFramer`, reading from the socket only when no piece is
 * left. Written out instead of an `async *` generator because a generator costs an extra
 * promise hop per piece (every `yield` awaits the value) on the latency path of every
 * message.
 *
 * Reads fill one large buffer from the front, at most `chunkBytes` at a time, and the
 * pieces handed out are views into it: a buffer is never reused, so every piece stays valid.
 *
 * @module
 */
import { complete, InboundFramer, type Incomplete, type ReadFn } from "./inbound_framer.ts";

/** Options of `ChunkReader`. */
export interface ChunkReaderOptions {
  /** Bytes handed out first, before any read (e.g. what came with the server's INFO). */
  readonly first?: Uint8Array | null;
  /** Size of each read buffer. */
  readonly bufferBytes: number;
  /** Most bytes one read takes. */
  readonly chunkBytes: number;
  /** Whether to keep reading (false once the transport closed). */
  readonly isOpen: () => boolean;
  /** Called once when the stream ends: with the read error, if any. */
  readonly onEnd: (reason: Error | undefined) => void;
}

const DONE: IteratorReturnResult<undefined> = { value: undefined, done: true };

/**
 * Async iterator over the pieces of a socket's byte stream.
 *
 * @example
 * ```ts
 * import { ChunkReader } from "./chunk_reader.ts";
 * const data = [new TextEncoder().encode("PING\r\n")];
 * const reader = new ChunkReader(async (into) => {
 *   const next = data.shift();
 *   if (!next) return null;
 *   into.set(next);
 *   return next.length;
 * }, { bufferBytes: 1024, chunkBytes: 256, isOpen: () => true, onEnd: () => {} });
 * const first = await reader.next();
 * console.assert(!first.done && first.value.length === 6);
 * console.assert((await reader.next()).done);
 * ```
 */
export class ChunkReader implements AsyncIterableIterator<Uint8Array> {
  #read: ReadFn;
  #o: ChunkReaderOptions;
  #framer = new InboundFramer();
  #buf: Uint8Array;
  #pieces: Uint8Array[] = [];
  #at = 0;
  #incomplete: Incomplete | null = null;
  #ended = false;

  constructor(read: ReadFn, options: ChunkReaderOptions) {
    this.#read = read;
    this.#o = options;
    this.#buf = new Uint8Array(options.bufferBytes);
    if (options.first) this.#pieces.push(options.first);
  }

  /** The reader itself (it is read once, by one `for await`). */
  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    return this;
  }

  /** The next piece for the parser; done once the socket ended or failed. */
  async next(): Promise<IteratorResult<Uint8Array>> {
    try {
      while (true) {
        if (this.#at < this.#pieces.length) {
          return { value: this.#pieces[this.#at++]!, done: false };
        }
        if (this.#ended) return DONE;
        if (this.#incomplete) {
          const m = this.#incomplete;
          this.#incomplete = null;
          const whole = await complete(m, this.#read);
          if (whole === null) return this.#end(undefined);
          return { value: whole, done: false };
        }
        if (!this.#o.isOpen()) return this.#end(undefined);
        if (this.#buf.length < this.#o.chunkBytes) {
          this.#buf = new Uint8Array(this.#o.bufferBytes);
        }
        const n = await this.#read(this.#buf.subarray(0, this.#o.chunkBytes));
        if (n === null) return this.#end(undefined);
        if (n === 0) continue;
        const chunk = this.#buf.subarray(0, n);
        this.#buf = this.#buf.subarray(n);
        const { pieces, incomplete } = this.#framer.split(chunk);
        this.#pieces = pieces;
        this.#at = 0;
        this.#incomplete = incomplete;
      }
    } catch (err) {
      return this.#end(err instanceof Error ? err : new Error(String(err)));
    }
  }

  #end(reason: Error | undefined): IteratorReturnResult<undefined> {
    if (!this.#ended) {
      this.#ended = true;
      this.#pieces = [];
      this.#at = 0;
      this.#o.onEnd(reason);
    }
    return DONE;
  }
}
