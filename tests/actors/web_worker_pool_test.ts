import assert from "node:assert/strict";
import { InProcessBus } from "../../actors/bus/in_process.ts";
import { busJobQueue } from "../../actors/job_queue.ts";
import { createSubjects, type JobMessage, PROTOCOL_VERSION } from "../../actors/protocol.ts";
import {
  startWebWorkerPool,
  WorkerLostError,
  WorkerStartError,
} from "../../actors/web_worker_pool.ts";

const subjects = createSubjects();
const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);
const jobs = fixture("web_worker_jobs.ts");
const job = (jobId: string, kind: JobMessage["kind"], spec: unknown): JobMessage => ({
  type: "job",
  v: PROTOCOL_VERSION,
  run: "r1",
  trialId: "t0",
  jobId,
  kind,
  attempt: 1,
  spec: spec as JobMessage["spec"],
});

interface Ran {
  readonly start: number;
  readonly end: number;
}

Deno.test("startWebWorkerPool() runs a job in a Web Worker and returns its result", async () => {
  const bus = new InProcessBus();
  const pool = await startWebWorkerPool(bus, { subjects, workers: 1, entry: jobs, idPrefix: "r1" });
  assert.deepEqual(pool.ids, ["r1-w0"]);
  const r = await busJobQueue(bus, subjects, { attempts: 1 }).submit(
    job("j1", "trial", { busyMs: 1 }),
  );
  assert.equal(r.ok, true);
  assert.equal(r.workerId, "r1-w0");
  assert.equal(typeof (r.result as unknown as Ran).end, "number");
  await pool.drain();
  await assert.rejects(bus.request(subjects.jobs("r1", "trial"), new Uint8Array(1)), {
    name: "NoRespondersError",
  });
  await bus.close();
});

Deno.test("two slow jobs on two Web Workers run at the same time", async () => {
  const bus = new InProcessBus();
  const pool = await startWebWorkerPool(bus, { subjects, workers: 2, entry: jobs });
  const queue = busJobQueue(bus, subjects, { attempts: 1 });
  // Each job holds its thread for 2 s: on one thread the two could not overlap.
  const rs = await Promise.all(
    ["a", "b"].map((id) => queue.submit(job(id, "trial", { busyMs: 2000 }))),
  );
  await pool.drain();
  await bus.close();
  assert.ok(rs.every((r) => r.ok));
  assert.notEqual(rs[0]!.workerId, rs[1]!.workerId);
  const [a, b] = rs.map((r) => r.result as unknown as Ran);
  assert.ok(
    Math.max(a!.start, b!.start) < Math.min(a!.end, b!.end),
    `intervals do not overlap: ${JSON.stringify([a, b])}`,
  );
});

Deno.test("startWebWorkerPool() rejects when a worker's module throws at start-up", async () => {
  const bus = new InProcessBus();
  await assert.rejects(
    startWebWorkerPool(bus, { subjects, workers: 2, entry: fixture("web_worker_throws.ts") }),
    (e) => e instanceof WorkerStartError && /broken worker module/.test(e.message),
  );
  await bus.close();
});

Deno.test("startWebWorkerPool() rejects when a worker's setup fails", async () => {
  const bus = new InProcessBus();
  await assert.rejects(
    startWebWorkerPool(bus, { subjects, workers: 1, entry: fixture("web_worker_bad_setup.ts") }),
    (e) => e instanceof WorkerStartError && /cannot load the model/.test(e.message),
  );
  await bus.close();
});

Deno.test("a Web Worker crashing mid-job is reported and its job goes to another worker", async () => {
  const bus = new InProcessBus();
  const marker = await Deno.makeTempDir();
  await Deno.remove(marker);
  const reported: WorkerLostError[] = [];
  const pool = await startWebWorkerPool(bus, {
    subjects,
    workers: 2,
    entry: jobs,
    onError: (e) => reported.push(e),
  });
  try {
    const r = await busJobQueue(bus, subjects, { attempts: 1, timeoutMs: 60_000 }).submit(
      job("c1", "sensitivity-scan", { marker }),
    );
    const lost = await pool.failure;
    assert.ok(lost instanceof WorkerLostError);
    assert.match(lost.message, /worker blew up/);
    assert.deepEqual(reported, [lost]);
    assert.equal(r.ok, true);
    assert.equal(r.result, "survived");
    assert.notEqual(r.workerId, lost.workerId);
  } finally {
    await pool.drain();
    await bus.close();
    await Deno.remove(marker).catch(() => {});
  }
});

Deno.test("startWebWorkerPool() rejects a worker count that is not a positive integer", async () => {
  const bus = new InProcessBus();
  await assert.rejects(startWebWorkerPool(bus, { subjects, workers: 0 }), RangeError);
  await bus.close();
});

Deno.test("the search entry starts a backend in a Web Worker and runs search jobs", async () => {
  const bus = new InProcessBus();
  const pool = await startWebWorkerPool(bus, { subjects, workers: 1 }); // SEARCH_WORKER_ENTRY
  try {
    const r = await busJobQueue(bus, subjects, { attempts: 1 }).submit(
      job("e1", "candidate-eval", { layers: {} }),
    );
    // The candidate-eval handler ran (and refused the spec-less job), in the Web Worker.
    assert.equal(r.ok, false);
    assert.equal(r.workerId, pool.ids[0]);
    assert.match(r.error ?? "", /Malformed job spec: missing field "search"/);
  } finally {
    await pool.drain();
    await bus.close();
  }
});

Deno.test("drain() lets a running job finish and delivers its result", async () => {
  const bus = new InProcessBus();
  const pool = await startWebWorkerPool(bus, { subjects, workers: 1, entry: jobs });
  const started = new Promise((r) => bus.subscribe("test.started", r));
  const result = busJobQueue(bus, subjects, { attempts: 1, timeoutMs: 60_000 }).submit(
    job("d1", "trial", { busyMs: 1000, announce: true }),
  );
  await started;
  await pool.drain();
  const r = await result;
  assert.equal(r.ok, true);
  await bus.close();
});

Deno.test("drain() terminates a worker whose job outlasts timeoutMs + killAfterMs", async () => {
  const bus = new InProcessBus();
  const pool = await startWebWorkerPool(bus, { subjects, workers: 1, entry: jobs });
  const started = new Promise((r) => bus.subscribe("test.started", r));
  const result = busJobQueue(bus, subjects, { attempts: 1, timeoutMs: 3000 }).submit(
    job("k1", "trial", { busyMs: 20_000, announce: true }),
  );
  await started;
  const t = Date.now();
  await pool.drain({ timeoutMs: 0, killAfterMs: 200 });
  assert.ok(Date.now() - t < 10_000, "drain waited for the 20 s job");
  // Given back with nobody left to take it: the requester's own timeout decides.
  await assert.rejects(result, { name: "JobFailedError" });
  await bus.close();
});
