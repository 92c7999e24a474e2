import assert from "node:assert/strict";
import { createDualAscent } from "../../../engine/relax/dual.ts";
import { temperatureAt } from "../../../engine/relax/schedule.ts";

Deno.test("temperatureAt() decays exponentially from start to end", () => {
  const s = { start: 8, end: 1 };
  assert.equal(temperatureAt(s, 0, 4), 8);
  assert.ok(Math.abs(temperatureAt(s, 1, 4) - 4) < 1e-12);
  assert.ok(Math.abs(temperatureAt(s, 2, 4) - 2) < 1e-12);
  assert.ok(Math.abs(temperatureAt(s, 3, 4) - 1) < 1e-12);
  assert.equal(temperatureAt(s, 10, 4), 1);
  assert.throws(() => temperatureAt({ start: 0, end: 1 }, 0, 4), RangeError);
});

Deno.test("dual ascent raises lambda while the budget is violated and lowers it once it holds", () => {
  const d = createDualAscent(1, { lr: 0.5, averaging: 0.5 });
  for (let i = 0; i < 5; i++) d.update([1.5]);
  const high = d.lambdas[0]!;
  assert.ok(high > 0);
  for (let i = 0; i < 5; i++) d.update([1.5]);
  assert.ok(d.lambdas[0]! > high);
  const peak = d.lambdas[0]!;
  for (let i = 0; i < 5; i++) d.update([0.5]);
  assert.ok(d.lambdas[0]! < peak);
  for (let i = 0; i < 50; i++) d.update([0.5]);
  assert.equal(d.lambdas[0], 0); // projected: never negative
});

Deno.test("dual ascent drives a toy quadratic onto its budget: min (x-3)^2 s.t. x <= 1", () => {
  // Lagrangian (x-3)^2 + lambda (x / 1 - 1); primal gradient steps, dual ascent outside.
  const d = createDualAscent(1, { lr: 0.2, averaging: 0.5 });
  let x = 0;
  for (let t = 0; t < 3000; t++) {
    x -= 0.05 * (2 * (x - 3) + d.lambdas[0]!);
    d.update([x]);
  }
  assert.ok(Math.abs(x - 1) < 0.02, `x = ${x}`);
  assert.ok(Math.abs(d.lambdas[0]! - 4) < 0.1, `lambda = ${d.lambdas[0]}`); // KKT: 2(x-3)+λ=0
});

Deno.test("dual ascent with a margin aims below the budget", () => {
  const d = createDualAscent(1, { lr: 0.2, averaging: 0.5, margin: 0.1 });
  let x = 0;
  for (let t = 0; t < 3000; t++) {
    x -= 0.05 * (2 * (x - 3) + d.lambdas[0]!);
    d.update([x]);
  }
  assert.ok(Math.abs(x - 0.9) < 0.02, `x = ${x}`);
});

Deno.test("createDualAscent() rejects bad settings and wrong ratio counts", () => {
  assert.throws(() => createDualAscent(1, { lr: 0 }), RangeError);
  assert.throws(() => createDualAscent(1, { averaging: 1 }), RangeError);
  assert.throws(() => createDualAscent(2).update([1]), RangeError);
  assert.throws(() => createDualAscent(1).update([NaN]), RangeError);
});
