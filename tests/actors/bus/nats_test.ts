import assert from "node:assert/strict";
import { BusError } from "../../../actors/bus/bus.ts";
import { connectNatsBus } from "../../../actors/bus/nats.ts";
import { freePort, startNatsServer } from "../../../actors/nats_server.ts";
import { conformanceCases } from "./conformance.ts";

Deno.test("NatsBus passes the bus conformance suite on a real nats-server", async (t) => {
  const server = await startNatsServer();
  try {
    for (
      const [name, body] of conformanceCases((onHandlerError) =>
        connectNatsBus({ servers: server.url, onHandlerError })
      )
    ) {
      await t.step(name, body);
    }
  } finally {
    await server.stop();
  }
});

Deno.test("NatsBus reports the server's max payload", async () => {
  const server = await startNatsServer({ maxPayload: 2 << 20 });
  const bus = await connectNatsBus({ servers: server.url });
  try {
    assert.equal(bus.maxPayload, 2 << 20);
  } finally {
    await bus.close();
    await server.stop();
  }
});

Deno.test("connectNatsBus() fails with BusError when no server listens", async () => {
  await assert.rejects(
    connectNatsBus({ servers: `nats://127.0.0.1:${freePort()}`, maxReconnectAttempts: 0 }),
    BusError,
  );
});

Deno.test("connectNatsBus() authenticates with a token without echoing it", async () => {
  const server = await startNatsServer({ extraArgs: ["--auth", "s3cret-token"] });
  try {
    const bus = await connectNatsBus({ servers: server.url, token: "s3cret-token" });
    bus.subscribe("auth.echo", (m) => void m.respond(m.data));
    assert.deepEqual(await bus.request("auth.echo", new Uint8Array([1])), new Uint8Array([1]));
    await bus.close();
    const err = await connectNatsBus({
      servers: server.url,
      token: "wrong-token",
      maxReconnectAttempts: 0,
    }).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof BusError);
    assert.ok(!String((err as Error).message).includes("wrong-token"));
  } finally {
    await server.stop();
  }
});

Deno.test("NatsBus delivers a large float32 frame that decodes without copying", async () => {
  const { decode, encode } = await import("../../../actors/codec.ts");
  const { PROTOCOL_VERSION } = await import("../../../actors/protocol.ts");
  const server = await startNatsServer();
  const a = await connectNatsBus({ servers: server.url });
  const b = await connectNatsBus({ servers: server.url });
  try {
    const data = Float32Array.from({ length: 200_000 }, (_, i) => i);
    const got = Promise.withResolvers<{ bytes: Uint8Array }>();
    b.subscribe("big.frame", (m) => got.resolve({ bytes: m.data }));
    await b.flush();
    a.publish(
      "big.frame",
      encode({
        type: "job-result",
        v: PROTOCOL_VERSION,
        run: "r",
        trialId: "t",
        jobId: "j",
        workerId: "w",
        ok: true,
        tensors: { g: { dtype: "float32", shape: [data.length], data } },
      }),
    );
    const { bytes } = await got.promise;
    const m = decode(bytes);
    assert.ok(m.type === "job-result");
    const back = m.tensors!.g!.data;
    assert.deepEqual(back, data);
    assert.equal(back.buffer, bytes.buffer, "expected a view into the received bytes");
  } finally {
    await a.close();
    await b.close();
    await server.stop();
  }
});

Deno.test("NatsBus reconnects and resubscribes after the server restarts", async () => {
  const server = await startNatsServer();
  const a = await connectNatsBus({ servers: server.url, reconnectTimeWaitMs: 50 });
  const b = await connectNatsBus({ servers: server.url, reconnectTimeWaitMs: 50 });
  try {
    b.subscribe("re.echo", (m) => void m.respond(m.data));
    await b.flush();
    assert.deepEqual(await a.request("re.echo", new Uint8Array([1])), new Uint8Array([1]));
    await server.restart();
    let reply: Uint8Array | null = null;
    for (let i = 0; i < 100 && reply === null; i++) {
      reply = await a.request("re.echo", new Uint8Array([2]), { timeoutMs: 200 }).catch(() => null);
      if (reply === null) await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(reply, new Uint8Array([2]));
  } finally {
    await a.close();
    await b.close();
    await server.stop();
  }
});

Deno.test("NatsBus.connection serves JetStream and KV clients", async () => {
  const { jetstream, jetstreamManager } = await import("@nats-io/jetstream");
  const { Kvm } = await import("@nats-io/kv");
  const server = await startNatsServer({ jetstream: true });
  const bus = await connectNatsBus({ servers: server.url });
  try {
    const jsm = await jetstreamManager(bus.connection);
    await jsm.streams.add({ name: "JOBS", subjects: ["tailor.*.jobs.>"] });
    const ack = await jetstream(bus.connection).publish("tailor.r1.jobs.x", new Uint8Array([9]));
    assert.equal(ack.stream, "JOBS");
    const kv = await new Kvm(bus.connection).create("runs");
    await kv.put("r1", new Uint8Array([4]));
    assert.deepEqual((await kv.get("r1"))?.value, new Uint8Array([4]));
  } finally {
    await bus.close();
    await server.stop();
  }
});

Deno.test("NatsBus refuses parts over the max payload as it refuses one buffer", async () => {
  const server = await startNatsServer({ maxPayload: 64 << 10 });
  const bus = await connectNatsBus({ servers: server.url });
  try {
    const half = new Uint8Array(40 << 10);
    const joined = new Uint8Array(80 << 10);
    const one = (() => {
      try {
        bus.publish("t.big", joined);
      } catch (err) {
        return err as Error;
      }
    })();
    assert.ok(one, "one buffer over the max payload was accepted");
    assert.throws(() => bus.publish("t.big", [half, half]), { message: one.message });
    // The connection is still usable.
    bus.subscribe("t.ok", (m) => void m.respond(m.data));
    await bus.flush();
    assert.deepEqual(await bus.request("t.ok", [half]), half);
  } finally {
    await bus.close();
    await server.stop();
  }
});
