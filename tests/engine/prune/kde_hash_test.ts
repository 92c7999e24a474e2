import assert from "node:assert/strict";
import { kdeHash } from "../../../engine/prune/kde_hash.ts";
import { createRng } from "../../../engine/rng.ts";

/** Values around `centers`, each with uniform noise of half-width `spread`. */
function clusters(centers: readonly number[], per: number, spread: number, seed: number) {
  const rng = createRng(seed);
  return centers.flatMap((c) =>
    Array.from({ length: per }, () => c + spread * (2 * rng.next() - 1))
  );
}

Deno.test("kdeHash() maps every value of a tight cluster to one mode inside the cluster", () => {
  const values = clusters([-1, 0, 0.5, 2], 50, 0.01, 1);
  const r = kdeHash(values, { bandwidth: 0.02 });
  assert.equal(r.modes.length, 4);
  for (let k = 0; k < 4; k++) {
    const hashed = new Set(r.values.slice(50 * k, 50 * (k + 1)));
    assert.equal(hashed.size, 1, `cluster ${k}`);
    const mode = [...hashed][0]!;
    assert.ok(Math.abs(mode - [-1, 0, 0.5, 2][k]!) < 0.01, `mode ${mode}`);
  }
});

Deno.test("kdeHash() moves each value to the density peak of its own basin", () => {
  // Two bumps; the KDE minimum between them separates the basins.
  const values = [...clusters([0], 100, 0.05, 2), ...clusters([1], 30, 0.05, 3)];
  const r = kdeHash(values, { bandwidth: 0.05 });
  assert.equal(r.modes.length, 2);
  assert.ok(r.values.slice(0, 100).every((v) => v === r.modes[0]));
  assert.ok(r.values.slice(100).every((v) => v === r.modes[1]));
  assert.ok(Math.abs(r.modes[0]!) < 0.03 && Math.abs(r.modes[1]! - 1) < 0.03);
});

Deno.test("kdeHash() has fewer modes and larger changes as the bandwidth grows", () => {
  const rng = createRng(5);
  const values = Array.from({ length: 2000 }, () => rng.next() * 2 - 1);
  const err = (v: Float64Array) => Math.max(...v.map((x, i) => Math.abs(x - values[i]!)));
  const narrow = kdeHash(values, { bandwidth: 0.01 });
  const wide = kdeHash(values, { bandwidth: 0.3 });
  assert.ok(narrow.modes.length > wide.modes.length, `${narrow.modes.length}`);
  assert.ok(err(narrow.values) < err(wide.values));
  assert.ok(narrow.modes.every((m, i) => i === 0 || m > narrow.modes[i - 1]!), "ascending");
});

Deno.test("kdeHash() leaves constant values alone and rejects bad input", () => {
  assert.deepEqual([...kdeHash([3, 3, 3]).values], [3, 3, 3]);
  assert.equal(kdeHash([]).values.length, 0);
  assert.throws(() => kdeHash([1, 2], { bandwidth: 0 }), /bandwidth 0/);
  assert.throws(() => kdeHash([1, NaN]), /NaN at index 1/);
});
