/**
 * Gzip inflation for the IDX reader: whole streams, or just a prefix when only the first
 * records of a large file are wanted (so `limit` makes loading cheap).
 *
 * @module
 */
import { constants, gunzipSync } from "node:zlib";

/** True when `bytes` starts with the gzip magic `1f 8b`. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Inflates a whole gzip stream. Throws zlib's error on corrupt or truncated input. */
export function gunzipAll(bytes: Uint8Array): Uint8Array {
  return gunzipSync(bytes);
}

/**
 * Inflates at least the first `minBytes` bytes of a gzip stream (or all of it when it is
 * shorter), decompressing only a prefix of the input when that suffices. The result may be
 * a prefix of the stream, so callers must not check for trailing bytes in it.
 */
export function gunzipPrefix(bytes: Uint8Array, minBytes: number): Uint8Array {
  // Deflate never shrinks data by more than its block overhead (5 bytes per 64 KiB stored
  // block) plus the gzip header, so this much input always inflates to >= minBytes.
  const take = minBytes + Math.ceil(minBytes / 64) + 4096;
  if (take >= bytes.length) return gunzipAll(bytes);
  const out = gunzipSync(bytes.subarray(0, take), { finishFlush: constants.Z_SYNC_FLUSH });
  return out.length >= minBytes ? out : gunzipAll(bytes); // long gzip header: inflate all
}
