import assert from "node:assert/strict";
import { ParamOptimizer } from "../../actors/param_optimizer.ts";
import { assignShards, shardIndex } from "../../actors/param_shards.ts";

Deno.test("SGD with momentum accumulates velocity like PyTorch", () => {
  const p = new Float32Array([1]);
  const opt = new ParamOptimizer({ kind: "sgd", lr: 0.1, momentum: 0.5 });
  opt.step("w", p, new Float32Array([1]));
  opt.step("w", p, new Float32Array([1]));
  assert.equal(p[0], Math.fround(Math.fround(1 - 0.1) - 0.1 * 1.5));
});

Deno.test("Adam's first step moves each parameter by about lr against the gradient sign", () => {
  const p = new Float32Array([0, 0]);
  new ParamOptimizer({ kind: "adam", lr: 0.01 }).step("w", p, new Float32Array([3, -0.2]));
  assert.ok(Math.abs(p[0]! + 0.01) < 1e-7 && Math.abs(p[1]! - 0.01) < 1e-7, String(p));
});

Deno.test("optimizer state() and restore() resume a run exactly", () => {
  const a = new ParamOptimizer({ kind: "adam", lr: 0.1 });
  const pa = new Float32Array([1, 2]);
  a.step("w", pa, new Float32Array([0.5, -1]));
  const b = new ParamOptimizer({ kind: "adam", lr: 0.1 });
  b.restore(a.state());
  const pb = pa.slice();
  a.step("w", pa, new Float32Array([0.25, 1]));
  b.step("w", pb, new Float32Array([0.25, 1]));
  assert.deepEqual(pb, pa);
});

Deno.test("ParamOptimizer rejects a gradient of the wrong length and a negative lr", () => {
  const opt = new ParamOptimizer({ kind: "sgd", lr: 1 });
  assert.throws(() => opt.step("w", new Float32Array(2), new Float32Array(3)), RangeError);
  assert.throws(() => new ParamOptimizer({ kind: "sgd", lr: -1 }), RangeError);
});

Deno.test("assignShards() balances by size and does not depend on key order", () => {
  const shapes = { a: [100], b: [60], c: [50], d: [3, 3], e: [1] };
  const s = assignShards(shapes, 2);
  assert.deepEqual(s, [["a", "d", "e"], ["b", "c"]]);
  const reversed = Object.fromEntries(Object.entries(shapes).reverse());
  assert.deepEqual(assignShards(reversed, 2), s);
  assert.equal(shardIndex(s).get("c"), 1);
  assert.deepEqual(assignShards({ a: [1] }, 3), [["a"], [], []]);
  assert.throws(() => assignShards(shapes, 0), RangeError);
});
