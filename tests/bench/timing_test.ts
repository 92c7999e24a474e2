import assert from "node:assert/strict";
import { measure, MIN_REPS } from "../../bench/timing.ts";

/** A fake clock that advances `step` ms per reading pair (start, end). */
function fakeClock(step: number): () => number {
  let t = 0;
  let odd = false;
  return () => {
    odd = !odd;
    if (!odd) t += step;
    return t;
  };
}

Deno.test("measure() runs warm-up untimed, then exactly `reps` timed runs", async () => {
  let calls = 0;
  const samples = await measure(() => calls++, { warmup: 3, reps: 7, now: fakeClock(2) });
  assert.equal(calls, 10);
  assert.deepEqual(samples, Array(7).fill(2));
});

Deno.test("measure() stops at the budget, but not before MIN_REPS runs", async () => {
  const samples = await measure(() => {}, {
    warmup: 0,
    reps: 100,
    budgetMs: 1,
    now: fakeClock(50),
  });
  assert.equal(samples.length, MIN_REPS);
});

Deno.test("measure() awaits async work", async () => {
  let done = 0;
  await measure(async () => {
    await Promise.resolve();
    done++;
  }, { warmup: 1, reps: 2 });
  assert.equal(done, 3);
});

Deno.test("measure() rejects zero reps, negative warm-up and a non-positive budget", async () => {
  await assert.rejects(measure(() => {}, { reps: 0 }), RangeError);
  await assert.rejects(measure(() => {}, { warmup: -1 }), RangeError);
  await assert.rejects(measure(() => {}, { budgetMs: 0 }), RangeError);
});
