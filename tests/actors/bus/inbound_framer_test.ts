import assert from "node:assert/strict";
import {
  InboundFramer,
  LARGE_PAYLOAD_BYTES,
  messageSize,
} from "../../../actors/bus/inbound_framer.ts";

const te = new TextEncoder();

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Where `needle` starts in `hay`, or -1. */
function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let k = 0; k < needle.length; k++) if (hay[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}

/** Feeds `stream` in reads of `step` bytes through a framer; returns the pieces. */
async function frame(stream: Uint8Array, step: number): Promise<Uint8Array[]> {
  const framer = new InboundFramer();
  let at = 0;
  const read = (into: Uint8Array) => {
    if (at >= stream.length) return Promise.resolve(null);
    const n = Math.min(step, into.length, stream.length - at);
    into.set(stream.subarray(at, at + n));
    at += n;
    return Promise.resolve(n);
  };
  const pieces: Uint8Array[] = [];
  const buf = new Uint8Array(step);
  while (true) {
    const n = await read(buf);
    if (n === null) break;
    for await (const p of framer.pieces(buf.slice(0, n), read)) pieces.push(p);
  }
  return pieces;
}

Deno.test("messageSize() reads the payload size of MSG and HMSG lines only", () => {
  const line = (s: string) => te.encode(s);
  const a = line("MSG a.b 1 _INBOX.x 1234\r\n");
  assert.equal(messageSize(a, 0, a.length - 1), 1234);
  const h = line("HMSG a 1 12 40\r\n");
  assert.equal(messageSize(h, 0, h.length - 1), 40);
  const p = line("PING\r\n");
  assert.equal(messageSize(p, 0, p.length - 1), -1);
});

Deno.test("InboundFramer passes the stream through unchanged and keeps big payloads whole and aligned", async () => {
  const big = new Uint8Array(LARGE_PAYLOAD_BYTES * 3).map((_, i) => i % 251);
  const stream = concat([
    te.encode("PING\r\nMSG s.small 1 3\r\nabc\r\n"),
    te.encode(`MSG s.big 1 _INBOX.r ${big.length}\r\n`),
    big,
    te.encode("\r\n+OK\r\nMSG s.small 1 2\r\nxy\r\n"),
  ]);
  for (const step of [7, 1000, 50_000, stream.length]) {
    const pieces = await frame(stream, step);
    assert.deepEqual(concat(pieces), stream, `stream changed with reads of ${step}`);
    const line = te.encode("MSG s.big ");
    const whole = pieces.find((p) => p.length >= big.length && indexOf(p, line) >= 0);
    assert.ok(whole, `big message split with reads of ${step}`);
    const body = whole.indexOf(0x0a, indexOf(whole, line)) + 1;
    assert.deepEqual(whole.subarray(body, body + big.length), big);
    assert.equal((whole.byteOffset + body) % 8, 0, "payload is not 8-byte aligned");
  }
});
