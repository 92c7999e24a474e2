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

Deno.test("a nats-server does not outlive the process that started it and exited", async () => {
  const module = new URL("../../actors/nats_server.ts", import.meta.url).href;
  const script = `
    const { startNatsServer } = await import(${JSON.stringify(module)});
    const s = await startNatsServer({ jetstream: true, maxPayload: 1 << 20 });
    console.log(JSON.stringify({ port: s.port, storeDir: s.storeDir }));
    Deno.exit(0);
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const { port, storeDir } = JSON.parse(new TextDecoder().decode(out.stdout));
  const deadline = performance.now() + 5000;
  while (await accepts(port) && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(await accepts(port), false, `nats-server on port ${port} outlived its process`);
  await assert.rejects(Deno.stat(storeDir), Deno.errors.NotFound);
});
