import assert from "node:assert/strict";
import { minimumAchievable } from "../../../engine/cost/minimum.ts";
import { networkCost } from "../../../engine/cost/network.ts";
import { crossOptions } from "../../../engine/cost/options.ts";
import { residualGraph } from "../../fixtures/graphs.ts";
import { BudgetInfeasibleError, checkFeasible, parseBudgets } from "../../../engine/cost/budget.ts";
import { tinyProfile } from "./_profile.ts";

Deno.test("minimumAchievable() takes the lowest bits and the smallest shared width", () => {
  const profile = tinyProfile();
  const options = crossOptions(residualGraph, profile, {
    wbits: [8, 4],
    abits: [8, 4],
    widths: [0.25, 0.5, 1],
  });
  const min = minimumAchievable(residualGraph, profile, options);
  assert.equal(min.configs.flash.layers.a!.width, 0.25);
  assert.equal(min.configs.flash.layers.b!.wbits, 4);
  assert.equal(min.configs.sram.layers.b!.abits, 4);
  const full = networkCost(residualGraph, profile, { layers: {} }).totals;
  assert.ok(min.latencyMs < full.latencyMs);
  assert.ok(min.flashBytes < full.flashBytes);
  assert.ok(min.peakSramBytes < full.peakSramBytes);
  // brute force over every valid configuration never beats it
  let best = Infinity;
  const la = options.layers.a!, lb = options.layers.b!, lf = options.layers.fc!;
  for (const a of la) {
    for (const b of lb) {
      for (const fc of lf) {
        try {
          best = Math.min(
            best,
            networkCost(residualGraph, profile, { layers: { a, b, fc } }).totals.latencyMs,
          );
        } catch { /* widths differ at the add */ }
      }
    }
  }
  assert.ok(Math.abs(best - min.latencyMs) < 1e-12, `${best} vs ${min.latencyMs}`);
});

Deno.test("minimumAchievable().byKind feeds checkFeasible() and names the minimum", () => {
  const profile = tinyProfile([], { energy: false });
  const min = minimumAchievable(
    residualGraph,
    profile,
    crossOptions(residualGraph, profile, {
      wbits: [8, 4],
      abits: [8, 4],
    }),
  );
  assert.equal(min.byKind.energy, undefined); // no energy model: no energy minimum
  assert.equal(min.byKind.sram, min.peakSramBytes);
  checkFeasible(min.byKind, parseBudgets(`flash=${min.flashBytes}B`));
  assert.throws(
    () => checkFeasible(min.byKind, parseBudgets(`flash=${min.flashBytes - 10}B`)),
    BudgetInfeasibleError,
  );
});
