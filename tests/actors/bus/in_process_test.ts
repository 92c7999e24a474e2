import assert from "node:assert/strict";
import { BusClosedError } from "../../../actors/bus/bus.ts";
import { InProcessBus } from "../../../actors/bus/in_process.ts";
import { conformanceCases } from "./conformance.ts";

for (
  const [name, body] of conformanceCases((onHandlerError) =>
    Promise.resolve(new InProcessBus({ onHandlerError }))
  )
) {
  Deno.test(`InProcessBus ${name}`, body);
}

Deno.test("InProcessBus rejects a payload above maxPayload with RangeError", async () => {
  const bus = new InProcessBus({ maxPayload: 8 });
  assert.throws(() => bus.publish("a", new Uint8Array(9)), RangeError);
  await bus.close();
});

Deno.test("InProcessBus rejects wildcards in a publish subject with TypeError", async () => {
  const bus = new InProcessBus();
  assert.throws(() => bus.publish("a.*", new Uint8Array(1)), TypeError);
  assert.throws(() => bus.subscribe("a.>.b", () => {}), TypeError);
  await bus.close();
});

Deno.test("InProcessBus close() rejects pending requests with BusClosedError", async () => {
  const bus = new InProcessBus();
  bus.subscribe("mute", () => {});
  const pending = bus.request("mute", new Uint8Array(1), { timeoutMs: 5000 });
  await bus.close();
  await assert.rejects(pending, BusClosedError);
  assert.throws(() => bus.publish("a", new Uint8Array(1)), BusClosedError);
});
