import assert from "node:assert/strict";
import type { NatsConnection } from "@nats-io/nats-core/internal";
import { DataBuffer } from "@nats-io/nats-core/internal";
import {
  JOIN_COMMAND_BYTES,
  joinCommand,
  LARGE_FLUSH_BYTES,
  publishParts,
  tuneOutbound,
} from "../../../actors/bus/nats_core_tuning.ts";

const te = new TextEncoder();
const td = new TextDecoder();

/** A stand-in for nats-core's protocol handler, with its packing flush and deferred send. */
function fakeConnection(withSendMany: boolean) {
  const writes: Uint8Array[][] = [];
  const transport = {
    send(frame: Uint8Array) {
      writes.push([frame]);
    },
    ...(withSendMany ? { sendMany: (frames: Uint8Array[]) => void writes.push([...frames]) } : {}),
  };
  const protocol = {
    infoReceived: true,
    connected: true,
    outbound: new DataBuffer(),
    transport,
    flushPending(this: { outbound: DataBuffer; transport: typeof transport }) {
      if (this.outbound.size()) this.transport.send(this.outbound.drain());
    },
    sendCommand(this: { outbound: DataBuffer }, cmd: string | Uint8Array, ...p: Uint8Array[]) {
      this.outbound.fill(typeof cmd === "string" ? te.encode(cmd) : cmd, ...p);
    },
  };
  return { nc: { protocol } as unknown as NatsConnection, protocol, writes };
}

const tick = () => new Promise<void>((r) => queueMicrotask(r));

Deno.test("tuneOutbound() hands queued buffers to sendMany as they are, in one call per flush", async () => {
  const { nc, protocol, writes } = fakeConnection(true);
  assert.equal(tuneOutbound(nc), true);
  const payload = new Uint8Array(JOIN_COMMAND_BYTES);
  protocol.sendCommand(`PUB a ${payload.length}\r\n`, payload, te.encode("\r\n"));
  protocol.sendCommand(`PUB b ${payload.length}\r\n`, payload, te.encode("\r\n"));
  assert.equal(writes.length, 0, "a small command must wait for the microtask flush");
  await tick();
  assert.equal(writes.length, 1);
  assert.equal(writes[0]!.length, 6);
  assert.equal(writes[0]![1], payload, "payload was copied");
  assert.equal(td.decode(writes[0]![3]!), `PUB b ${payload.length}\r\n`);
});

Deno.test("tuneOutbound() queues a small command with its payloads as one buffer", async () => {
  const { nc, protocol, writes } = fakeConnection(true);
  tuneOutbound(nc);
  protocol.sendCommand("PUB a 3\r\n", new Uint8Array([1, 2, 3]), te.encode("\r\n"));
  protocol.sendCommand("PUB b 0\r\n", new Uint8Array(0), te.encode("\r\n"));
  await tick();
  assert.equal(writes.length, 1);
  assert.deepEqual(writes[0]!.map((f) => td.decode(f)), [
    "PUB a 3\r\n\x01\x02\x03\r\n",
    "PUB b 0\r\n\r\n",
  ]);
});

Deno.test("joinCommand() declines commands over JOIN_COMMAND_BYTES and non-ASCII lines", () => {
  const crlf = te.encode("\r\n");
  assert.deepEqual(joinCommand("SUB x 1\r\n", []), te.encode("SUB x 1\r\n"));
  assert.equal(joinCommand("PUB a 1\r\n", [new Uint8Array(JOIN_COMMAND_BYTES), crlf]), null);
  assert.equal(joinCommand("PUB \u00e9t\u00e9 1\r\n", [new Uint8Array(1), crlf]), null);
});

Deno.test("tuneOutbound() flushes a command inline once the queue reaches LARGE_FLUSH_BYTES", async () => {
  const { nc, protocol, writes } = fakeConnection(true);
  tuneOutbound(nc);
  protocol.sendCommand("PUB s 1\r\n", new Uint8Array([7]), te.encode("\r\n"));
  const big = new Uint8Array(LARGE_FLUSH_BYTES);
  protocol.sendCommand(`PUB s ${big.length}\r\n`, big, te.encode("\r\n"));
  assert.equal(writes.length, 1, "the large command was not flushed inline");
  assert.equal(writes[0]!.length, 4, "the queued small command must go out first");
  assert.equal(td.decode(writes[0]![0]!), "PUB s 1\r\n\x07\r\n");
  assert.equal(writes[0]![2], big);
  await tick();
  assert.equal(writes.length, 1, "the deferred flush must find nothing left to send");
});

Deno.test("tuneOutbound() keeps the packing flush for a transport without sendMany", async () => {
  const { nc, protocol, writes } = fakeConnection(false);
  tuneOutbound(nc);
  protocol.sendCommand("PUB a 2\r\n", new Uint8Array([1, 2]), te.encode("\r\n"));
  await tick();
  assert.equal(writes.length, 1);
  assert.equal(td.decode(writes[0]![0]!), "PUB a 2\r\n\x01\x02\r\n");
});

Deno.test("tuneOutbound() holds data while disconnected and leaves unknown clients alone", async () => {
  const { nc, protocol, writes } = fakeConnection(true);
  tuneOutbound(nc);
  protocol.connected = false;
  protocol.sendCommand("PUB a 1\r\n", new Uint8Array([1]), te.encode("\r\n"));
  await tick();
  assert.equal(writes.length, 0);
  protocol.connected = true;
  protocol.flushPending();
  assert.equal(writes.length, 1);
  assert.equal(tuneOutbound({} as NatsConnection), false);
});

Deno.test("publishParts() queues the PUB line, each part uncopied and CRLF; declines what it cannot send", async () => {
  const { nc, protocol, writes } = fakeConnection(true);
  tuneOutbound(nc);
  const checked: string[] = [];
  Object.assign(nc, { _check: (subject: string) => void checked.push(subject) });
  Object.assign(protocol, { info: { max_payload: 1 << 20 }, outBytes: 0, outMsgs: 0 });
  const big = new Uint8Array(LARGE_FLUSH_BYTES);
  const head = te.encode("head");
  assert.equal(publishParts(nc, "g.push", [head, big], "_INBOX.1"), true);
  // Large enough to be flushed inline: no microtask needed.
  assert.equal(writes.length, 1);
  const frames = writes[0]!;
  assert.equal(td.decode(frames[0]!), `PUB g.push _INBOX.1 ${4 + big.length}\r\n`);
  assert.equal(frames[1], head);
  assert.equal(frames[2], big, "a part was copied");
  assert.equal(td.decode(frames[3]!), "\r\n");
  assert.deepEqual(checked, ["g.push", "_INBOX.1"]);
  const p = protocol as unknown as { outBytes: number; outMsgs: number };
  assert.deepEqual([p.outBytes, p.outMsgs], [4 + big.length, 1]);
  // Over the server's max payload: nothing is queued, the caller falls back.
  assert.equal(publishParts(nc, "g.push", [new Uint8Array((1 << 20) + 1)]), false);
  // A client without the expected internals is not touched.
  assert.equal(publishParts({} as NatsConnection, "g.push", [head]), false);
  await tick();
  assert.equal(writes.length, 1);
});
