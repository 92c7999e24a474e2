import assert from "node:assert/strict";
import { benchCostClosedLoop } from "../../bench/cost_closed_loop.ts";
import type { BenchRecord } from "../../bench/record.ts";

function checkErrors(records: readonly BenchRecord[]): BenchRecord[] {
  const errors = records.filter((r) => r.metric === "latency_prediction_error");
  assert.deepEqual(errors.map((r) => r.case), ["cnn-s@0.5", "cnn-s@1"]);
  for (const r of errors) {
    const predicted = Number(r.predictedMs), measured = Number(r.measuredMs);
    assert.ok(predicted > 0 && measured > 0);
    assert.ok(Math.abs(r.value! - (predicted / measured - 1)) < 1e-12);
    assert.ok(measured >= Number(r.measuredMinMs), "a mean below the minimum");
    assert.match(String(r.statistic), /fences/);
    const vsMedian = predicted / Number(r.measuredMedianMs) - 1;
    assert.ok(Math.abs(Number(r.errorVsMedian) - vsMedian) < 1e-12);
  }
  // The smaller network is predicted cheaper and measured cheaper.
  assert.ok(Number(errors[0]!.predictedMs) < Number(errors[1]!.predictedMs));
  const shift = records.find((r) => r.metric === "latency_prediction_shared_shift");
  assert.ok(shift && shift.case === "all" && Number.isFinite(shift.value));
  return errors;
}

Deno.test("benchCostClosedLoop() measures local-wasm in the same session as the checked calls", async () => {
  const lines: string[] = [];
  const records = await benchCostClosedLoop({
    cases: ["cnn-s"],
    widths: [0.5, 1],
    reps: 6,
    warmup: 2,
    log: (l) => lines.push(l),
  });
  const errors = checkErrors(records);
  assert.ok(errors.every((r) => r.profileSource === "session" && r.profile === "local-wasm"));
  // The stored profile predicts the same calls beside, as a diagnostic.
  assert.ok(errors.every((r) => Number.isFinite(Number(r.errorWithStoredProfile))));
  assert.notEqual(errors[0]!.errorWithStoredProfile, errors[0]!.value);
  // cnn-s's profiling networks, and the two checked ones beside them in the same rounds.
  assert.ok(lines.some((l) => /inside \d+ networks \(and 2 more alongside\) x 6 rounds/.test(l)));
});

Deno.test("benchCostClosedLoop() checks a stored profile on its own", async () => {
  const records = await benchCostClosedLoop({
    cases: ["cnn-s"],
    widths: [0.5, 1],
    source: "stored",
    reps: 30,
    warmup: 3,
  });
  const errors = checkErrors(records);
  assert.ok(errors.every((r) => r.profileSource === "stored" && !("errorWithStoredProfile" in r)));
  await assert.rejects(
    benchCostClosedLoop({ cases: ["cnn-s"], source: "stored", profile: "no-such-profile" }),
  );
});
