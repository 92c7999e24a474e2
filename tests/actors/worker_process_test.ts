import assert from "node:assert/strict";
import { InProcessBus } from "../../actors/bus/in_process.ts";
import { encode } from "../../actors/codec.ts";
import { connectNatsBus } from "../../actors/bus/nats.ts";
import { jetStreamJobQueue } from "../../actors/jetstream_queue.ts";
import { jetStreamJobSource } from "../../actors/jetstream_source.ts";
import { startNatsServer } from "../../actors/nats_server.ts";
import { createSubjects, type JobMessage, PROTOCOL_VERSION } from "../../actors/protocol.ts";
import { runWorkerProcess, type SignalHub } from "../../actors/worker_process.ts";
import { startWorker } from "../../actors/worker.ts";

const subjects = createSubjects();
const job: JobMessage = {
  type: "job",
  v: PROTOCOL_VERSION,
  run: "r1",
  trialId: "t0",
  jobId: "trial-0",
  kind: "trial",
  attempt: 1,
  spec: null,
};

Deno.test("runWorkerProcess() drains on SIGTERM, lets the running job finish, closes the bus", async () => {
  const bus = new InProcessBus();
  const listeners = new Map<string, () => void>();
  const hub: SignalHub = {
    add: (s, l) => void listeners.set(s, l),
    remove: (s) => void listeners.delete(s),
  };
  let finish!: () => void;
  const started = Promise.withResolvers<void>();
  const p = runWorkerProcess(bus, {
    id: "w1",
    subjects,
    heartbeatMs: 0,
    signalHub: hub,
    handlers: {
      trial: async () => {
        started.resolve();
        await new Promise<void>((r) => (finish = r));
        return { result: "done" };
      },
    },
  });
  assert.deepEqual([...listeners.keys()].sort(), ["SIGINT", "SIGTERM"]);
  const reply = bus.request(subjects.jobs("r1", "trial"), encode(job));
  await started.promise;
  listeners.get("SIGTERM")!();
  assert.equal(p.worker.state(), "draining");
  assert.equal(listeners.size, 0);
  finish();
  assert.ok((await reply).length > 0);
  await p.done;
  assert.throws(() => bus.publish("x", new Uint8Array()));
});

Deno.test("a SIGTERM'd worker process gives its job back and it is redelivered at once", async () => {
  const server = await startNatsServer({ jetstream: true });
  const a = await connectNatsBus({ servers: server.url });
  const b = await connectNatsBus({ servers: server.url });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./fixtures/js_worker.ts", import.meta.url).pathname,
      server.url,
      "leaving",
      "30000",
      "hang",
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  try {
    const queue = await jetStreamJobQueue(a, subjects, { ackWaitMs: 30_000 });
    const result = queue.submit(job);
    const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let out = "";
    while (!out.includes("started trial-0")) {
      const { value, done } = await lines.read();
      if (done) throw new Error(`worker exited: ${out}`);
      out += value;
    }
    lines.releaseLock();
    const t0 = Date.now();
    child.kill("SIGTERM");
    assert.equal((await child.status).code, 0);
    const source = await jetStreamJobSource(b, { subjects, pullExpiresMs: 1000 });
    const w2 = startWorker(b, {
      id: "w2",
      subjects,
      source,
      heartbeatMs: 0,
      handlers: { trial: (j) => Promise.resolve({ result: { attempt: j.attempt } }) },
    });
    const r = await result;
    assert.equal(r.workerId, "w2");
    assert.deepEqual(r.result, { attempt: 2 });
    assert.ok(Date.now() - t0 < 10_000, "redelivered long before the 30 s ack wait");
    await w2.drain();
    await queue.close();
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
    await child.stdout.cancel().catch(() => {});
    await a.close();
    await b.close();
    await server.stop();
  }
});
