import assert from "node:assert/strict";
import { NatsServerMissingError, startNatsServer } from "../../actors/nats_server.ts";

async function accepts(port: number): Promise<boolean> {
  try {
    (await Deno.connect({ hostname: "127.0.0.1", port })).close();
    return true;
  } catch {
    return false;
  }
}

Deno.test("startNatsServer() serves JetStream on a loopback port and stop() ends it", async () => {
  const server = await startNatsServer({ jetstream: true });
  assert.match(server.url, /^nats:\/\/127\.0\.0\.1:\d+$/);
  assert.ok(server.storeDir !== null && (await Deno.stat(server.storeDir)).isDirectory);
  assert.ok(await accepts(server.port));
  await server.restart();
  assert.ok(await accepts(server.port));
  await server.stop();
  await server.stop();
  assert.equal(await accepts(server.port), false);
  await assert.rejects(Deno.stat(server.storeDir!), Deno.errors.NotFound);
});

Deno.test("startNatsServer() names the apt package when the binary is missing", async () => {
  await assert.rejects(
    startNatsServer({ bin: "nats-server-that-does-not-exist" }),
    (err: unknown) =>
      err instanceof NatsServerMissingError && /apt-get install nats-server/.test(err.message),
  );
});
