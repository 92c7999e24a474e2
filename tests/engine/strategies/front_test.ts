import assert from "node:assert/strict";
import { BudgetInfeasibleError } from "../../../engine/cost/budget.ts";
import { searchFront } from "../../../engine/strategies/front.ts";
import { objectivesOf } from "../../../engine/strategies/evaluate.ts";
import { dominates } from "../../../engine/strategies/pareto.ts";
import { createStrategy } from "../../../engine/strategies/registry.ts";
import { allCandidates, budget, quantileOf } from "./_helpers.ts";
import { syntheticProblem } from "./_synthetic.ts";

Deno.test("searchFront() runs every budget point and returns a non-dominated front", async () => {
  const problem = syntheticProblem(5, { layers: 5 });
  const all = allCandidates(problem);
  const min = Math.min(...all.map((c) => c.costs.latency));
  const budgets = [0.2, 0.5, 0.8].map((q) => budget("latency", quantileOf(all, "latency", q)));
  const r = await searchFront(createStrategy("mckp"), { problem, seed: 0 }, [
    budget("latency", min / 2),
    ...budgets,
  ]);
  assert.equal(r.points.length, 3);
  assert.equal(r.infeasible.length, 1);
  const kinds = [budgets[0]!];
  const objs = r.front.map((c) => objectivesOf(c, kinds));
  for (const x of objs) for (const y of objs) assert.ok(!dominates(x, y));
  assert.ok(r.front.length >= 2);
  for (const p of r.points) {
    assert.ok(r.front.some((c) => c.value <= p.result.chosen.value));
  }
});

Deno.test("searchFront() rethrows BudgetInfeasibleError when no point is feasible", async () => {
  const problem = syntheticProblem(5, { layers: 5 });
  await assert.rejects(
    () => searchFront(createStrategy("mckp"), { problem, seed: 0 }, [budget("flash", 1)]),
    BudgetInfeasibleError,
  );
});
