import assert from "node:assert/strict";
import { connectNatsBus } from "../../actors/bus/nats.ts";
import type { JobQueue } from "../../actors/job_queue.ts";
import { startNatsServer } from "../../actors/nats_server.ts";
import { type JobMessage, type JobResultMessage, PROTOCOL_VERSION } from "../../actors/protocol.ts";
import { resumableJobs, resumableQueue } from "../../actors/resumable_jobs.ts";
import { jobKey, RevisionConflictError, runStore } from "../../actors/run_store.ts";

const server = await startNatsServer({ jetstream: true });
const bus = await connectNatsBus({ servers: server.url });
let buckets = 0;
const freshStore = () => runStore(bus, { bucket: `runs_${buckets++}` });

const result = (run: string, jobId: string, ok = true): JobResultMessage => ({
  type: "job-result",
  v: PROTOCOL_VERSION,
  run,
  trialId: "t0",
  jobId,
  workerId: "w1",
  ok,
  ...(ok ? { result: { value: jobId.length } } : { error: "boom" }),
  tensors: { w: { dtype: "float32", shape: [2], data: new Float32Array([1, 2]) } },
});

Deno.test("runStore() puts, gets and lists run states", async () => {
  const store = await freshStore();
  assert.equal(await store.get("run1"), null);
  const r1 = await store.put("run1", { spec: { seed: 1 }, front: [] });
  await store.put("run0", { spec: null });
  const got = await store.get("run1");
  assert.deepEqual(got, { run: "run1", state: { spec: { seed: 1 }, front: [] }, revision: r1 });
  assert.deepEqual(await store.list(), ["run0", "run1"]);
  await store.delete("run0");
  assert.deepEqual(await store.list(), ["run1"]);
  assert.equal(await store.get("run0"), null);
});

Deno.test("runStore() put with a revision is a compare-and-set", async () => {
  const store = await freshStore();
  const r1 = await store.put("run1", { step: 1 }, { revision: 0 });
  await assert.rejects(store.put("run1", { step: 1 }, { revision: 0 }), RevisionConflictError);
  const r2 = await store.put("run1", { step: 2 }, { revision: r1 });
  assert.ok(r2 > r1);
  await assert.rejects(
    store.put("run1", { step: 3 }, { revision: r1 }),
    (e) => e instanceof RevisionConflictError && e.expected === r1 && /run1/.test(e.message),
  );
  assert.deepEqual((await store.get("run1"))?.state, { step: 2 });
});

Deno.test("runStore() keeps job results with their tensors, per run", async () => {
  const store = await freshStore();
  await store.putResult(result("run1", "trial-0"));
  await store.putResult(result("run1", "odd id/with.dots"));
  await store.putResult(result("run2", "trial-0"));
  const got = await store.getResult("run1", "trial-0");
  assert.equal(got?.jobId, "trial-0");
  assert.deepEqual([...(got?.tensors?.w?.data ?? [])], [1, 2]);
  assert.deepEqual(await store.finishedJobs("run1"), ["odd id/with.dots", "trial-0"]);
  assert.equal(await store.getResult("run1", "trial-9"), null);
  await store.delete("run1");
  assert.deepEqual(await store.finishedJobs("run1"), []);
  assert.deepEqual(await store.finishedJobs("run2"), ["trial-0"]);
});

Deno.test("jobKey() escapes characters KV keys cannot hold", () => {
  assert.equal(jobKey("trial-0_a"), "trial-0_a");
  assert.equal(jobKey("a.b c"), "a=2eb=20c");
  assert.throws(() => jobKey(""), TypeError);
});

Deno.test("resumableJobs().once() submits a job once and returns the stored result after", async () => {
  const store = await freshStore();
  const jobs = resumableJobs(store, "run1");
  let calls = 0;
  const submit = () => (calls++, Promise.resolve(result("run1", "trial-0")));
  const a = await jobs.once("trial-0", submit);
  const b = await resumableJobs(store, "run1").once("trial-0", submit);
  assert.equal(calls, 1);
  assert.deepEqual(b.result, a.result);
});

Deno.test("resumableJobs().once() does not store failed results, so a resume retries them", async () => {
  const store = await freshStore();
  const jobs = resumableJobs(store, "run1");
  let calls = 0;
  const submit = () => (calls++, Promise.resolve(result("run1", "trial-0", calls > 1)));
  assert.equal((await jobs.once("trial-0", submit)).ok, false);
  assert.equal((await jobs.once("trial-0", submit)).ok, true);
  assert.equal((await jobs.once("trial-0", submit)).ok, true);
  assert.equal(calls, 2);
});

Deno.test("resumableQueue() skips the finished jobs of a resumed run", async () => {
  const store = await freshStore();
  const submitted: string[] = [];
  const inner: JobQueue = {
    submit: (job) => (submitted.push(job.jobId), Promise.resolve(result(job.run, job.jobId))),
  };
  const job = (jobId: string): JobMessage => ({
    type: "job",
    v: PROTOCOL_VERSION,
    run: "run1",
    trialId: "t0",
    jobId,
    kind: "trial",
    attempt: 1,
    spec: null,
  });
  // First life: two jobs finish, then the coordinator dies.
  await resumableQueue(inner, store).submit(job("trial-0"));
  await resumableQueue(inner, store).submit(job("trial-1"));
  // Second life: the whole plan again.
  const resumed = resumableQueue(inner, store);
  const all = await Promise.all(
    ["trial-0", "trial-1", "trial-2"].map((id) => resumed.submit(job(id))),
  );
  assert.deepEqual(all.map((r) => r.jobId), ["trial-0", "trial-1", "trial-2"]);
  assert.deepEqual(submitted, ["trial-0", "trial-1", "trial-2"]);
});

Deno.test("runStore() rejects a run id that is not a subject token", async () => {
  const store = await freshStore();
  await assert.rejects(store.put("a.b", {}), TypeError);
});

Deno.test({
  name: "(teardown) close the bus and the server",
  fn: async () => {
    await bus.close();
    await server.stop();
  },
});
