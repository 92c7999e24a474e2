import assert from "node:assert/strict";
import type { Bus } from "../../actors/bus/bus.ts";
import { InProcessBus } from "../../actors/bus/in_process.ts";
import { connectNatsBus } from "../../actors/bus/nats.ts";
import { decode, encode } from "../../actors/codec.ts";
import { startNatsServer } from "../../actors/nats_server.ts";
import { ParamClient } from "../../actors/param_client.ts";
import { ParamOptimizer } from "../../actors/param_optimizer.ts";
import { startParamServer, startParamServers } from "../../actors/param_server.ts";
import type { ParamMode, ParamTensor } from "../../actors/param_store.ts";
import {
  createSubjects,
  type ErrorEvent,
  type GradPushMessage,
  PROTOCOL_VERSION,
} from "../../actors/protocol.ts";

const subjects = createSubjects({ prefix: "t" });
const RUN = "r1";
const TRIAL = "t0";

function ramp(n: number, scale: number, shift = 0): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + shift) * scale);
}

const PARAMS: Record<string, ParamTensor> = {
  "conv.kernel": { shape: [3, 3, 1, 4], data: ramp(36, 0.5) },
  "dense.bias": { shape: [10], data: ramp(10, 0.1, 1) },
  "alpha": { shape: [3, 2], data: ramp(6, 1, 2) },
};

function gradsFor(seed: number): Record<string, Float32Array> {
  return Object.fromEntries(
    Object.entries(PARAMS).map(([n, p]) => [n, ramp(p.data.length, 0.3, seed)]),
  );
}

function client(bus: Bus, workerId: string, extra: { shards?: number; fp16?: boolean } = {}) {
  return new ParamClient(bus, { run: RUN, trialId: TRIAL, workerId, subjects, ...extra });
}

function serve(bus: Bus, mode: ParamMode, lr = 0.5) {
  return startParamServer(bus, {
    run: RUN,
    trialId: TRIAL,
    subjects,
    params: PARAMS,
    optimizer: { kind: "sgd", lr },
    mode,
  });
}

function collectErrors(bus: Bus): ErrorEvent[] {
  const out: ErrorEvent[] = [];
  bus.subscribe(subjects.events(RUN), (m) => {
    const e = decode(m.data);
    if (e.type === "error") out.push(e);
  });
  return out;
}

/** Two sync workers, `steps` steps; returns the parameters every worker ends with. */
async function trainTwo(bus: Bus, steps: number, shards: number) {
  const a = client(bus, "wa", { shards });
  const b = client(bus, "wb", { shards });
  for (let s = 0; s < steps; s++) {
    await Promise.all([a.pull(), b.pull()]);
    const acks = await Promise.all([
      a.push(gradsFor(s), { step: s }),
      b.push(gradsFor(s + 10), { step: s }),
    ]);
    assert.ok(acks.every((r) => r.accepted && r.versions.every((v) => v === s + 1)));
  }
  const { params, version } = await a.pull();
  return { params, version };
}

Deno.test("sync averaging of two workers equals one step on the averaged gradient (SGD, exact)", async () => {
  const bus = new InProcessBus();
  const server = serve(bus, { kind: "sync", workers: 2 });
  const { params, version } = await trainTwo(bus, 1, 1);
  const reference = new ParamOptimizer({ kind: "sgd", lr: 0.5 });
  const g1 = gradsFor(0);
  const g2 = gradsFor(10);
  for (const [name, p] of Object.entries(PARAMS)) {
    const want = p.data.slice();
    const avg = g1[name]!.map((g, i) => (g + g2[name]![i]!) / 2);
    reference.step(name, want, avg);
    assert.deepEqual(params[name], want, name);
    assert.notDeepEqual(want, p.data);
  }
  assert.equal(version, 1);
  server.stop();
  await bus.close();
});

Deno.test("a sync push for an old version is refused with stale-version", async () => {
  const bus = new InProcessBus();
  const errors = collectErrors(bus);
  const server = serve(bus, { kind: "sync", workers: 1 });
  const a = client(bus, "wa");
  await a.pull();
  assert.ok((await a.push(gradsFor(0), { step: 0 })).accepted);
  const late = await a.push(gradsFor(1), { step: 1, baseVersion: 0 });
  assert.equal(late.accepted, false);
  assert.match(late.acks[0]!.reason!, /^stale-version/);
  assert.equal(late.versions[0], 1);
  assert.ok(errors.some((e) => e.reason === "stale-version"));
  server.stop();
  await bus.close();
});

Deno.test("async mode applies gradients within the staleness bound and refuses older ones", async () => {
  const bus = new InProcessBus();
  const server = serve(bus, { kind: "async", staleness: 1 });
  const [a, b, c] = [client(bus, "wa"), client(bus, "wb"), client(bus, "wc")];
  await Promise.all([a.pull(), b.pull(), c.pull()]);
  assert.deepEqual((await a.push(gradsFor(0), { step: 0 })).versions, [1]);
  assert.deepEqual((await b.push(gradsFor(1), { step: 0 })).versions, [2]); // 1 behind: applied
  const refused = await c.push(gradsFor(2), { step: 0 }); // 2 behind
  assert.equal(refused.accepted, false);
  assert.match(refused.acks[0]!.reason!, /^stale-version/);
  assert.equal(server.version(), 2);
  server.stop();
  await bus.close();
});

Deno.test("tensors larger than the max payload travel in chunks both ways", async () => {
  const bus = new InProcessBus({ maxPayload: 2048 });
  const big = { w: { shape: [50, 60], data: ramp(3000, 1) } };
  const server = startParamServer(bus, {
    run: RUN,
    trialId: TRIAL,
    subjects,
    params: big,
    optimizer: { kind: "sgd", lr: 1 },
    mode: { kind: "sync", workers: 1 },
  });
  const a = client(bus, "wa");
  const first = await a.pull();
  assert.deepEqual(first.params.w, big.w.data);
  const buffer = first.params.w;
  const grad = ramp(3000, 0.25, 3);
  assert.ok((await a.push({ w: grad }, { step: 0 })).accepted);
  const second = await a.pull();
  assert.equal(second.params.w, buffer, "the pulled buffer is reused");
  assert.deepEqual(second.params.w, big.w.data.map((x, i) => x - grad[i]!));
  assert.equal((await a.pull()).changed, false);
  const stats = server.stats();
  assert.ok(stats.pulls >= 14 && stats.unchanged === 1, JSON.stringify(stats));
  server.stop();
  await bus.close();
});

Deno.test("two shards give the same parameters as one", async () => {
  const one = new InProcessBus({ maxPayload: 1024 });
  const s1 = serve(one, { kind: "sync", workers: 2 });
  const single = await trainTwo(one, 3, 1);
  const two = new InProcessBus({ maxPayload: 1024 });
  const servers = startParamServers(two, {
    run: RUN,
    trialId: TRIAL,
    subjects,
    params: PARAMS,
    optimizer: { kind: "sgd", lr: 0.5 },
    mode: { kind: "sync", workers: 2 },
    shards: 2,
  });
  assert.ok(servers.every((s) => s.names.length > 0));
  const sharded = await trainTwo(two, 3, 2);
  assert.deepEqual(sharded.params, single.params);
  assert.equal(sharded.version, 3);
  for (const s of [s1, ...servers]) s.stop();
  await one.close();
  await two.close();
});

Deno.test("fp16 gradients arrive within half-precision tolerance", async () => {
  const bus = new InProcessBus();
  const server = serve(bus, { kind: "sync", workers: 1 }, 1);
  const a = client(bus, "wa", { fp16: true });
  await a.pull();
  const g = gradsFor(4);
  assert.ok((await a.push(g, { step: 0 })).accepted);
  const { params } = await a.pull();
  for (const [name, p] of Object.entries(PARAMS)) {
    p.data.forEach((x, i) => {
      const got = x - params[name]![i]!;
      assert.ok(Math.abs(got - g[name]![i]!) <= 2 ** -11 * Math.abs(g[name]![i]!) + 1e-6, name);
    });
  }
  server.stop();
  await bus.close();
});

Deno.test("bad messages get error events and the server keeps serving", async () => {
  const bus = new InProcessBus();
  const errors = collectErrors(bus);
  const server = serve(bus, { kind: "sync", workers: 1 });
  const pull = subjects.paramPull(RUN, TRIAL, 0);
  const push = subjects.gradPush(RUN, TRIAL, 0);
  const good: GradPushMessage = {
    type: "grad-push",
    v: PROTOCOL_VERSION,
    run: RUN,
    trialId: TRIAL,
    shard: 0,
    workerId: "evil",
    step: 0,
    baseVersion: 0,
    chunk: { transfer: "x", index: 0, count: 1 },
    parts: [],
  };
  const frame = (over: Record<string, unknown>) => encode({ ...good, ...over } as GradPushMessage);
  const grad = (name: string, shape: number[], n: number) => ({
    name,
    shape,
    offset: 0,
    slice: { dtype: "float32" as const, shape: [n], data: new Float32Array(n) },
  });
  const cases: [string, Uint8Array][] = [
    ["garbage", new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9])],
    ["truncated", frame({}).subarray(0, 20)],
    ["unknown-version", frame({ v: 99 })],
    ["unknown-run", frame({ run: "other" })],
    ["unknown-trial", frame({ trialId: "t9" })],
    ["unknown-variable", frame({ parts: [grad("nope", [2], 2)] })],
    ["shape-mismatch", frame({ parts: [grad("alpha", [1_000_000_000], 6)] })],
    ["future-version", frame({ baseVersion: 7, parts: [grad("alpha", [3, 2], 6)] })],
  ];
  for (const [reason, bytes] of cases) {
    const reply = decode(await bus.request(push, bytes));
    const why = reply.type === "error"
      ? reply.reason
      : reply.type === "grad-ack"
      ? reply.reason
      : "";
    assert.ok(why?.startsWith(reason), `${reason}: got ${JSON.stringify(why)}`);
    assert.ok(errors.some((e) => e.reason === reason), reason);
  }
  const pullReply = decode(await bus.request(pull, frame({})));
  assert.equal(pullReply.type === "error" && pullReply.reason, "unexpected-type");
  bus.publish(push, new Uint8Array(3)); // no reply subject: reported only
  const a = client(bus, "wa");
  await a.pull();
  assert.ok((await a.push(gradsFor(0), { step: 0 })).accepted);
  assert.equal(server.version(), 1);
  assert.ok(errors.length >= cases.length + 2);
  server.stop();
  await bus.close();
});

Deno.test("sync training through a real nats-server matches the in-process bus", async () => {
  const nats = await startNatsServer({ maxPayload: 4096 });
  const bus = await connectNatsBus({ servers: nats.url });
  try {
    assert.equal(bus.maxPayload, 4096);
    const big = { ...PARAMS, "big": { shape: [5000], data: ramp(5000, 0.2, 5) } };
    const start = (b: Bus) =>
      startParamServers(b, {
        run: RUN,
        trialId: TRIAL,
        subjects,
        params: big,
        optimizer: { kind: "adam", lr: 0.01 },
        mode: { kind: "sync", workers: 2 },
        shards: 2,
      });
    const servers = start(bus);
    const run = async (b: Bus) => {
      const [a, c] = [client(b, "wa", { shards: 2 }), client(b, "wb", { shards: 2 })];
      for (let s = 0; s < 2; s++) {
        const [pa] = await Promise.all([a.pull(), c.pull()]);
        const g = (seed: number) =>
          Object.fromEntries(
            Object.entries(pa.params).map(([n, p]) => [n, ramp(p.length, 1, seed)]),
          );
        const acks = await Promise.all([a.push(g(s), { step: s }), c.push(g(s + 3), { step: s })]);
        assert.ok(acks.every((r) => r.accepted));
      }
      return structuredClone((await a.pull()).params);
    };
    const overNats = await run(bus);
    const local = new InProcessBus();
    const localServers = start(local);
    assert.deepEqual(overNats, await run(local));
    for (const s of [...servers, ...localServers]) s.stop();
    await local.close();
  } finally {
    await bus.close();
    await nats.stop();
  }
});
