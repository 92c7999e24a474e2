/**
 * A pure parser for the IDX file format (the format of MNIST and Fashion-MNIST), working on
 * bytes so it is testable without the disk. Gzipped input (magic `1f 8b`) is inflated first.
 *
 * Layout: two zero bytes, a dtype code, the number of dimensions `d`, then `d` big-endian
 * uint32 sizes, then the values in big-endian, row-major.
 *
 * @module
 */
import { gunzipAll, gunzipPrefix, isGzip } from "./gzip.ts";

/** A parsed IDX array: its dimensions and the values in row-major order (native endianness). */
export interface IdxArray {
  /** Sizes of each dimension, outermost first (`dims[0]` is cut to `limit` when one is given). */
  readonly dims: readonly number[];
  /** The values; a `Uint8Array` view on the input for dtype `0x08` (no copy). */
  readonly data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
  /** The dims declared in the file header, present only when `limit` cut `dims[0]`. */
  readonly fileDims?: readonly number[];
}

/** Options of {@linkcode parseIdx}. */
export interface ParseIdxOptions {
  /**
   * Keep only the first `limit` entries along the first dimension. Bytes after them are
   * neither decoded nor checked, and gzip input is inflated only as far as needed.
   * @default all
   */
  limit?: number;
}

/** The bytes are not a well-formed IDX file; the message names the file and the problem. */
export class IdxFormatError extends Error {
  /** The file (or other source) the bytes came from. */
  readonly source: string;
  /** @param source file name; @param detail what is wrong */
  constructor(source: string, detail: string, options?: ErrorOptions) {
    super(`Invalid IDX file ${source}: ${detail}`, options);
    this.name = "IdxFormatError";
    this.source = source;
  }
}

interface DtypeInfo {
  readonly name: string;
  readonly bytes: number;
}

/** IDX dtype codes (third byte of the magic number). */
const DTYPES: ReadonlyMap<number, DtypeInfo> = new Map([
  [0x08, { name: "ubyte", bytes: 1 }],
  [0x09, { name: "byte", bytes: 1 }],
  [0x0b, { name: "short", bytes: 2 }],
  [0x0c, { name: "int", bytes: 4 }],
  [0x0d, { name: "float", bytes: 4 }],
  [0x0e, { name: "double", bytes: 8 }],
]);

function hex(b: number): string {
  return "0x" + b.toString(16).padStart(2, "0");
}

/** Largest IDX header: magic plus 255 uint32 dims. */
const MAX_HEADER_BYTES = 4 + 4 * 255;

/**
 * Parses IDX bytes (plain or gzipped). Throws {@linkcode IdxFormatError} naming `source` on a
 * bad magic number, an unknown dtype code, a truncated header or payload (with expected and
 * actual byte counts), trailing bytes, or a corrupt gzip stream.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseIdx } from "./idx.ts";
 * const bytes = Uint8Array.of(0, 0, 0x08, 1, 0, 0, 0, 3, 7, 8, 9);
 * const arr = parseIdx(bytes, "labels.idx");
 * assert.ok(arr.dims[0] === 3 && arr.data[2] === 9);
 * assert.ok(parseIdx(bytes, "labels.idx", { limit: 2 }).data.length === 2);
 * ```
 */
export function parseIdx(bytes: Uint8Array, source: string, opts: ParseIdxOptions = {}): IdxArray {
  const { limit } = opts;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw new RangeError(
      `Cannot parse IDX ${source}: limit must be a non-negative integer, got ${limit}`,
    );
  }
  if (!isGzip(bytes)) return parseRaw(bytes, source, limit);
  try {
    if (limit !== undefined) {
      const head = readHeader(gunzipPrefix(bytes, MAX_HEADER_BYTES), source);
      if (limit < (head.dims[0] ?? 1)) {
        const needed = head.headerBytes + limit * head.recordBytes;
        return parseRaw(gunzipPrefix(bytes, needed), source, limit);
      }
    }
    return parseRaw(gunzipAll(bytes), source, undefined);
  } catch (cause) {
    if (cause instanceof IdxFormatError) throw cause;
    throw new IdxFormatError(source, `corrupt gzip stream (${(cause as Error).message})`, {
      cause,
    });
  }
}

interface Header {
  readonly code: number;
  readonly dtype: DtypeInfo;
  readonly dims: readonly number[];
  readonly headerBytes: number;
  /** Bytes per entry of the first dimension. */
  readonly recordBytes: number;
}

function readHeader(bytes: Uint8Array, source: string): Header {
  if (bytes.length < 4) {
    throw new IdxFormatError(
      source,
      `truncated header (expected at least 4 bytes, got ${bytes.length})`,
    );
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new IdxFormatError(
      source,
      `bad magic number: first two bytes are ${hex(bytes[0]!)} ${
        hex(bytes[1]!)
      }, expected 0x00 0x00`,
    );
  }
  const code = bytes[2]!;
  const dtype = DTYPES.get(code);
  if (dtype === undefined) {
    throw new IdxFormatError(
      source,
      `unknown dtype code ${hex(code)} (expected one of 0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e)`,
    );
  }
  const ndims = bytes[3]!;
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new IdxFormatError(
      source,
      `truncated header (expected ${headerBytes} bytes for ${ndims} dims, got ${bytes.length})`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const recordBytes = dims.slice(1).reduce((a, d) => a * d, dtype.bytes);
  if (!Number.isSafeInteger(recordBytes * (dims[0] ?? 1))) {
    throw new IdxFormatError(source, `dims [${dims.join(", ")}] are too large`);
  }
  return { code, dtype, dims, headerBytes, recordBytes };
}

function parseRaw(bytes: Uint8Array, source: string, limit: number | undefined): IdxArray {
  const { code, dtype, dims, headerBytes, recordBytes } = readHeader(bytes, source);
  const declared = dims.length === 0 ? 1 : dims[0]!;
  const kept = limit === undefined ? declared : Math.min(limit, declared);
  const cut = kept < declared;
  const outDims = cut ? [kept, ...dims.slice(1)] : dims;
  const expected = headerBytes + kept * recordBytes;
  const shape = `[${outDims.join(", ")}] of ${dtype.name}`;
  if (bytes.length < expected) {
    throw new IdxFormatError(
      source,
      `truncated (expected ${expected} bytes for dims ${shape}, got ${bytes.length})`,
    );
  }
  if (!cut && bytes.length > expected) {
    throw new IdxFormatError(
      source,
      `${bytes.length - expected} trailing bytes ` +
        `(expected ${expected} bytes for dims ${shape}, got ${bytes.length})`,
    );
  }
  const count = (kept * recordBytes) / dtype.bytes;
  const data = decode(code, bytes, headerBytes, count);
  return cut ? { dims: outDims, data, fileDims: dims } : { dims, data };
}

function decode(code: number, bytes: Uint8Array, offset: number, count: number): IdxArray["data"] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (code) {
    case 0x08:
      return bytes.subarray(offset, offset + count);
    case 0x09:
      return new Int8Array(bytes.buffer, bytes.byteOffset + offset, count);
    case 0x0b: {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(offset + 2 * i, false);
      return out;
    }
    case 0x0c: {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(offset + 4 * i, false);
      return out;
    }
    case 0x0d: {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i, false);
      return out;
    }
    default: {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(offset + 8 * i, false);
      return out;
    }
  }
}
