import assert from "node:assert/strict";
import {
  costProblem,
  costRange,
  feasibleUniforms,
  tightBudget,
} from "../../bench/search/budgets.ts";
import { TIGHT_FRACTION, TIGHT_KIND } from "../../bench/search/mixed_vs_uniform.ts";
import { initBackend } from "../../engine/backend.ts";
import { makeSearchSpec } from "../../engine/search/spec.ts";
import { loadSearchStatic } from "../../engine/search/static.ts";

await initBackend("cpu");
const st = await loadSearchStatic(makeSearchSpec({ model: "resnet8" }));

Deno.test("the mixed-vs-uniform flash budget forces every uniform configuration to prune", () => {
  const t = tightBudget(st, TIGHT_FRACTION, TIGHT_KIND);
  const { int8 } = costRange(costProblem(st), "flash");
  assert.equal(t.raised, false);
  assert.equal(t.budgets[0]!.kind, "flash");
  assert.equal(t.budgets[0]!.value, Math.ceil(TIGHT_FRACTION * int8));
  const uniforms = feasibleUniforms(st, t.budgets);
  assert.ok(uniforms.length > 0);
  for (const u of uniforms) {
    assert.ok(u.costs.flash <= t.budgets[0]!.value);
    assert.ok(Object.values(u.configuration.layers).some((l) => l.width < 1), "pruned");
  }
});

Deno.test("tightBudget() raises a fraction no uniform configuration fits, for flash and latency", () => {
  for (const kind of ["flash", "latency"] as const) {
    const t = tightBudget(st, 0.001, kind);
    assert.equal(t.raised, true);
    assert.ok(t.fraction > 0.001);
    assert.ok(feasibleUniforms(st, t.budgets).length > 0, kind);
  }
});
