/**
 * Cuts the inbound NATS byte stream so that a large message reaches the client's parser
 * whole, with its payload at an 8-byte aligned address: a message cut by a socket read is
 * completed in a buffer of its own, a misaligned one inside a read is moved into one. The rest of the payload is read straight into that buffer, so the parser
 * does not have to grow and copy a buffer for it, and the codec can view float32 tensors in
 * it without copying. Everything else passes through unchanged; a protocol line cut by a
 * read is held back until complete.
 *
 * @module
 */

/** Payloads at least this large take the aligned path. @default 16 KiB */
export const LARGE_PAYLOAD_BYTES = 16 << 10;

/** Reads into `into`; the number of bytes read, or null at end of stream. */
export type ReadFn = (into: Uint8Array) => Promise<number | null>;

const LF = 0x0a;
const CR = 0x0d;

/** The payload size (without CRLF) of a `MSG`/`HMSG` line in `c[start, lf)`, else -1. */
export function messageSize(c: Uint8Array, start: number, lf: number): number {
  const isMsg = c[start] === 0x4d && c[start + 1] === 0x53 && c[start + 2] === 0x47 &&
    c[start + 3] === 0x20; // "MSG "
  const isHmsg = c[start] === 0x48 && c[start + 1] === 0x4d && c[start + 2] === 0x53 &&
    c[start + 3] === 0x47 && c[start + 4] === 0x20; // "HMSG "
  if (!isMsg && !isHmsg) return -1;
  let end = lf;
  if (c[end - 1] === CR) end--;
  let i = end;
  while (i > start && c[i - 1]! >= 0x30 && c[i - 1]! <= 0x39) i--;
  if (i === end) return -1;
  let n = 0;
  for (let k = i; k < end; k++) n = n * 10 + (c[k]! - 0x30);
  return n;
}

/**
 * A large message cut by a read: `buffer` is its own buffer, holding `filled` bytes so far;
 * read the rest into `buffer.subarray(filled)`, then hand `buffer.subarray(start)` to the
 * parser.
 */
export interface Incomplete {
  readonly buffer: Uint8Array;
  readonly start: number;
  readonly filled: number;
}

/** The result of `InboundFramer.split`. */
export interface Split {
  /** Pieces to hand to the parser, in order. */
  readonly pieces: Uint8Array[];
  /** A large message to complete with reads before anything else is parsed. */
  readonly incomplete: Incomplete | null;
}

/** Stateful splitter of the inbound stream (one per connection). */
export class InboundFramer {
  #skip = 0;
  #pending: Uint8Array | null = null;

  /**
   * Splits `chunk` into pieces for the parser, synchronously. When a large message is cut by
   * the read, the result says how to complete it; the caller reads the rest into its buffer
   * and hands it over whole (see `pieces` for the whole loop).
   */
  split(chunk: Uint8Array): Split {
    let c = chunk;
    if (this.#pending) {
      const joined = new Uint8Array(this.#pending.length + chunk.length);
      joined.set(this.#pending);
      joined.set(chunk, this.#pending.length);
      this.#pending = null;
      c = joined;
    }
    const pieces: Uint8Array[] = [];
    let pos = 0;
    let seg = 0;
    while (pos < c.length) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, c.length - pos);
        pos += n;
        this.#skip -= n;
        continue;
      }
      const lf = c.indexOf(LF, pos);
      if (lf < 0) {
        this.#pending = c.slice(pos);
        break;
      }
      const size = messageSize(c, pos, lf);
      const body = lf + 1;
      const need = size + 2;
      const whole = c.length - body >= need;
      if (size >= LARGE_PAYLOAD_BYTES && (!whole || (c.byteOffset + body) % 8 !== 0)) {
        if (pos > seg) pieces.push(c.subarray(seg, pos));
        const lineLength = body - pos;
        const pad = (8 - (lineLength % 8)) % 8;
        const buffer = new Uint8Array(pad + lineLength + need);
        if (whole) {
          // Misaligned within the read: one copy here instead of one in the decoder.
          buffer.set(c.subarray(pos, body + need), pad);
          pieces.push(buffer.subarray(pad));
          pos = seg = body + need;
          continue;
        }
        buffer.set(c.subarray(pos), pad);
        return { pieces, incomplete: { buffer, start: pad, filled: pad + c.length - pos } };
      }
      if (size >= 0) this.#skip = need;
      pos = body;
    }
    const end = this.#pending ? c.length - this.#pending.length : c.length;
    if (end > seg) pieces.push(c.subarray(seg, end));
    return { pieces, incomplete: null };
  }

  /**
   * Yields the pieces of `chunk` to hand to the parser, in order; may call `read` to complete
   * a large message. Yields nothing more once `read` reports the end of the stream.
   */
  async *pieces(chunk: Uint8Array, read: ReadFn): AsyncGenerator<Uint8Array> {
    const { pieces, incomplete } = this.split(chunk);
    yield* pieces;
    if (incomplete) {
      const whole = await complete(incomplete, read);
      if (whole) yield whole;
    }
  }
}

/** Reads the rest of `m` into its buffer; the whole message, or null at end of stream. */
export async function complete(m: Incomplete, read: ReadFn): Promise<Uint8Array | null> {
  let filled = m.filled;
  while (filled < m.buffer.length) {
    const n = await read(m.buffer.subarray(filled));
    if (n === null) return null;
    filled += n;
  }
  return m.buffer.subarray(m.start);
}
