import assert from "node:assert/strict";
import { benchCostClosedLoop } from "../../bench/cost_closed_loop.ts";

Deno.test("benchCostClosedLoop() compares the predicted mean with the measured fenced mean", async () => {
  const records = await benchCostClosedLoop({
    cases: ["cnn-s"],
    widths: [0.5, 1],
    reps: 30,
    warmup: 3,
  });
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
});
