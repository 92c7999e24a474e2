import assert from "node:assert/strict";
import { assertBenchRecord } from "../../../bench/record.ts";
import { trainSuite } from "../../../bench/suites/train.ts";

Deno.test("train suite times a train step and an inference of cnn-s on wasm without leaking", async () => {
  const lines: string[] = [];
  const records = await trainSuite.run({
    cases: ["cnn-s"],
    reps: 1,
    warmup: 0,
    noPeer: true,
    log: (l) => lines.push(l),
  });
  assert.deepEqual(records.map((r) => r.metric), ["train_step_ms", "infer_ms"]);
  for (const r of records) {
    assertBenchRecord(r);
    assert.equal(r.error, undefined, r.error);
    assert.ok((r.value ?? 0) > 0);
    assert.equal(r.peer, null);
    assert.equal(r.leakedTensors, 0);
    assert.equal(r.backend, "wasm");
  }
  assert.deepEqual(records.map((r) => r.batch), [64, 256]);
  assert.ok(lines.some((l) => /peer skipped/.test(l)));
});
