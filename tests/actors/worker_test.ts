import assert from "node:assert/strict";
import { InProcessBus } from "../../actors/bus/in_process.ts";
import { decode, encode } from "../../actors/codec.ts";
import { busJobQueue } from "../../actors/job_queue.ts";
import { createSubjects, type JobMessage, PROTOCOL_VERSION } from "../../actors/protocol.ts";
import { startWorker } from "../../actors/worker.ts";

const subjects = createSubjects();
const job = (jobId: string, kind: JobMessage["kind"] = "trial"): JobMessage => ({
  type: "job",
  v: PROTOCOL_VERSION,
  run: "r1",
  trialId: "t0",
  jobId,
  kind,
  attempt: 1,
  spec: null,
});

Deno.test("startWorker() on the core source answers jobs, at most `concurrency` at once", async () => {
  const bus = new InProcessBus();
  let running = 0;
  let peak = 0;
  const w = startWorker(bus, {
    id: "w1",
    subjects,
    concurrency: 2,
    heartbeatMs: 0,
    handlers: {
      trial: async (j) => {
        peak = Math.max(peak, ++running);
        await new Promise((r) => setTimeout(r, 10));
        running--;
        return { result: j.jobId };
      },
    },
  });
  const queue = busJobQueue(bus, subjects);
  const rs = await Promise.all(["a", "b", "c", "d", "e"].map((id) => queue.submit(job(id))));
  assert.deepEqual(rs.map((r) => r.result), ["a", "b", "c", "d", "e"]);
  assert.equal(peak, 2);
  const missing = await queue.submit(job("f", "sensitivity-scan"));
  assert.equal(missing.ok, false);
  assert.match(missing.error!, /no handler for sensitivity-scan/);
  await w.drain();
  assert.equal(w.state(), "draining");
  await bus.close();
});

Deno.test("startWorker() rejects a malformed job and reports a failing handler as a result", async () => {
  const bus = new InProcessBus();
  const rejected: string[] = [];
  const w = startWorker(bus, {
    id: "w1",
    subjects,
    heartbeatMs: 0,
    onReject: (_s, r) => rejected.push(r),
    handlers: { trial: () => Promise.reject(new Error("boom")) },
  });
  bus.publish(subjects.jobs("r1", "trial"), new Uint8Array([9, 9]));
  const reply = decode(await bus.request(subjects.jobs("r1", "trial"), encode(job("a"))));
  assert.ok(reply.type === "job-result" && !reply.ok && reply.error === "boom");
  assert.equal(rejected.length, 1);
  await w.drain();
  await bus.close();
});

Deno.test("startWorker() heartbeats carry its state and the ids of its running jobs", async () => {
  const bus = new InProcessBus();
  const beats: unknown[] = [];
  bus.subscribe(subjects.heartbeat("w1"), (m) => void beats.push(decode(m.data)));
  let release!: () => void;
  const w = startWorker(bus, {
    id: "w1",
    subjects,
    heartbeatMs: 20,
    handlers: {
      trial: async () => {
        await new Promise<void>((r) => (release = r));
        return { result: null };
      },
    },
  });
  const reply = bus.request(subjects.jobs("r1", "trial"), encode(job("job-7")));
  await new Promise((r) => setTimeout(r, 60));
  assert.ok(beats.some((b) => (b as { jobs: string[] }).jobs.includes("job-7")));
  assert.equal(w.state(), "busy");
  release();
  await reply;
  const drained = w.drain();
  await drained;
  await bus.flush();
  assert.equal((beats.at(-1) as { state: string }).state, "draining");
  await bus.close();
});
