import assert from "node:assert/strict";
import { connectNatsBus, type NatsBus } from "../../actors/bus/nats.ts";
import { startNatsServer } from "../../actors/nats_server.ts";
import { benchRequest, REQUEST_PEER, serveSmallPulls } from "../../bench/bus_request.ts";
import { assertBenchRecord } from "../../bench/record.ts";
import { openRawFloor } from "../../bench/bus_floor.ts";

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
    assert.deepEqual(lines, []);
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
    assert.equal(lines.length, 2, "the peer's and the floor's failures are logged once each");
  }));
