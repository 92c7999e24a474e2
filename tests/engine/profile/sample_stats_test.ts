import assert from "node:assert/strict";
import { quantileSorted, sampleStats, trimmedMean } from "../../../engine/profile/sample_stats.ts";

// 20 samples around 1 ms and two preemptions (50 ms and 80 ms).
const NOISY = [
  ...[0.9, 0.95, 1, 1, 1, 1.05, 1.1, 0.98, 1.02, 1, 0.97, 1.03, 1, 0.99, 1.01, 1, 1, 0.96, 1.04, 1],
  50,
  80,
];

Deno.test("sampleStats() takes the median and discards outliers from mean and std", () => {
  const s = sampleStats([1, 1.1, 0.9, 1, 9]);
  assert.equal(s.median, 1);
  assert.equal(s.kept, 4);
  assert.ok(Math.abs(s.mean - 1) < 1e-12);
  assert.equal(s.count, 5);
  assert.equal(s.min, 0.9);
  assert.throws(() => sampleStats([]), RangeError);
  assert.throws(() => sampleStats([1, NaN]), RangeError);
});

Deno.test("sampleStats() on a sample with two preemptions: median and fenced mean stay at 1 ms", () => {
  const s = sampleStats(NOISY);
  const plainMean = NOISY.reduce((a, b) => a + b, 0) / NOISY.length;
  assert.ok(plainMean > 6); // the outliers drag the plain mean far off
  assert.equal(s.median, 1);
  assert.equal(s.kept, 18); // IQR 0.04: the fences [0.92, 1.08] also drop 0.9 and 1.1
  assert.ok(Math.abs(s.mean - 1) < 1e-12, String(s.mean));
  assert.ok(s.std < 0.05, String(s.std));
});

Deno.test("trimmedMean() drops the given fraction on each side", () => {
  assert.equal(trimmedMean([100, 1, 2, 3, 0], 0.2), 2);
  assert.equal(trimmedMean([1, 2, 3], 0), 2);
  const t = trimmedMean(NOISY, 0.1); // drops 2 each side: both preemptions
  assert.ok(Math.abs(t - 1) < 0.01, String(t));
  assert.throws(() => trimmedMean([1], 0.5), RangeError);
  assert.throws(() => trimmedMean([], 0.1), RangeError);
});

Deno.test("quantileSorted() interpolates between ranks", () => {
  assert.equal(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
  assert.equal(quantileSorted([1, 2, 3, 4], 0), 1);
  assert.equal(quantileSorted([1, 2, 3, 4], 1), 4);
});

Deno.test("sampleStats() with Tukey's outer fences keeps a moderate tail and drops preemptions", () => {
  // A right-skewed layer: most calls 1 ms, some 1.2-1.3 ms (contention), one 40 ms (preempted).
  const skewed = [1, 1, 1, 1, 1, 1, 1.01, 1.02, 1.05, 1.1, 1.2, 1.3, 40];
  const inner = sampleStats(skewed), outer = sampleStats(skewed, { fence: 3 });
  assert.equal(inner.kept, 11); // inner fences (Q3 + 1.5 IQR = 1.25) also cut the 1.3 ms call
  assert.equal(outer.kept, 12); // outer fences (Q3 + 3 IQR = 1.4) drop only the preemption
  assert.ok(outer.mean > inner.mean && outer.mean < 1.1);
  assert.throws(() => sampleStats([1], { fence: -1 }), RangeError);
});
