/**
 * End-to-end distributed searches: a real nats-server with JetStream, `cli/worker.ts`
 * processes, the search or coordinator as a process, and faults (kill -9 of a worker or of
 * the coordinator, a restarted server, garbage on every subject). Every run must choose
 * the configuration the in-process run chooses with the same seed and inputs.
 */
import assert from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import { decode } from "../../actors/codec.ts";
import { connectNatsBus } from "../../actors/bus/nats.ts";
import { jetStreamJobQueue } from "../../actors/jetstream_queue.ts";
import { jetStreamJobSource } from "../../actors/jetstream_source.ts";
import { ensureJobStreams, JOBS_STREAM } from "../../actors/jetstream_stream.ts";
import { startNatsServer } from "../../actors/nats_server.ts";
import { PROTOCOL_VERSION } from "../../actors/protocol.ts";
import { startWorker } from "../../actors/worker.ts";
import { runStore } from "../../actors/run_store.ts";
import {
  alive,
  chosenLayers,
  type Cluster,
  coordinatorProc,
  jobStarts,
  monitorProc,
  type Proc,
  quickSearch,
  searchProc,
  startCluster,
  subjects,
  succeeds,
  until,
} from "./_cluster.ts";
import { garbageMessages } from "./_garbage.ts";

/** Generous: the machine may be shared; a quiet 2-core machine needs a fraction of it. */
const RUN_TIMEOUT_MS = 300_000;
/** The jobs of a run: one sensitivity scan, one trial, three evaluations (chosen, uniform, 8-bit). */
const JOB_IDS = [
  "sensitivity-scan-0",
  "trial-1",
  "candidate-eval-2",
  "candidate-eval-3",
  "candidate-eval-4",
];
/**
 * The ack wait of the tests without a killed worker: long, so that a worker whose event loop
 * is held up by a long synchronous stretch of a job on a loaded machine keeps its job.
 */
const ACK_WAIT_MS = 30_000;

let reference: Promise<unknown> | undefined;

/** The chosen layers of the in-process run (`cli/search.ts` without --nats), run once. */
function inProcessChoice(): Promise<unknown> {
  reference ??= (async () => {
    const q = await quickSearch();
    const dir = await Deno.makeTempDir({ prefix: "tailor-e2e-local-" });
    const p = searchProc("in-process", q.flags(`${dir}/out`));
    try {
      await succeeds(p);
      return await chosenLayers(`${dir}/out`);
    } finally {
      await p.kill();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  })();
  return reference;
}

/** Waits for a worker to start `jobId` of `run` (failing if `watched` exits first). */
function workerStarting(c: Cluster, run: string, jobId: string, watched: Proc): Promise<Proc> {
  return until(`a worker starting ${jobId}`, () => {
    alive(watched);
    return c.workers.find((w) => jobStarts(w.output(), run, jobId) > 0);
  }, RUN_TIMEOUT_MS);
}

/** Runs `body` on a fresh cluster, killing every process and the server afterwards. */
async function withCluster(
  o: { workers: number; ackWaitMs: number },
  body: (c: Cluster, flags: (out: string) => string[]) => Promise<void>,
): Promise<void> {
  const q = await quickSearch();
  const c = await startCluster(o);
  try {
    await body(c, (out) => q.flags(out));
  } catch (e) {
    for (const p of c.procs) console.error(p.tail());
    throw e;
  } finally {
    await c.close();
  }
}

const e2e = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, sanitizeOps: false, sanitizeResources: false, fn });

e2e(
  "a search on two worker processes over NATS chooses what the in-process run chooses",
  () =>
    withCluster({ workers: 2, ackWaitMs: ACK_WAIT_MS }, async (c, flags) => {
      const out = `${c.dir}/out`;
      const search = c.track(
        searchProc("search", ["--nats", c.url, "--workers", "0", "--run", "r1", ...flags(out)]),
      );
      // Both at once (the machine has idle time between jobs); settled, so neither outlives us.
      const [expected, distributed] = await Promise.allSettled([
        inProcessChoice(),
        succeeds(search),
      ]);
      if (distributed.status === "rejected") throw distributed.reason;
      if (expected.status === "rejected") throw expected.reason;
      assert.deepEqual(await chosenLayers(out), expected.value);
      const all = c.workers.map((w) => w.output()).join("\n");
      for (const id of JOB_IDS) assert.ok(jobStarts(all, "r1", id) >= 1, `${id} ran on a worker`);
      for (const w of c.workers) {
        assert.match(w.output(), /: job \S+ of run r1 /, `${w.name} ran jobs`);
      }
    }),
);

e2e(
  "kill -9 of the worker holding a job: the job goes to the other worker, same choice",
  () =>
    withCluster({ workers: 2, ackWaitMs: 6_000 }, async (c, flags) => {
      const out = `${c.dir}/out`;
      const search = c.track(
        searchProc("search", ["--nats", c.url, "--workers", "0", "--run", "r2", ...flags(out)]),
      );
      const victim = await workerStarting(c, "r2", "sensitivity-scan-0", search);
      await victim.kill("SIGKILL");
      await succeeds(search);
      const survivor = c.workers.find((w) => w !== victim)!;
      assert.match(survivor.output(), /job sensitivity-scan-0 of run r2 \(attempt [2-9]\)/);
      assert.ok(survivor.running(), "the other worker is still running");
      assert.deepEqual(await chosenLayers(out), await inProcessChoice());
    }),
);

e2e(
  "a nats-server restarted mid-run: the clients reconnect and the run completes",
  () =>
    withCluster({ workers: 2, ackWaitMs: ACK_WAIT_MS }, async (c, flags) => {
      const out = `${c.dir}/out`;
      const search = c.track(
        searchProc("search", ["--nats", c.url, "--workers", "0", "--run", "r3", ...flags(out)]),
      );
      await workerStarting(c, "r3", "sensitivity-scan-0", search);
      await c.server.restart();
      alive(search);
      await succeeds(search);
      for (const w of c.workers) assert.ok(w.running(), `${w.name} survived the restart`);
      assert.deepEqual(await chosenLayers(out), await inProcessChoice());
    }),
);

e2e(
  "a coordinator killed with -9 and resumed finishes from the run store without redoing jobs",
  () =>
    withCluster({ workers: 2, ackWaitMs: ACK_WAIT_MS }, async (c, flags) => {
      const out = `${c.dir}/out`;
      const first = c.track(
        coordinatorProc("coordinator", ["--nats", c.url, "--run", "r4", ...flags(out)]),
      );
      // The trial is submitted only once the sensitivity result is in the run store.
      await workerStarting(c, "r4", "trial-1", first);
      await first.kill("SIGKILL");
      const resumed = c.track(coordinatorProc("resumed", ["--nats", c.url, "--resume", "r4"]));
      await succeeds(resumed);
      assert.match(resumed.output(), /resuming run r4/);
      const all = c.workers.map((w) => w.output()).join("\n");
      // First deliveries only: a job submitted again shows as attempt 1, a redelivery does not.
      const runs = (id: string) => jobStarts(all, "r4", id, { firstAttempts: true });
      assert.equal(runs("sensitivity-scan-0"), 1, "the finished sensitivity job was not re-run");
      assert.equal(runs("trial-1"), 1, "the trial in flight was not submitted again");
      const store = await runStore(c.bus);
      assert.deepEqual(await store.finishedJobs("r4"), [...JOB_IDS].sort(), "checkpointed jobs");
      assert.deepEqual(await chosenLayers(out), await inProcessChoice());
      // The chosen model is in the output, and the killed coordinator left nothing behind.
      assert.ok((await Deno.stat(`${out}/model/tailor.json`)).isFile);
      const left = [...Deno.readDirSync(c.dir)].map((e) => e.name).filter((n) =>
        n.startsWith(".tmp")
      );
      assert.deepEqual(left, []);
    }),
);

e2e(
  "garbage, truncated, oversized and wrong-version messages on every subject stop no actor",
  () =>
    withCluster({ workers: 2, ackWaitMs: ACK_WAIT_MS }, async (c, flags) => {
      const out = `${c.dir}/out`;
      const monitor = c.track(monitorProc("monitor", ["--nats", c.url, "--run", "r5"]));
      const search = c.track(
        searchProc("search", ["--nats", c.url, "--workers", "0", "--run", "r5", ...flags(out)]),
      );
      const beats = new Set<string>();
      let counting = false;
      c.bus.subscribe(subjects.allHeartbeats(), (m) => {
        try {
          const h = decode(m.data);
          if (counting && h.type === "heartbeat") beats.add(h.workerId);
        } catch { /* the garbage below */ }
      });
      const maxPayload = c.bus.connection.info?.max_payload ?? 1 << 20;
      const burst = async () => {
        for (const { subject, data } of garbageMessages("r5", maxPayload)) {
          c.bus.publish(subject, data);
        }
        await c.bus.flush();
      };
      await workerStarting(c, "r5", "sensitivity-scan-0", search);
      await burst();
      await workerStarting(c, "r5", "trial-1", search);
      await burst();
      counting = true;
      await succeeds(search);
      assert.deepEqual(await chosenLayers(out), await inProcessChoice());
      for (const w of c.workers) assert.ok(w.running(), `${w.name} is still running`);
      await until("heartbeats of both workers after the garbage", () => {
        c.workers.forEach(alive);
        return beats.has("w1") && beats.has("w2");
      }, 20_000);
      const jsm = await jetstreamManager(c.bus.connection);
      const left = await jsm.streams.info(JOBS_STREAM);
      assert.equal(left.state.messages, 0, "no garbage job is left in the work queue");
      alive(monitor);
      assert.equal(await monitor.kill("SIGTERM"), 0, "the monitor stops cleanly");
    }),
);

e2e(
  "a worker keeps its job alive at the pace of the ack wait of a consumer made elsewhere",
  async () => {
    const server = await startNatsServer({ jetstream: true });
    const a = await connectNatsBus({ servers: server.url });
    const b = await connectNatsBus({ servers: server.url });
    try {
      await ensureJobStreams(a, subjects, { ackWaitMs: 1500 }); // e.g. by the coordinator
      const attempts: number[] = [];
      const source = await jetStreamJobSource(b, { subjects, pullExpiresMs: 1000 }); // defaults
      const w = startWorker(b, {
        id: "w",
        subjects,
        source,
        heartbeatMs: 0,
        concurrency: 2,
        handlers: {
          trial: async (j) => {
            attempts.push(j.attempt);
            await new Promise((r) => setTimeout(r, 4000));
            return { result: null };
          },
        },
      });
      const q = await jetStreamJobQueue(a, subjects);
      const job = { type: "job", v: PROTOCOL_VERSION, run: "r6", trialId: "t0" } as const;
      await q.submit({ ...job, jobId: "j", kind: "trial", attempt: 1, spec: null });
      assert.deepEqual(attempts, [1], "delivered once, not again after 1.5 s");
      await w.drain({ timeoutMs: 0 });
      await q.close();
    } finally {
      await a.close();
      await b.close();
      await server.stop();
    }
  },
);
