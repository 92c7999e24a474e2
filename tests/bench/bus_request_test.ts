import assert from "node:assert/strict";
import { connectNatsBus, type NatsBus } from "../../actors/bus/nats.ts";
import { startNatsServer } from "../../actors/nats_server.ts";
import { benchRequest, REQUEST_PEER, serveSmallPulls } from "../../bench/bus_request.ts";
import { assertBenchRecord } from "../../bench/record.ts";
import { openRawFloor } from "../../bench/bus_floor.ts";
import { openPythonFloor } from "../../bench/bus_floor_python.ts";
import { compileCFloor, openCFloor } from "../../bench/bus_floor_c.ts";

/** Whether `python3` runs here (the Python floor needs it; the bench records without it). */
const hasPython = await new Deno.Command("python3", { args: ["-c", ""] }).output()
  .then((o) => o.success, () => false);

/** Whether `cc` runs here (the C floors need it; the bench records without them). */
const hasCc = await new Deno.Command(Deno.env.get("CC") || "cc", { args: ["--version"] }).output()
  .then((o) => o.success, () => false);

/** A server with a requester and a responder serving small pulls on "t.pull". */
async function withSite(
  fn: (site: { url: string; requester: NatsBus }) => Promise<void>,
): Promise<void> {
  const server = await startNatsServer();
  const requester = await connectNatsBus({ servers: server.url });
  const responder = await connectNatsBus({ servers: server.url });
  try {
    serveSmallPulls(responder, "t.pull");
    await responder.flush();
    await fn({ url: server.url, requester });
  } finally {
    await requester.close();
    await responder.close();
    await server.stop();
  }
}

Deno.test("benchRequest() times our round trips and the stock client's in alternation", () =>
  withSite(async ({ url, requester }) => {
    const lines: string[] = [];
    const r = await benchRequest({
      requester,
      subject: "t.pull",
      url,
      withPeer: true,
      extra: { transport: "deno-tcp" },
      timing: { warmup: 2, reps: 20, budgetMs: 5000 },
      log: (l) => lines.push(l),
    });
    assertBenchRecord(r);
    assert.equal(r.error, undefined, String(r.error));
    assert.equal(r.case, "request-reply-small");
    assert.equal(r.n, 20);
    assert.equal(r.peer, REQUEST_PEER);
    assert.equal(r.peerN, 20);
    assert.equal(r.peerTransport, "node");
    assert.ok(typeof r.ratio === "number" && r.ratio > 0);
    assert.equal(r.rawFloorSamples, 20);
    assert.ok(typeof r.rawFloorMedianUs === "number" && r.rawFloorMedianUs > 0);
    assert.ok(Number(r.rawFloorMinUs) <= Number(r.rawFloorMedianUs));
    const floors = [
      ["pythonFloor", hasPython],
      ["cFloor", hasCc],
      ["cSpinFloor", hasCc],
    ] as const;
    for (const [name, runs] of floors) {
      if (runs) {
        assert.equal(r[`${name}Samples`], 20, name);
        const median = Number(r[`${name}MedianUs`]);
        assert.ok(median > 0, `${name}: ${median}`);
        assert.ok(Number(r[`${name}MinUs`]) <= median, name);
      } else {
        assert.equal(r[`${name}Samples`], undefined, name);
      }
    }
    // A machine without Python or a C compiler logs each floor it cannot run.
    assert.equal(lines.length, floors.filter(([, runs]) => !runs).length, lines.join("\n"));
  }));

Deno.test("openRawFloor() round-trips a request through nats-server with bare sockets", async () => {
  const server = await startNatsServer();
  const floor = await openRawFloor(server.url, "t.floor", new Uint8Array([1, 2, 3]), 70);
  try {
    for (let i = 0; i < 3; i++) {
      const reply = await floor.roundTrip() as Uint8Array;
      assert.equal(reply.length, 70);
    }
  } finally {
    floor.close();
    await server.stop();
  }
});

Deno.test("openRawFloor() sends chunks as messages of their own, the last asking for the reply", async () => {
  const server = await startNatsServer({ maxPayload: 1024 });
  const chunks = [new Uint8Array(1000), new Uint8Array(1000), new Uint8Array(10)];
  const floor = await openRawFloor(server.url, "t.floor", chunks, 70);
  try {
    // 2010 bytes exceed the 1 KiB max payload as one message: only chunks get through.
    for (let i = 0; i < 3; i++) assert.equal((await floor.roundTrip() as Uint8Array).length, 70);
  } finally {
    floor.close();
    await server.stop();
  }
  await assert.rejects(() => openRawFloor(server.url, "t.floor", [], 70), /without a payload/);
});

Deno.test({
  name: "openPythonFloor() times round trips through nats-server with blocking sockets",
  ignore: !hasPython,
}, async () => {
  const server = await startNatsServer();
  const floor = await openPythonFloor(server.url, "t.pyfloor", 30, 70);
  try {
    for (let i = 0; i < 3; i++) {
      const us = await floor.roundTrip();
      assert.ok(us > 0 && us < 5e6, `${us} us`);
    }
  } finally {
    await floor.close();
    await server.stop();
  }
  await assert.rejects(
    () => openPythonFloor("nats://127.0.0.1:1", "t.pyfloor", 30, 70),
    /Python floor stopped: ConnectionRefusedError/,
  );
});

Deno.test({
  name: "openCFloor() times round trips through nats-server, blocking or spinning",
  ignore: !hasCc,
}, async () => {
  const server = await startNatsServer();
  try {
    for (const mode of ["block", "spin"] as const) {
      const floor = await openCFloor(server.url, `t.cfloor.${mode}`, 30, 70, mode);
      try {
        for (let i = 0; i < 3; i++) {
          const us = await floor.roundTrip();
          assert.ok(us > 0 && us < 5e6, `${mode}: ${us} us`);
        }
      } finally {
        await floor.close();
      }
    }
  } finally {
    await server.stop();
  }
  // Nothing listens on port 1: the error carries the floor's own reason.
  await assert.rejects(
    () => openCFloor("nats://127.0.0.1:1", "t.cfloor", 30, 70, "block"),
    /C floor \(block\) stopped: bus_floor: connect: Connection refused/,
  );
});

Deno.test("compileCFloor() names the compiler it could not run", async () => {
  const dir = await Deno.makeTempDir();
  const was = Deno.env.get("CC");
  Deno.env.set("CC", "tailor-no-such-cc");
  try {
    await assert.rejects(() => compileCFloor(dir), /no C compiler \(tailor-no-such-cc\)/);
  } finally {
    if (was === undefined) Deno.env.delete("CC");
    else Deno.env.set("CC", was);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("benchRequest() records our figures without a peer when the peer cannot connect", () =>
  withSite(async ({ requester }) => {
    const lines: string[] = [];
    const r = await benchRequest({
      requester,
      subject: "t.pull",
      url: "nats://127.0.0.1:1", // nothing listens: the peer fails, ours still runs
      withPeer: true,
      extra: {},
      timing: { warmup: 1, reps: 5, budgetMs: 5000 },
      log: (l) => lines.push(l),
    });
    assert.equal(r.error, undefined, String(r.error));
    assert.equal(r.n, 5);
    assert.equal(r.peer, null);
    assert.equal(r.peerTransport, undefined);
    assert.equal(r.rawFloorSamples, undefined);
    assert.equal(r.pythonFloorSamples, undefined);
    assert.equal(r.cFloorSamples, undefined);
    assert.equal(r.cSpinFloorSamples, undefined);
    assert.equal(lines.length, 5, "the peer's and each floor's failure are logged once each");
    assert.match(lines.join("\n"), /Python floor failed/);
    assert.match(lines.join("\n"), /C floor \(block\) skipped/);
    assert.match(lines.join("\n"), /C floor \(spin\) skipped/);
  }));
