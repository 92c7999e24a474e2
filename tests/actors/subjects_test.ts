import assert from "node:assert/strict";
import { subjectMatches } from "../../actors/bus/subject.ts";
import { createSubjects, DEFAULT_PREFIX } from "../../actors/protocol.ts";

Deno.test("createSubjects() builds every subject under the default prefix", () => {
  const s = createSubjects();
  assert.equal(s.prefix, DEFAULT_PREFIX);
  assert.equal(s.events("run-1"), "tailor.run-1.events");
  assert.equal(s.heartbeat("w_7"), "tailor.workers.w_7.heartbeat");
  assert.equal(s.jobs("run-1", "gradient-shard"), "tailor.run-1.jobs.gradient-shard");
  assert.equal(s.results("run-1"), "tailor.run-1.results");
  assert.equal(s.paramPull("run-1", "t3", 2), "tailor.run-1.params.t3.2.pull");
  assert.equal(s.gradPush("run-1", "t3", 2), "tailor.run-1.params.t3.2.grad");
});

Deno.test("wildcard subjects match exactly the concrete subjects they should", () => {
  const s = createSubjects({ prefix: "lab.a" });
  assert.ok(subjectMatches(s.allEvents(), s.events("r1")));
  assert.ok(subjectMatches(s.allHeartbeats(), s.heartbeat("w1")));
  assert.ok(subjectMatches(s.allJobs(), s.jobs("r1", "candidate-eval")));
  assert.ok(!subjectMatches(s.allEvents(), s.heartbeat("w1")));
  assert.ok(!subjectMatches(s.allJobs(), s.results("r1")));
});

Deno.test("createSubjects() rejects ids that are not one subject token", () => {
  const s = createSubjects();
  assert.throws(() => s.events("a.b"), TypeError);
  assert.throws(() => s.events("*"), TypeError);
  assert.throws(() => s.events("workers"), TypeError);
  assert.throws(() => s.heartbeat("w 1"), TypeError);
  assert.throws(() => s.gradPush("r", "t", -1), RangeError);
  assert.throws(() => createSubjects({ prefix: "a..b" }), TypeError);
});
