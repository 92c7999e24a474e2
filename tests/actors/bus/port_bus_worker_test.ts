import assert from "node:assert/strict";
import { InProcessBus } from "../../../actors/bus/in_process.ts";
import { bridgePort, type PortBridge } from "../../../actors/bus/port_bridge.ts";

const te = new TextEncoder();
const td = new TextDecoder();

/** A Web Worker running a PortBus bridged onto `main`, driven one command at a time. */
class Remote {
  readonly worker = new Worker(
    new URL("../fixtures/port_bus_worker.ts", import.meta.url).href,
    { type: "module" },
  );
  readonly bridge: PortBridge;
  #replies: ((m: { ok?: unknown; error?: string }) => void)[] = [];
  readonly ready: Promise<unknown>;
  constructor(main: InProcessBus, name: string) {
    this.worker.onmessage = (e) => this.#replies.shift()?.(e.data);
    const { port1, port2 } = new MessageChannel();
    this.bridge = bridgePort(main, port1);
    this.ready = this.#ask({ cmd: "init", port: port2, name }, [port2]);
  }
  #ask(c: Record<string, unknown>, transfer: Transferable[] = []) {
    const reply = new Promise<{ ok?: unknown; error?: string }>((r) => this.#replies.push(r));
    this.worker.postMessage(c, transfer);
    return reply;
  }
  ask(c: Record<string, unknown>) {
    return this.#ask(c);
  }
  async stop() {
    await this.#ask({ cmd: "close" });
    await this.bridge.closed;
    this.worker.terminate();
  }
}

async function withRemotes(n: number, body: (main: InProcessBus, r: Remote[]) => Promise<void>) {
  const main = new InProcessBus();
  const remotes = Array.from({ length: n }, (_, i) => new Remote(main, `w${i}`));
  try {
    await Promise.all(remotes.map((r) => r.ready));
    await body(main, remotes);
  } finally {
    await Promise.all(remotes.map((r) => r.stop()));
    await main.close();
  }
}

Deno.test("PortBus in two Web Workers: a queue group hands each request to one of them", async () => {
  await withRemotes(2, async (main, [a, b]) => {
    await a!.ask({ cmd: "serve", subject: "svc.echo", queue: "g" });
    await b!.ask({ cmd: "serve", subject: "svc.echo", queue: "g" });
    const replies = await Promise.all(
      Array.from(
        { length: 20 },
        (_, i) =>
          main.request("svc.echo", te.encode(String(i)), { timeoutMs: 30_000 })
            .then((d) => td.decode(d)),
      ),
    );
    const served = [(await a!.ask({ cmd: "count" })).ok, (await b!.ask({ cmd: "count" })).ok];
    assert.deepEqual(served, [10, 10]); // each request reached exactly one member, in turn
    assert.equal(replies.filter((r) => r.startsWith("w0:")).length, 10);
  });
});

Deno.test("PortBus in a Web Worker: request/reply, no responders and timeout", async () => {
  await withRemotes(1, async (main, [w]) => {
    main.subscribe("main.echo", (m) => void m.respond(te.encode(`main:${td.decode(m.data)}`)));
    main.subscribe("main.mute", () => {});
    const ask = (subject: string, timeoutMs: number) =>
      w!.ask({ cmd: "request", subject, text: "hi", timeoutMs });
    assert.deepEqual(await ask("main.echo", 30_000), { ok: "main:hi" });
    assert.deepEqual(await ask("main.none", 30_000), { error: "NoRespondersError" });
    assert.deepEqual(await ask("main.mute", 200), { error: "RequestTimeoutError" });
  });
});

Deno.test("PortBus in a Web Worker: a publish reaches wildcard subscribers on the main bus", async () => {
  await withRemotes(1, async (main, [w]) => {
    const got: string[] = [];
    main.subscribe("w.>", (m) => void got.push(`>${m.subject}`));
    main.subscribe("w.*.b", (m) => void got.push(`*${m.subject}`));
    main.subscribe("w.*", (m) => void got.push(`1${m.subject}`));
    await w!.ask({ cmd: "publish", subject: "w.a.b", text: "x" });
    await main.flush();
    assert.deepEqual(got.sort(), ["*w.a.b", ">w.a.b"]);
  });
});
