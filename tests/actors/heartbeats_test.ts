import assert from "node:assert/strict";
import { InProcessBus } from "../../actors/bus/in_process.ts";
import { connectNatsBus } from "../../actors/bus/nats.ts";
import { decode, encode } from "../../actors/codec.ts";
import {
  expireWorkers,
  observeHeartbeat,
  trackWorkers,
  type WorkerTable,
} from "../../actors/heartbeats.ts";
import { startNatsServer } from "../../actors/nats_server.ts";
import {
  createSubjects,
  type EventMessage,
  type HeartbeatMessage,
  PROTOCOL_VERSION,
} from "../../actors/protocol.ts";
import { startWorker } from "../../actors/worker.ts";

const subjects = createSubjects();
const hb = (workerId: string, state: HeartbeatMessage["state"] = "idle"): HeartbeatMessage => ({
  type: "heartbeat",
  v: PROTOCOL_VERSION,
  workerId,
  at: 0,
  state,
  concurrency: 2,
  jobs: [],
});

Deno.test("observeHeartbeat() joins a new worker once and refreshes its last-seen time", () => {
  const a = observeHeartbeat(new Map(), hb("w1"), 100);
  assert.equal(a.change?.kind, "joined");
  const b = observeHeartbeat(a.table, hb("w1", "busy"), 300);
  assert.equal(b.change, undefined);
  assert.deepEqual(b.table.get("w1"), {
    workerId: "w1",
    state: "busy",
    concurrency: 2,
    jobs: [],
    joinedAt: 100,
    lastSeen: 300,
  });
});

Deno.test("expireWorkers() loses a worker silent for longer than lostAfterMs, once", () => {
  let table: WorkerTable = observeHeartbeat(new Map(), hb("w1"), 0).table;
  table = observeHeartbeat(table, hb("w2", "draining"), 5000).table;
  assert.deepEqual(expireWorkers(table, 6000, 6000).changes, []);
  const r = expireWorkers(table, 6001, 6000);
  assert.deepEqual(r.changes.map((c) => c.worker.workerId), ["w1"]);
  assert.equal(r.table.get("w1")?.state, "lost");
  assert.deepEqual(expireWorkers(r.table, 7000, 6000).changes, []);
  const later = expireWorkers(r.table, 12_000, 6000).changes[0];
  assert.ok(later?.kind === "lost" && /left after draining/.test(later.reason));
  // A lost worker that beats again joins again.
  assert.equal(observeHeartbeat(r.table, hb("w1"), 8000).change?.kind, "joined");
});

Deno.test("trackWorkers() publishes joined and lost events on the run's subject (injected clock)", async () => {
  const bus = new InProcessBus();
  let now = 1000;
  const heard: EventMessage[] = [];
  bus.subscribe(subjects.events("run1"), (m) => void heard.push(decode(m.data) as EventMessage));
  const rejected: string[] = [];
  const tracker = trackWorkers(bus, subjects, {
    run: "run1",
    lostAfterMs: 6000,
    checkEveryMs: 0,
    now: () => now,
    onReject: (_s, r) => rejected.push(r),
  });
  bus.publish(subjects.heartbeat("w1"), encode(hb("w1")));
  bus.publish(subjects.heartbeat("w1"), new Uint8Array([0xde, 0xad]));
  await bus.flush();
  now = 6000;
  bus.publish(subjects.heartbeat("w1"), encode(hb("w1")));
  await bus.flush();
  now = 12_000;
  tracker.check();
  assert.equal(tracker.workers().get("w1")?.state, "idle");
  now = 12_001;
  tracker.check();
  await bus.flush();
  assert.deepEqual(heard.map((e) => e.type), ["worker-joined", "worker-lost"]);
  const lost = heard[1]!;
  assert.ok(lost.type === "worker-lost" && lost.lastSeen === 6000 && lost.at === 12_001);
  assert.equal(rejected.length, 1);
  tracker.stop();
  await bus.close();
});

Deno.test("trackWorkers() sees a real worker join and, once drained, leave over NATS", async () => {
  const server = await startNatsServer();
  const bus = await connectNatsBus({ servers: server.url });
  try {
    const events: EventMessage[] = [];
    const tracker = trackWorkers(bus, subjects, {
      lostAfterMs: 300,
      checkEveryMs: 50,
      onEvent: (e) => events.push(e),
    });
    const worker = startWorker(bus, { id: "w1", subjects, handlers: {}, heartbeatMs: 100 });
    const until = async (n: number) => {
      const deadline = Date.now() + 5000;
      while (events.length < n && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await until(1);
    assert.deepEqual(events.map((e) => e.type), ["worker-joined"]);
    await worker.drain();
    await until(2);
    assert.deepEqual(events.map((e) => e.type), ["worker-joined", "worker-lost"]);
    const lost = events[1]!;
    assert.ok(lost.type === "worker-lost" && /left after draining/.test(lost.reason));
    tracker.stop();
  } finally {
    await bus.close();
    await server.stop();
  }
});
