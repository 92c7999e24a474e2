/**
 * Checksums of the export: CRC-32 (IEEE 802.3, as zlib / PNG) per stored tensor segment,
 * SHA-256 (Web Crypto) per file.
 *
 * @module
 */

let table: Uint32Array | undefined;

function crcTable(): Uint32Array {
  if (table) return table;
  table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/**
 * CRC-32 of `bytes` (polynomial 0xEDB88320, the zlib / PNG checksum), unsigned.
 *
 * @example
 * ```ts
 * import { crc32 } from "./checksum.ts";
 * console.assert(crc32(new TextEncoder().encode("123456789")) === 0xcbf43926);
 * ```
 */
export function crc32(bytes: Uint8Array): number {
  const t = crcTable();
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * SHA-256 of `bytes` as lower-case hex.
 *
 * @example
 * ```ts
 * import { sha256Hex } from "./checksum.ts";
 * const h = await sha256Hex(new Uint8Array());
 * console.assert(h.startsWith("e3b0c442"));
 * ```
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
