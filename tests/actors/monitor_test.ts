import assert from "node:assert/strict";
import { connectNatsBus } from "../../actors/bus/nats.ts";
import { encode } from "../../actors/codec.ts";
import { startMonitor } from "../../actors/monitor.ts";
import {
  initialMonitorState,
  type MonitorInput,
  monitorInput,
  type MonitorState,
  overallEtaSeconds,
  reduceMonitor,
} from "../../actors/monitor_model.ts";
import { formatSeconds, renderMonitor, renderSummary } from "../../actors/monitor_render.ts";
import { startNatsServer } from "../../actors/nats_server.ts";
import {
  createSubjects,
  type EventMessage,
  type HeartbeatMessage,
  PROTOCOL_VERSION,
} from "../../actors/protocol.ts";

const subjects = createSubjects();
const v = PROTOCOL_VERSION;
const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const ev = (e: EventMessage, now = e.at): MonitorInput => ({ kind: "event", event: e, now });
const hb = (
  workerId: string,
  state: HeartbeatMessage["state"],
  jobs: string[] = [],
): HeartbeatMessage => ({
  type: "heartbeat",
  v,
  workerId,
  at: 0,
  state,
  concurrency: 2,
  jobs,
});

/** A short run: two workers, two trials, candidates, a front, a log line, an error. */
function script(): MonitorInput[] {
  const run = "run1";
  return [
    { kind: "heartbeat", heartbeat: hb("w1", "busy", ["trial-1"]), now: T0 },
    { kind: "heartbeat", heartbeat: hb("w2", "idle"), now: T0 },
    ev({ type: "progress", v, run, at: T0, trialId: "t0", phase: "supernet", done: 0, total: 100 }),
    ev({
      type: "progress",
      v,
      run,
      at: T0 + 10_000,
      trialId: "t0",
      phase: "supernet",
      done: 20,
      total: 100,
    }),
    ev({
      type: "progress",
      v,
      run,
      at: T0 + 10_000,
      trialId: "t1",
      phase: "finetune",
      done: 5,
      total: 10,
    }),
    ev({
      type: "progress",
      v,
      run,
      at: T0 + 20_000,
      trialId: "t1",
      phase: "finetune",
      done: 10,
      total: 10,
    }),
    ev({
      type: "candidate",
      v,
      run,
      at: T0 + 20_000,
      trialId: "t0",
      candidateId: "c0",
      metrics: { accuracy: 0.8, latencyMs: 3 },
      choice: null,
    }),
    ev({
      type: "candidate",
      v,
      run,
      at: T0 + 21_000,
      trialId: "t0",
      candidateId: "c1",
      metrics: { accuracy: 0.9, latencyMs: 4 },
      choice: null,
    }),
    ev({
      type: "candidate",
      v,
      run,
      at: T0 + 22_000,
      trialId: "t0",
      candidateId: "c2",
      metrics: { accuracy: 0.85, latencyMs: 2 },
      choice: null,
    }),
    ev({
      type: "front",
      v,
      run,
      at: T0 + 22_000,
      points: [{ candidateId: "c1", metrics: {} }, { candidateId: "c2", metrics: {} }],
    }),
    ev({
      type: "log",
      v,
      run,
      at: T0 + 22_000,
      level: "info",
      source: "coordinator",
      message: "trials done",
    }),
    ev({
      type: "error",
      v,
      run,
      at: T0 + 23_000,
      source: "worker w2",
      reason: "decode",
      message: "bad job",
    }),
    ev({
      type: "log",
      v,
      run: "other",
      at: T0 + 23_000,
      level: "info",
      source: "x",
      message: "not ours",
    }),
    { kind: "rejected", subject: "tailor.run1.events", reason: "not JSON", now: T0 + 23_000 },
    { kind: "heartbeat", heartbeat: hb("w1", "busy", ["trial-1"]), now: T0 + 20_000 },
    { kind: "tick", now: T0 + 24_000 },
  ];
}

const play = (inputs: MonitorInput[], run: string | null = "run1"): MonitorState =>
  inputs.reduce(reduceMonitor, initialMonitorState(run, T0));

Deno.test("reduceMonitor() folds a scripted run into workers, trials, best, front, log and errors", () => {
  const s = play(script());
  assert.equal(s.workers.get("w1")?.state, "busy");
  assert.equal(s.workers.get("w2")?.state, "lost"); // silent for 24 s
  assert.deepEqual(s.workers.get("w1")?.jobs, ["trial-1"]);
  const t0 = s.trials.get("run1/t0")!;
  assert.deepEqual([t0.done, t0.total, t0.phase], [20, 100, "supernet"]);
  assert.equal(s.best.get("run1/t0")?.candidateId, "c1");
  assert.deepEqual(s.front, { run: "run1", size: 2, at: T0 + 22_000 });
  assert.deepEqual(s.logs.map((l) => l.message), ["trials done"]);
  assert.equal(s.errorCount, 1);
  assert.equal(s.rejected, 1);
  assert.equal(s.events, 10); // the other run's log line is not counted
  assert.equal(overallEtaSeconds(s), 40); // t0: 80 left at 2 per second; t1 done
});

Deno.test("reduceMonitor() does not modify the state it is given", () => {
  const inputs = script();
  const before = play(inputs.slice(0, 5));
  const snapshot = renderMonitor(before);
  reduceMonitor(before, inputs[5]!);
  reduceMonitor(before, inputs[6]!);
  assert.equal(renderMonitor(before), snapshot);
});

Deno.test("reduceMonitor() restarts a trial's rate when its phase changes", () => {
  const run = "run1";
  const s = play([
    ev({ type: "progress", v, run, at: T0, trialId: "t0", phase: "a", done: 0, total: 10 }),
    ev({ type: "progress", v, run, at: T0 + 1000, trialId: "t0", phase: "a", done: 5, total: 10 }),
    ev({ type: "progress", v, run, at: T0 + 9000, trialId: "t0", phase: "b", done: 0, total: 10 }),
    ev({
      type: "progress",
      v,
      run,
      at: T0 + 19_000,
      trialId: "t0",
      phase: "b",
      done: 2,
      total: 10,
    }),
  ]);
  assert.equal(overallEtaSeconds(s), 40);
});

Deno.test("renderMonitor() shows workers, progress bars, best so far, front, log, errors and ETA", () => {
  const text = renderMonitor(play(script()));
  for (
    const expected of [
      "tailor monitor  run run1  events 10  rejected 1  running ETA 40s",
      "workers: 1 live, 1 lost",
      "tasks:",
      "w1               busy     1/2 jobs  seen 4s ago",
      "run1/t0          supernet     [####                ]  20% 20/100  ETA 40s",
      "run1/t1          finetune     [####################] 100% 10/10  ETA 0s",
      "run1/t0          c1       accuracy 0.9000  latencyMs 4",
      "front: 2 points (run run1, 12:00:22)",
      "12:00:22 info coordinator: trials done",
      "errors: 1",
      "last rejected: tailor.run1.events: not JSON",
    ]
  ) assert.ok(text.includes(expected), `missing ${JSON.stringify(expected)} in\n${text}`);
});

Deno.test("renderSummary() is one line", () => {
  const line = renderSummary(play(script()));
  assert.equal(
    line,
    "12:00:24 workers 1/2  tasks 1/2 done  best 1  errors 1  rejected 1  running ETA 40s",
  );
  assert.equal(formatSeconds(3723), "1h02m03s");
  assert.equal(formatSeconds(NaN), "?");
});

Deno.test("monitorInput() turns garbage, wrong versions and work messages into rejections", () => {
  const te = new TextEncoder();
  const kinds = [
    new Uint8Array([0xff, 0x00, 0x13]),
    te.encode("{not json"),
    te.encode(JSON.stringify({ type: "log", v: 99, run: "r", at: 0 })),
    te.encode(JSON.stringify({ type: "progress", v, run: "r", at: 0 })),
    encode({
      type: "job",
      v,
      run: "r",
      trialId: "t",
      jobId: "j",
      kind: "trial",
      attempt: 1,
      spec: null,
    }),
  ].map((b) => monitorInput("s", b, 0).kind);
  assert.deepEqual(kinds, ["rejected", "rejected", "rejected", "rejected", "rejected"]);
  assert.equal(monitorInput("s", encode(hb("w1", "idle")), 0).kind, "heartbeat");
});

Deno.test("startMonitor() over NATS counts garbage as rejected and keeps following the run", async () => {
  const server = await startNatsServer();
  const bus = await connectNatsBus({ servers: server.url });
  const written: string[] = [];
  const sink = {
    writeSync: (b: Uint8Array) => (written.push(new TextDecoder().decode(b)), b.length),
    isTerminal: () => false,
  };
  try {
    const monitor = startMonitor(bus, subjects, { run: "run1", out: sink, intervalMs: 0 });
    const events = subjects.events("run1");
    bus.publish(events, new Uint8Array([1, 2, 3, 4]));
    bus.publish(events, new TextEncoder().encode('{"type":"progress"'));
    bus.publish(subjects.heartbeat("w1"), new Uint8Array(0));
    bus.publish(subjects.heartbeat("w1"), encode(hb("w1", "busy")));
    bus.publish(
      events,
      encode({
        type: "progress",
        v,
        run: "run1",
        at: 1,
        trialId: "t0",
        phase: "p",
        done: 1,
        total: 4,
      }),
    );
    const deadline = Date.now() + 5000;
    while (monitor.state().events < 1 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const s = monitor.state();
    assert.equal(s.rejected, 3);
    assert.equal(s.events, 1);
    assert.equal(s.workers.get("w1")?.state, "busy");
    monitor.draw();
    assert.match(written.at(-1)!, /workers 1\/1 {2}tasks 0\/1 done .* rejected 3/);
    monitor.stop();
  } finally {
    await bus.close();
    await server.stop();
  }
});
