import assert from "node:assert/strict";
import { median, percentile, summarize } from "../../bench/stats.ts";

Deno.test("median() of an odd count is the middle sample, whatever the order", () => {
  assert.equal(median([9, 1, 5]), 5);
});

Deno.test("median() of an even count is the mean of the two middle samples", () => {
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

Deno.test("percentile() interpolates linearly between closest ranks (numpy default)", () => {
  const xs = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
  assert.equal(percentile(xs, 0), 10);
  assert.equal(percentile(xs, 100), 100);
  assert.ok(Math.abs(percentile(xs, 90) - 91) < 1e-12); // rank 8.1 between 90 and 100
});

Deno.test("percentile() does not reorder its input", () => {
  const xs = [3, 1, 2];
  percentile(xs, 50);
  assert.deepEqual(xs, [3, 1, 2]);
});

Deno.test("percentile() rejects an empty list, a non-finite sample and p outside [0, 100]", () => {
  assert.throws(() => percentile([], 50), RangeError);
  assert.throws(() => percentile([1, NaN], 50), RangeError);
  assert.throws(() => percentile([1], 101), RangeError);
  assert.throws(() => percentile([1], -1), RangeError);
});

Deno.test("summarize() reports median, min, p90 and n", () => {
  assert.deepEqual(summarize([5, 1, 3]), { median: 3, min: 1, p90: 4.6, n: 3 });
});
