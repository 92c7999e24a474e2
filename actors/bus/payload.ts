/**
 * What a bus message carries: one buffer, or its parts in order. Parts let a large frame (a
 * header and tensor views, `encodeParts` in `codec.ts`) reach the socket without first being
 * copied into one buffer; buses that cannot send parts as they are join them.
 *
 * @module
 */

/**
 * A message payload: bytes, or the parts of the bytes in order.
 *
 * @example
 * ```ts
 * import { joinPayload, type Payload } from "./payload.ts";
 * const whole: Payload = new Uint8Array([1, 2, 3]);
 * const parts: Payload = [new Uint8Array([1]), new Uint8Array([2, 3])];
 * console.assert(joinPayload(parts).join() === joinPayload(whole).join());
 * ```
 */
export type Payload = Uint8Array | readonly Uint8Array[];

/** Total bytes of `payload`. */
export function payloadBytes(payload: Payload): number {
  if (payload instanceof Uint8Array) return payload.length;
  let n = 0;
  for (const p of payload) n += p.length;
  return n;
}

/** Whether `x` is an array of byte buffers (the parts form of a payload). */
export function isParts(x: unknown): x is readonly Uint8Array[] {
  return Array.isArray(x) && x.every((p) => p instanceof Uint8Array);
}

/** Throws a `TypeError` naming what `x` is when it is not a {@linkcode Payload}. */
export function checkPayload(x: unknown): asserts x is Payload {
  if (x instanceof Uint8Array || isParts(x)) return;
  const what = Array.isArray(x) ? "an array holding something else" : typeof x;
  throw new TypeError(`Cannot publish ${what}: use a Uint8Array or an array of them`);
}

/**
 * `payload` as one buffer (a single part is returned as it is). Throws a `TypeError` naming
 * what was given when it is neither a `Uint8Array` nor an array of them.
 *
 * @example
 * ```ts
 * import { joinPayload } from "./payload.ts";
 * const joined = joinPayload([new Uint8Array([1, 2]), new Uint8Array([3])]);
 * console.assert(joined.length === 3 && joined[2] === 3);
 * ```
 */
export function joinPayload(payload: Payload): Uint8Array {
  checkPayload(payload);
  if (payload instanceof Uint8Array) return payload;
  if (payload.length === 1) return payload[0]!;
  const out = new Uint8Array(payloadBytes(payload));
  let at = 0;
  for (const p of payload) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
