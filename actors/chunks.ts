/**
 * Splitting named tensors into chunks that fit a bus's max payload, and putting them back
 * together. Slices are views (no copy); the assembler copies each slice once into the full
 * tensor, or keeps it as is when one part covers the whole tensor.
 *
 * @module
 */
import type { ChunkInfo, TensorPart, WireTensor } from "./protocol.ts";

/** Header bytes budgeted per part besides its data and name. @default 96 */
export const PART_OVERHEAD_BYTES = 96;

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function sliceOf(t: WireTensor, start: number, end: number): WireTensor {
  return { dtype: t.dtype, shape: [end - start], data: t.data.subarray(start, end) };
}

/**
 * Splits `tensors` into chunks of at most `maxBytes` (data plus `PART_OVERHEAD_BYTES` and the
 * name per part). Leave room for the message's own fields when choosing `maxBytes`.
 *
 * @example
 * ```ts
 * import { splitTensors } from "./chunks.ts";
 * const data = new Float32Array(1000);
 * const chunks = splitTensors({ w: { dtype: "float32", shape: [1000], data } }, 1200);
 * console.assert(chunks.length === 4 && chunks[0]![0]!.offset === 0);
 * ```
 */
export function splitTensors(
  tensors: Readonly<Record<string, WireTensor>>,
  maxBytes: number,
): TensorPart[][] {
  const chunks: TensorPart[][] = [];
  let current: TensorPart[] = [];
  let room = maxBytes;
  for (const [name, t] of Object.entries(tensors)) {
    const overhead = PART_OVERHEAD_BYTES + name.length;
    const per = t.data.BYTES_PER_ELEMENT;
    if (maxBytes < overhead + per) {
      throw new RangeError(`Cannot split tensor "${name}" into chunks of ${maxBytes} bytes`);
    }
    const n = size(t.shape);
    let start = 0;
    do {
      if (room < overhead + per) {
        chunks.push(current);
        current = [];
        room = maxBytes;
      }
      const end = Math.min(n, start + Math.floor((room - overhead) / per));
      current.push({ name, shape: t.shape, offset: start, slice: sliceOf(t, start, end) });
      room -= overhead + (end - start) * per;
      start = end;
    } while (start < n);
  }
  if (current.length > 0 || chunks.length === 0) chunks.push(current);
  return chunks;
}

interface Pending {
  dtype: WireTensor["dtype"];
  shape: readonly number[];
  data: WireTensor["data"] | null;
  filled: number;
}

/** Collects the chunks of one transfer and rebuilds the named tensors. */
export class TensorAssembler {
  #pending = new Map<string, Pending>();
  #seen = new Set<number>();
  #count = -1;

  /**
   * Adds one chunk; returns whether all chunks of the transfer have arrived. Throws a
   * `RangeError` for a duplicate chunk, a changed chunk count, or parts that do not fit.
   */
  add(chunk: Pick<ChunkInfo, "index" | "count">, parts: readonly TensorPart[]): boolean {
    if (this.#count === -1) this.#count = chunk.count;
    if (chunk.count !== this.#count || chunk.index >= chunk.count || this.#seen.has(chunk.index)) {
      throw new RangeError(
        `Cannot add chunk ${chunk.index}/${chunk.count}: expected a new index below ${this.#count}`,
      );
    }
    this.#seen.add(chunk.index);
    for (const p of parts) this.#addPart(p);
    return this.isComplete();
  }

  #addPart(p: TensorPart): void {
    const n = size(p.shape);
    let entry = this.#pending.get(p.name);
    if (!entry) {
      entry = { dtype: p.slice.dtype, shape: p.shape, data: null, filled: 0 };
      this.#pending.set(p.name, entry);
    }
    const len = p.slice.data.length;
    if (
      entry.dtype !== p.slice.dtype || size(entry.shape) !== n || p.offset + len > n ||
      entry.filled + len > n
    ) {
      throw new RangeError(`Cannot add part of "${p.name}" at ${p.offset}: it does not fit`);
    }
    if (len === n && entry.data === null) {
      entry.data = p.slice.data;
    } else {
      if (entry.data === null) {
        const Ctor = p.slice.data.constructor as Float32ArrayConstructor;
        entry.data = new Ctor(n) as WireTensor["data"];
      }
      (entry.data as Float32Array).set(p.slice.data as Float32Array, p.offset);
    }
    entry.filled += len;
  }

  /** Whether every chunk arrived and every tensor is filled. */
  isComplete(): boolean {
    if (this.#seen.size !== this.#count) return false;
    for (const e of this.#pending.values()) if (e.filled !== size(e.shape)) return false;
    return true;
  }

  /** The rebuilt tensors; throws a `RangeError` before the transfer is complete. */
  tensors(): Record<string, WireTensor> {
    if (!this.isComplete()) throw new RangeError("Cannot read tensors of an incomplete transfer");
    const out: Record<string, WireTensor> = {};
    for (const [name, e] of this.#pending) {
      out[name] = { dtype: e.dtype, shape: e.shape, data: e.data! };
    }
    return out;
  }
}
