import assert from "node:assert/strict";
import { ChunkReader, type ChunkReaderOptions } from "../../../actors/bus/chunk_reader.ts";
import { LARGE_PAYLOAD_BYTES, type ReadFn } from "../../../actors/bus/inbound_framer.ts";

const te = new TextEncoder();
const td = new TextDecoder();

/** A read function serving `stream` in reads of at most `step` bytes, then end of stream. */
function reads(stream: Uint8Array, step: number): ReadFn {
  let at = 0;
  return (into) => {
    if (at >= stream.length) return Promise.resolve(null);
    const n = Math.min(step, into.length, stream.length - at);
    into.set(stream.subarray(at, at + n));
    at += n;
    return Promise.resolve(n);
  };
}

function options(ends: (Error | undefined)[], more: Partial<ChunkReaderOptions> = {}) {
  return {
    bufferBytes: 1 << 16,
    chunkBytes: 1 << 10,
    isOpen: () => true,
    onEnd: (reason: Error | undefined) => void ends.push(reason),
    ...more,
  };
}

async function drain(reader: ChunkReader): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const p of reader) out.push(p);
  return out;
}

Deno.test("ChunkReader hands out the first bytes, then the stream, and ends once", async () => {
  const ends: (Error | undefined)[] = [];
  const stream = te.encode("PING\r\nMSG a 1 3\r\nabc\r\nPONG\r\n");
  const reader = new ChunkReader(
    reads(stream, 7),
    options(ends, { first: te.encode("INFO {}\r\n") }),
  );
  const pieces = await drain(reader);
  assert.equal(td.decode(pieces[0]), "INFO {}\r\n");
  assert.equal(pieces.slice(1).map((p) => td.decode(p)).join(""), td.decode(stream));
  assert.deepEqual(ends, [undefined]);
  assert.equal((await reader.next()).done, true);
  assert.equal(ends.length, 1, "onEnd must be called once");
});

Deno.test("ChunkReader completes a large message cut by a read into one aligned piece", async () => {
  const size = LARGE_PAYLOAD_BYTES * 2;
  const payload = Uint8Array.from({ length: size }, (_, i) => i % 251);
  const line = te.encode(`MSG big 1 ${size}\r\n`);
  const stream = new Uint8Array(line.length + size + 2 + 6);
  stream.set(line);
  stream.set(payload, line.length);
  stream.set(te.encode("\r\nPING\r\n"), line.length + size);
  const ends: (Error | undefined)[] = [];
  const pieces = await drain(new ChunkReader(reads(stream, 1000), options(ends)));
  const whole = pieces.find((p) => p.length >= size);
  assert.ok(whole, "the large message was not handed out whole");
  assert.equal((whole.byteOffset + line.length) % 8, 0, "payload is not 8-byte aligned");
  assert.deepEqual(whole.subarray(line.length, line.length + size), payload);
  assert.equal(pieces.map((p) => p.length).reduce((a, b) => a + b, 0), stream.length);
  assert.deepEqual(ends, [undefined]);
});

Deno.test("ChunkReader ends with the read error and stops once the transport closed", async () => {
  const ends: (Error | undefined)[] = [];
  const boom = new Error("connection reset");
  const failing = new ChunkReader(() => Promise.reject(boom), options(ends));
  assert.deepEqual(await drain(failing), []);
  assert.deepEqual(ends, [boom]);

  let open = true;
  let calls = 0;
  const closing = new ChunkReader((into) => {
    calls++;
    open = false;
    into.set(te.encode("PING\r\n"));
    return Promise.resolve(6);
  }, options(ends, { isOpen: () => open }));
  assert.deepEqual((await drain(closing)).map((p) => td.decode(p)), ["PING\r\n"]);
  assert.equal(calls, 1, "read again after the transport closed");
  assert.deepEqual(ends, [boom, undefined]);
});
