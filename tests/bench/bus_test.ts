import assert from "node:assert/strict";
import { benchBus, DEFAULT_SERVER_MAX_PAYLOAD, DEPLOY_MAX_PAYLOAD } from "../../bench/bus.ts";
import { assertBenchRecord } from "../../bench/record.ts";

Deno.test("benchBus() measures every case and records the server config it used", async () => {
  const records = await benchBus({ noPeer: true, warmup: 1, reps: 3, budgetMs: 5000 });
  for (const r of records) assertBenchRecord(r);
  const byCase = (name: string, metric: string) =>
    records.find((r) => r.case === name && r.metric === metric);
  const one = byCase("grad-push-4mb", "push_ack_ms");
  const chunked = byCase("grad-push-4mb-1mib-chunks", "push_ack_ms");
  const fp16 = byCase("grad-push-4mb-fp16", "push_ack_ms");
  const small = byCase("request-reply-small", "round_trip_us");
  for (const r of [one, chunked, fp16, small]) {
    assert.ok(r, "a case is missing");
    assert.equal(r.error, undefined, String(r.error));
    assert.ok(typeof r.value === "number" && r.value > 0);
  }
  assert.equal(one!.serverMaxPayload, DEPLOY_MAX_PAYLOAD);
  assert.equal(one!.chunks, 1);
  assert.equal(chunked!.serverMaxPayload, DEFAULT_SERVER_MAX_PAYLOAD);
  assert.equal(chunked!.chunks, 5);
  assert.ok(byCase("grad-push-4mb", "client_cpu_ms"));
  // Every push case runs its raw floor in the same rounds, chunked like the case.
  // ... and the same pushes with each frame joined into one buffer first.
  for (const r of [one, chunked, fp16]) {
    assert.equal(r!.rawFloorSamples, 3);
    assert.ok(Number(r!.rawFloorMinMs) > 0 && Number(r!.rawFloorMedianMs) > 0);
    assert.equal(r!.joinedSamples, 3);
    assert.ok(Number(r!.joinedMinMs) > 0 && Number(r!.joinedMedianMs) >= Number(r!.joinedMinMs));
    assert.ok(Number(r!.joinedMeanMs) >= Number(r!.joinedMinMs));
    assert.ok(
      Number(r!.pushMeanMs) >= Number(r!.min) && Number(r!.pushMeanMs) <= Number(r!.p90) * 3,
    );
  }
});
