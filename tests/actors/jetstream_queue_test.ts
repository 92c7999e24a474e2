import assert from "node:assert/strict";
import { jetstream } from "@nats-io/jetstream";
import { connectNatsBus, type NatsBus } from "../../actors/bus/nats.ts";
import { encode } from "../../actors/codec.ts";
import { jetStreamJobQueue } from "../../actors/jetstream_queue.ts";
import { jetStreamJobSource } from "../../actors/jetstream_source.ts";
import { JOBS_STREAM, WORKER_CONSUMER } from "../../actors/jetstream_stream.ts";
import { JobFailedError } from "../../actors/job_queue.ts";
import { startNatsServer } from "../../actors/nats_server.ts";
import { createSubjects, type JobMessage, PROTOCOL_VERSION } from "../../actors/protocol.ts";
import { startWorker, type WorkerHandle } from "../../actors/worker.ts";

const subjects = createSubjects();
const job = (jobId: string, run = "r1"): JobMessage => ({
  type: "job",
  v: PROTOCOL_VERSION,
  run,
  trialId: "t0",
  jobId,
  kind: "trial",
  attempt: 1,
  spec: { n: 1 },
});

async function cluster(n: number) {
  const server = await startNatsServer({ jetstream: true });
  const buses: NatsBus[] = [];
  for (let i = 0; i < n; i++) buses.push(await connectNatsBus({ servers: server.url }));
  const workers: WorkerHandle[] = [];
  return {
    server,
    buses,
    workers,
    async close() {
      for (const w of workers) await w.drain({ timeoutMs: 0 });
      for (const b of buses) await b.close();
      await server.stop();
    },
  };
}

async function jsWorker(bus: NatsBus, id: string, seen: string[], ackWaitMs = 2000) {
  const source = await jetStreamJobSource(bus, { subjects, ackWaitMs, pullExpiresMs: 1000 });
  return startWorker(bus, {
    id,
    subjects,
    source,
    heartbeatMs: 0,
    handlers: {
      trial: async (j) => {
        seen.push(`${id}:${j.jobId}`);
        await new Promise((r) => setTimeout(r, 20));
        return { result: { by: id, attempt: j.attempt } };
      },
    },
  });
}

Deno.test("jetStreamJobQueue() has each job processed exactly once by one of two workers", async () => {
  const c = await cluster(3);
  try {
    const queue = await jetStreamJobQueue(c.buses[0]!, subjects);
    const seen: string[] = [];
    c.workers.push(await jsWorker(c.buses[1]!, "w1", seen));
    c.workers.push(await jsWorker(c.buses[2]!, "w2", seen));
    const ids = Array.from({ length: 8 }, (_, i) => `trial-${i}`);
    const results = await Promise.all(ids.map((id) => queue.submit(job(id))));
    assert.deepEqual(results.map((r) => r.jobId), ids);
    assert.ok(results.every((r) => r.ok));
    const handled = seen.map((s) => s.split(":")[1]).sort();
    assert.deepEqual(handled, [...ids].sort());
    assert.equal(queue.duplicates(), 0);
    await queue.close();
  } finally {
    await c.close();
  }
});

Deno.test("a job held by a kill -9'd worker process is redelivered and completes elsewhere", async () => {
  const c = await cluster(2);
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./fixtures/js_worker.ts", import.meta.url).pathname,
      c.server.url,
      "doomed",
      "1000",
      "hang",
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  try {
    const queue = await jetStreamJobQueue(c.buses[0]!, subjects, { ackWaitMs: 1000 });
    const result = queue.submit(job("trial-0"));
    const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let out = "";
    while (!out.includes("started trial-0")) {
      const { value, done } = await lines.read();
      if (done) throw new Error(`worker exited: ${out}`);
      out += value;
    }
    child.kill("SIGKILL");
    await child.status;
    lines.releaseLock();
    const seen: string[] = [];
    c.workers.push(await jsWorker(c.buses[1]!, "w2", seen));
    const r = await result;
    assert.equal(r.workerId, "w2");
    assert.deepEqual(r.result, { by: "w2", attempt: 2 });
    assert.deepEqual(seen, ["w2:trial-0"]);
    await queue.close();
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
    await child.stdout.cancel().catch(() => {});
    await c.close();
  }
});

Deno.test("jetStreamJobQueue() fails a job that reaches maxDeliver and removes it from the stream", async () => {
  const c = await cluster(2);
  try {
    const queue = await jetStreamJobQueue(c.buses[0]!, subjects, {
      ackWaitMs: 300,
      maxDeliver: 2,
    });
    const failed = assert.rejects(
      queue.submit(job("trial-0")),
      (e) => e instanceof JobFailedError && /trial-0.*maxDeliver/.test(e.message),
    );
    // A worker that takes the job and never acknowledges it.
    const consumer = await jetstream(c.buses[1]!.connection).consumers.get(
      JOBS_STREAM,
      WORKER_CONSUMER,
    );
    const deliveries: number[] = [];
    for (let i = 0; i < 3; i++) {
      const m = await consumer.next({ expires: 1000 });
      if (m) deliveries.push(m.info.deliveryCount);
    }
    assert.deepEqual(deliveries, [1, 2]);
    await failed;
    const jsm = await jetstream(c.buses[0]!.connection).jetstreamManager();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await jsm.streams.info(JOBS_STREAM)).state.messages, 0);
    await queue.close();
  } finally {
    await c.close();
  }
});

Deno.test("jetStreamJobQueue() resolves a job once when its result arrives twice", async () => {
  const c = await cluster(2);
  try {
    const queue = await jetStreamJobQueue(c.buses[0]!, subjects);
    const seen: string[] = [];
    c.workers.push(await jsWorker(c.buses[1]!, "w1", seen));
    const r = await queue.submit(job("trial-0"));
    c.buses[1]!.publish(subjects.results("r1"), encode({ ...r, workerId: "late" }));
    await c.buses[1]!.flush();
    const deadline = Date.now() + 3000;
    while (queue.duplicates() === 0 && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 20));
    }
    assert.equal(queue.duplicates(), 1);
    assert.equal(r.workerId, "w1");
    await queue.close();
  } finally {
    await c.close();
  }
});

Deno.test("a restarted coordinator gets results finished while it was away, without rerunning", async () => {
  const c = await cluster(2);
  try {
    const first = await jetStreamJobQueue(c.buses[0]!, subjects);
    const seen: string[] = [];
    c.workers.push(await jsWorker(c.buses[1]!, "w1", seen));
    await first.submit(job("trial-0"));
    await first.close();
    const second = await jetStreamJobQueue(c.buses[0]!, subjects);
    const r = await second.submit(job("trial-0"));
    assert.equal(r.workerId, "w1");
    assert.deepEqual(seen, ["w1:trial-0"]);
    await second.close();
  } finally {
    await c.close();
  }
});

Deno.test("jetStreamJobQueue() ignores garbage on the results subject", async () => {
  const c = await cluster(2);
  try {
    const rejected: string[] = [];
    const queue = await jetStreamJobQueue(c.buses[0]!, subjects, {
      onReject: (_s, reason) => rejected.push(reason),
    });
    const seen: string[] = [];
    c.buses[1]!.publish(subjects.results("r1"), new Uint8Array([1, 2, 3]));
    await c.buses[1]!.flush();
    c.workers.push(await jsWorker(c.buses[1]!, "w1", seen));
    const r = await queue.submit(job("trial-0"));
    assert.ok(r.ok);
    assert.equal(rejected.length, 1);
    await queue.close();
  } finally {
    await c.close();
  }
});

Deno.test("a job running longer than the ack wait is kept by progress acks, not redelivered", async () => {
  const c = await cluster(3);
  try {
    const queue = await jetStreamJobQueue(c.buses[0]!, subjects, { ackWaitMs: 600 });
    const seen: string[] = [];
    for (const [i, id] of ["w1", "w2"].entries()) {
      const source = await jetStreamJobSource(c.buses[i + 1]!, {
        subjects,
        ackWaitMs: 600,
        pullExpiresMs: 1000,
      });
      c.workers.push(startWorker(c.buses[i + 1]!, {
        id,
        subjects,
        source,
        heartbeatMs: 0,
        handlers: {
          trial: async (j) => {
            seen.push(`${id}:${j.jobId}`);
            await new Promise((r) => setTimeout(r, 2000));
            return { result: { attempt: j.attempt } };
          },
        },
      }));
    }
    const r = await queue.submit(job("trial-0"));
    assert.deepEqual(r.result, { attempt: 1 });
    assert.equal(seen.length, 1);
    await queue.close();
  } finally {
    await c.close();
  }
});

Deno.test("a job survives a nats-server restart while a worker runs it", async () => {
  const c = await cluster(2);
  try {
    const queue = await jetStreamJobQueue(c.buses[0]!, subjects, { ackWaitMs: 2000 });
    const started = Promise.withResolvers<void>();
    const source = await jetStreamJobSource(c.buses[1]!, {
      subjects,
      ackWaitMs: 2000,
      pullExpiresMs: 1000,
    });
    let runs = 0;
    c.workers.push(startWorker(c.buses[1]!, {
      id: "w1",
      subjects,
      source,
      heartbeatMs: 0,
      handlers: {
        trial: async (j) => {
          runs++;
          started.resolve();
          await new Promise((r) => setTimeout(r, 800));
          return { result: { attempt: j.attempt } };
        },
      },
    }));
    const result = queue.submit(job("trial-0"));
    await started.promise;
    await c.server.restart();
    const r = await result;
    assert.ok(r.ok);
    assert.ok(runs >= 1);
    await queue.close();
  } finally {
    await c.close();
  }
});
