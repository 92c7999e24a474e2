import assert from "node:assert/strict";
import { learningRateAt } from "../../../engine/train/schedule.ts";

Deno.test("learningRateAt() warms up linearly, peaks, then decays by cosine to minLr", () => {
  const s = { kind: "cosine", lr: 1e-3, minLr: 1e-5, warmupFraction: 0.1 } as const;
  assert.equal(learningRateAt(s, 0, 100), 1e-4);
  assert.equal(learningRateAt(s, 9, 100), 1e-3);
  assert.equal(learningRateAt(s, 10, 100), 1e-3);
  assert.ok(Math.abs(learningRateAt(s, 99, 100) - 1e-5) < 1e-12);
  const mid = learningRateAt(s, 10 + 89 / 2, 100);
  assert.ok(Math.abs(mid - (1e-3 + 1e-5) / 2) < 1e-9);
  for (let t = 11; t < 100; t++) {
    assert.ok(learningRateAt(s, t, 100) <= learningRateAt(s, t - 1, 100));
  }
});

Deno.test("learningRateAt() divides by gamma at each step milestone", () => {
  const s = { kind: "step", lr: 1, milestones: [0.5, 0.75], gamma: 0.1 } as const;
  assert.equal(learningRateAt(s, 49, 100), 1);
  assert.ok(Math.abs(learningRateAt(s, 50, 100) - 0.1) < 1e-12);
  assert.ok(Math.abs(learningRateAt(s, 80, 100) - 0.01) < 1e-12);
  assert.equal(learningRateAt({ kind: "constant", lr: 0.3 }, 7, 10), 0.3);
});

Deno.test("learningRateAt() rejects a non-positive lr and totalSteps", () => {
  assert.throws(() => learningRateAt({ kind: "constant", lr: 0 }, 0, 10), /learning rate 0/);
  assert.throws(() => learningRateAt({ kind: "constant", lr: 1 }, 0, 0), /totalSteps 0/);
});
