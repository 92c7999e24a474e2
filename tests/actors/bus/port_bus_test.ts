import assert from "node:assert/strict";
import { type Bus, BusClosedError } from "../../../actors/bus/bus.ts";
import { InProcessBus } from "../../../actors/bus/in_process.ts";
import { bridgePort } from "../../../actors/bus/port_bridge.ts";
import { PortBus } from "../../../actors/bus/port_bus.ts";
import { PORT_BUS_VERSION } from "../../../actors/bus/port_protocol.ts";
import { conformanceCases } from "./conformance.ts";

/** A PortBus over a MessageChannel, bridged onto a fresh InProcessBus. */
function portPair(options: { transfer?: boolean } = {}) {
  const main = new InProcessBus();
  const { port1, port2 } = new MessageChannel();
  const bridgeErrors: Error[] = [];
  const bridge = bridgePort(main, port1, { onError: (e) => bridgeErrors.push(e) });
  const errors: unknown[] = [];
  const bus = new PortBus(port2, { ...options, onHandlerError: (_s, e) => errors.push(e) });
  const close = async () => {
    await bus.close();
    await bridge.closed;
    await main.close();
  };
  return { main, bus, bridge, bridgeErrors, errors, close };
}

for (
  const [name, body] of conformanceCases((onHandlerError) => {
    const main = new InProcessBus();
    const { port1, port2 } = new MessageChannel();
    const bridge = bridgePort(main, port1);
    const bus = new PortBus(port2, { onHandlerError });
    const close = bus.close.bind(bus);
    return Promise.resolve(Object.assign(bus, {
      close: async () => {
        await close();
        await bridge.closed;
        await main.close();
      },
    }) as Bus);
  })
) {
  Deno.test(`PortBus ${name}`, body);
}

Deno.test("PortBus shares queue groups with subscribers on the main bus", async () => {
  const p = portPair();
  const got = { port: 0, main: 0 };
  p.bus.subscribe("q.x", () => void got.port++, { queue: "g" });
  p.main.subscribe("q.x", () => void got.main++, { queue: "g" });
  await p.bus.flush();
  for (let i = 0; i < 10; i++) p.main.publish("q.x", new Uint8Array([i]));
  while (got.port + got.main < 10) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(got, { port: 5, main: 5 });
  await p.close();
});

Deno.test("PortBus copies a payload it sends unless transfer is on", async () => {
  for (const transfer of [false, true]) {
    const p = portPair({ transfer });
    const seen: number[] = [];
    p.main.subscribe("t.x", (m) => void seen.push(m.data.length));
    await p.bus.flush();
    const whole = new Uint8Array([1, 2, 3]);
    const view = new Uint8Array([9, 1, 2, 3, 4]).subarray(1, 3);
    p.bus.publish("t.x", whole);
    p.bus.publish("t.x", view);
    while (seen.length < 2) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(seen, [3, 2]);
    assert.equal(whole.length, transfer ? 0 : 3, `transfer: ${transfer}`);
    assert.equal(view.length, 2); // a view into a larger buffer is always copied
    await p.close();
  }
});

Deno.test("bridgePort() leaves the main bus's payload intact for its other subscribers", async () => {
  const p = portPair();
  const payload = new Uint8Array([5, 6, 7]);
  let portGot: Uint8Array | undefined;
  p.bus.subscribe("s.x", (m) => void (portGot = m.data));
  let mainGot: Uint8Array | undefined;
  p.main.subscribe("s.x", (m) => void (mainGot = m.data));
  await p.bus.flush();
  p.main.publish("s.x", payload);
  while (portGot === undefined) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual([...portGot], [5, 6, 7]);
  assert.deepEqual([...payload], [5, 6, 7]);
  assert.equal(mainGot, payload);
  await p.close();
});

Deno.test("bridgePort() drops the worker's subscriptions when the port bus closes", async () => {
  const p = portPair();
  p.bus.subscribe("c.x", () => {});
  await p.bus.flush();
  await p.bus.close();
  await p.bridge.closed;
  await assert.rejects(p.main.request("c.x", new Uint8Array(1)), { name: "NoRespondersError" });
  await assert.rejects(p.bus.request("c.x", new Uint8Array(1)), BusClosedError);
  await p.main.close();
});

Deno.test("bridgePort() gives back a queue request the worker never answered", async () => {
  const p = portPair();
  let taken = 0;
  p.bus.subscribe("job.x", () => void taken++, { queue: "w" }); // takes it, never answers
  await p.bus.flush();
  const answer = p.main.request("job.x", new Uint8Array([3]), { timeoutMs: 5000 });
  while (taken === 0) await new Promise((r) => setTimeout(r, 5));
  p.main.subscribe("job.x", (m) => void m.respond(new Uint8Array([m.data[0]! * 2])), {
    queue: "w",
  });
  p.bridge.close(); // the worker is gone
  assert.deepEqual([...await answer], [6]);
  await p.bus.close();
  await p.main.close();
});

Deno.test("bridgePort() reports a port message of another version and keeps going", async () => {
  const main = new InProcessBus();
  const { port1, port2 } = new MessageChannel();
  const errors: Error[] = [];
  const bridge = bridgePort(main, port1, { onError: (e) => errors.push(e) });
  port2.postMessage({
    v: PORT_BUS_VERSION + 1,
    type: "pub",
    subject: "a",
    data: new Uint8Array(1),
  });
  port2.postMessage({ v: PORT_BUS_VERSION, type: "nope" });
  port2.postMessage({ v: PORT_BUS_VERSION, type: "close" });
  await bridge.closed;
  assert.equal(errors.length, 2);
  assert.match(errors[0]!.message, /version 2: expected version 1/);
  assert.match(errors[1]!.message, /unknown port message type "nope"/);
  port2.close();
  await main.close();
});
