import assert from "node:assert/strict";
import { assertBenchRecord, errorRecord, makeRecord, ratioOf } from "../../bench/record.ts";

const key = { suite: "train", case: "cnn-s", metric: "train_step_ms", unit: "ms" };
const ours = { median: 30, min: 25, p90: 40, n: 10 };
const peer = { peer: "pytorch-cpu", summary: { median: 20, min: 18, p90: 22, n: 12 } };

Deno.test("makeRecord() fills value, peer fields and ratio = value / peerValue", () => {
  const r = makeRecord(key, ours, { peer });
  assert.equal(r.value, 30);
  assert.equal(r.peer, "pytorch-cpu");
  assert.equal(r.peerValue, 20);
  assert.equal(r.ratio, 1.5);
  assert.equal(r.peerN, 12);
  assert.equal(r.peerMin, 18);
  assert.equal(r.peerP90, 22);
  assertBenchRecord(r);
});

Deno.test("makeRecord() without a peer leaves peer, peerValue and ratio null", () => {
  const r = makeRecord(key, ours);
  assert.deepEqual([r.peer, r.peerValue, r.ratio], [null, null, null]);
  assertBenchRecord(r);
});

Deno.test("a record has the contract fields with their types and survives JSON", () => {
  const r = JSON.parse(JSON.stringify(makeRecord(key, ours, { peer, extra: { batch: 64 } })));
  for (const f of ["suite", "case", "metric", "unit"]) assert.equal(typeof r[f], "string");
  for (const f of ["value", "peerValue", "ratio"]) assert.equal(typeof r[f], "number");
  assert.equal(r.batch, 64);
  assertBenchRecord(r);
});

Deno.test("extra fields cannot overwrite the contract fields", () => {
  const r = makeRecord(key, ours, { extra: { value: -1, suite: "x" } });
  assert.equal(r.value, 30);
  assert.equal(r.suite, "train");
});

Deno.test("errorRecord() has a null value and ratio, and an error without colour codes", () => {
  const r = errorRecord(key, new TypeError("\x1b[31mno kernel\x1b[0m"), { peer });
  assert.equal(r.value, null);
  assert.equal(r.ratio, null);
  assert.equal(r.peerValue, 20);
  assert.equal(r.error, "TypeError: no kernel");
  assertBenchRecord(r);
});

Deno.test("ratioOf() is null when either side is missing or the peer is not positive", () => {
  assert.equal(ratioOf(null, 1), null);
  assert.equal(ratioOf(1, null), null);
  assert.equal(ratioOf(1, 0), null);
  assert.equal(ratioOf(3, 2), 1.5);
});

Deno.test("assertBenchRecord() rejects a wrong ratio, a missing field and a silent null", () => {
  const good = makeRecord(key, ours, { peer });
  assert.throws(() => assertBenchRecord({ ...good, ratio: 2 }), TypeError);
  assert.throws(() => assertBenchRecord({ ...good, metric: undefined }), TypeError);
  assert.throws(() => assertBenchRecord({ ...good, value: "30" }), TypeError);
  assert.throws(() => assertBenchRecord({ ...good, value: null, ratio: null }), TypeError);
  assert.throws(() => assertBenchRecord(null), TypeError);
});
