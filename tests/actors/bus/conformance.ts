/**
 * The conformance suite every `Bus` implementation runs. `makeBus` returns a fresh bus
 * (with handler errors routed to `onHandlerError`); the suite closes what it opens.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  type Bus,
  type HandlerErrorListener,
  NoRespondersError,
  RequestTimeoutError,
} from "../../../actors/bus/bus.ts";

/** Builds a bus for one test. */
export type BusFactory = (onHandlerError: HandlerErrorListener) => Promise<Bus>;

const te = new TextEncoder();
const td = new TextDecoder();
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error("condition not reached in time");
    await wait(5);
  }
}

/** The cases, as (name, body) pairs, so a runner can wrap each in `Deno.test` or `t.step`. */
export function conformanceCases(makeBus: BusFactory): [string, () => Promise<void>][] {
  const withBus = (body: (bus: Bus, errors: unknown[]) => Promise<void>) => async () => {
    const errors: unknown[] = [];
    const bus = await makeBus((_s, e) => errors.push(e));
    try {
      await body(bus, errors);
    } finally {
      await bus.close();
    }
  };
  return [
    [
      "delivers a publish to every plain subscriber, in order",
      withBus(async (bus) => {
        const a: string[] = [];
        const b: string[] = [];
        bus.subscribe("t.x", (m) => void a.push(td.decode(m.data)));
        bus.subscribe("t.x", (m) => void b.push(td.decode(m.data)));
        await bus.flush();
        for (const s of ["1", "2", "3"]) bus.publish("t.x", te.encode(s));
        await until(() => a.length === 3 && b.length === 3);
        assert.deepEqual(a, ["1", "2", "3"]);
        assert.deepEqual(b, ["1", "2", "3"]);
      }),
    ],
    [
      "matches * to one token and > to one or more",
      withBus(async (bus) => {
        const star: string[] = [];
        const tail: string[] = [];
        bus.subscribe("w.*.hb", (m) => void star.push(m.subject));
        bus.subscribe("w.>", (m) => void tail.push(m.subject));
        await bus.flush();
        for (const s of ["w.a.hb", "w.a.b.hb", "w.b", "x.a.hb"]) bus.publish(s, te.encode(s));
        await bus.flush();
        await until(() => tail.length === 3);
        await wait(20);
        assert.deepEqual(star, ["w.a.hb"]);
        assert.deepEqual(tail, ["w.a.hb", "w.a.b.hb", "w.b"]);
      }),
    ],
    [
      "delivers each message to one member of a queue group",
      withBus(async (bus) => {
        const got: number[] = [0, 0];
        let plain = 0;
        bus.subscribe("q.jobs", () => void got[0]!++, { queue: "workers" });
        bus.subscribe("q.jobs", () => void got[1]!++, { queue: "workers" });
        bus.subscribe("q.jobs", () => void plain++);
        await bus.flush();
        for (let i = 0; i < 40; i++) bus.publish("q.jobs", te.encode(String(i)));
        await until(() => got[0]! + got[1]! === 40 && plain === 40);
        await wait(20);
        assert.equal(got[0]! + got[1]!, 40);
      }),
    ],
    [
      "answers a request with the responder's reply",
      withBus(async (bus) => {
        bus.subscribe("svc.echo", (m) => void m.respond(te.encode(`re:${td.decode(m.data)}`)));
        await bus.flush();
        const reply = await bus.request("svc.echo", te.encode("hi"), { timeoutMs: 2000 });
        assert.equal(td.decode(reply), "re:hi");
      }),
    ],
    [
      "rejects a request nobody answers with RequestTimeoutError",
      withBus(async (bus) => {
        bus.subscribe("svc.mute", () => {});
        await bus.flush();
        await assert.rejects(
          bus.request("svc.mute", te.encode("?"), { timeoutMs: 100 }),
          RequestTimeoutError,
        );
      }),
    ],
    [
      "rejects a request without subscribers with NoRespondersError",
      withBus(async (bus) => {
        await assert.rejects(
          bus.request("svc.none", te.encode("?"), { timeoutMs: 1000 }),
          NoRespondersError,
        );
      }),
    ],
    [
      "stops delivering after unsubscribe",
      withBus(async (bus) => {
        let n = 0;
        const sub = bus.subscribe("u.x", () => void n++);
        await bus.flush();
        bus.publish("u.x", te.encode("1"));
        await until(() => n === 1);
        sub.unsubscribe();
        sub.unsubscribe();
        await bus.flush();
        bus.publish("u.x", te.encode("2"));
        await bus.flush();
        await wait(30);
        assert.equal(n, 1);
      }),
    ],
    [
      "survives a handler that throws or rejects, and reports it",
      withBus(async (bus, errors) => {
        const ok: string[] = [];
        bus.subscribe("e.x", () => {
          throw new Error("boom");
        });
        bus.subscribe("e.x", () => Promise.reject(new Error("async boom")));
        bus.subscribe("e.x", (m) => void ok.push(td.decode(m.data)));
        await bus.flush();
        bus.publish("e.x", te.encode("a"));
        bus.publish("e.x", te.encode("b"));
        await until(() => ok.length === 2 && errors.length === 4);
        assert.deepEqual(ok, ["a", "b"]);
        bus.subscribe("e.echo", (m) => void m.respond(m.data));
        await bus.flush();
        assert.equal(td.decode(await bus.request("e.echo", te.encode("alive"))), "alive");
      }),
    ],
    [
      "carries a payload of max size byte for byte",
      withBus(async (bus) => {
        const size = Math.min(bus.maxPayload, 1 << 20) - 1024;
        const data = new Uint8Array(size).map((_, i) => i * 7);
        bus.subscribe("big.x", (m) => void m.respond(m.data));
        await bus.flush();
        const back = await bus.request("big.x", data, { timeoutMs: 5000 });
        assert.deepEqual(back, data);
      }),
    ],
    [
      "sends a payload given as parts as their bytes joined, in order",
      withBus(async (bus) => {
        const got: Uint8Array[] = [];
        bus.subscribe("parts.x", (m) => void got.push(m.data));
        bus.subscribe("parts.echo", (m) => void m.respond(m.data));
        await bus.flush();
        // Small and large parts (the large ones are written without joining on NATS).
        const big = new Uint8Array(200_000).map((_, i) => i * 13);
        const parts = [te.encode("head:"), big, new Uint8Array(0), te.encode(":tail")];
        const joined = new Uint8Array([...parts[0]!, ...big, ...parts[3]!]);
        bus.publish("parts.x", parts);
        bus.publish("parts.x", [te.encode("one")]);
        await until(() => got.length === 2);
        assert.deepEqual(got[0], joined);
        assert.equal(td.decode(got[1]), "one");
        assert.deepEqual(await bus.request("parts.echo", parts, { timeoutMs: 5000 }), joined);
      }),
    ],
    [
      "rejects parts that are not all byte buffers with TypeError, sending nothing",
      withBus(async (bus) => {
        const got: Uint8Array[] = [];
        bus.subscribe("parts.bad", (m) => void got.push(m.data));
        await bus.flush();
        const bad = [te.encode("a"), "b"] as unknown as Uint8Array[];
        assert.throws(() => bus.publish("parts.bad", bad), TypeError);
        await assert.rejects(() => bus.request("parts.bad", bad, { timeoutMs: 200 }), TypeError);
        bus.publish("parts.bad", te.encode("after"));
        await until(() => got.length === 1);
        assert.equal(td.decode(got[0]), "after");
      }),
    ],
  ];
}
