import assert from "node:assert/strict";
import { createRng, shuffleInPlace } from "../../engine/rng.ts";

const draw = (seed: number, k: number) => {
  const rng = createRng(seed);
  return Array.from({ length: k }, () => rng.next());
};

Deno.test("createRng() gives the same sequence for the same seed", () => {
  assert.deepEqual(draw(123, 50), draw(123, 50));
});

Deno.test("createRng() gives different sequences for different seeds", () => {
  assert.notDeepEqual(draw(1, 10), draw(2, 10));
});

Deno.test("Rng.next() stays in [0, 1) with mean near 1/2", () => {
  const xs = draw(7, 20000);
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.01, `mean ${mean}`);
});

Deno.test("Rng.int(n) covers every value in [0, n) roughly evenly", () => {
  const rng = createRng(5);
  const counts = new Array(7).fill(0);
  for (let i = 0; i < 7000; i++) counts[rng.int(7)]++;
  assert.equal(counts.reduce((a, b) => a + b, 0), 7000);
  for (const c of counts) assert.ok(c > 850 && c < 1150, `counts ${counts}`);
});

Deno.test("Rng.int() rejects a non-positive or fractional n", () => {
  const rng = createRng(0);
  assert.throws(() => rng.int(0), RangeError);
  assert.throws(() => rng.int(2.5), RangeError);
});

Deno.test("createRng() rejects a non-finite seed", () => {
  assert.throws(() => createRng(NaN), TypeError);
});

Deno.test("Rng.normal() has mean 0 and variance 1", () => {
  const rng = createRng(11);
  const xs = Array.from({ length: 20000 }, () => rng.normal());
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
  assert.ok(Math.abs(mean) < 0.03, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 0.05, `variance ${variance}`);
});

Deno.test("shuffleInPlace() permutes arrays and typed arrays reproducibly", () => {
  const a = Array.from({ length: 20 }, (_, i) => i);
  const b = Int32Array.from(a);
  shuffleInPlace(a, createRng(3));
  shuffleInPlace(b, createRng(3));
  assert.deepEqual(Array.from(b), a);
  assert.notDeepEqual(a, Array.from({ length: 20 }, (_, i) => i));
  assert.deepEqual([...a].sort((x, y) => x - y), Array.from({ length: 20 }, (_, i) => i));
});

Deno.test("shuffleInPlace() makes every position reachable for every element", () => {
  const seen = new Set<string>();
  const rng = createRng(9);
  for (let t = 0; t < 600; t++) {
    const xs = [0, 1, 2];
    shuffleInPlace(xs, rng);
    seen.add(xs.join());
  }
  assert.equal(seen.size, 6);
});
