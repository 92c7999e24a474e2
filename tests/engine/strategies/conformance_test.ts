/**
 * The conformance suite: every registered strategy, on small synthetic problems and on
 * small real graphs, returns a feasible configuration when one exists, respects every
 * budget (checked with the exact evaluator), raises BudgetInfeasibleError naming the
 * smallest achievable value when none exists, is deterministic for a fixed seed, and
 * returns a non-dominated front.
 */
import assert from "node:assert/strict";
import { BudgetInfeasibleError } from "../../../engine/cost/budget.ts";
import { networkCost } from "../../../engine/cost/network.ts";
import { buildSearchSpace } from "../../../engine/space.ts";
import { proxyValues } from "../../../engine/space/proxy_values.ts";
import { evaluateChoice, objectivesOf, violationOf } from "../../../engine/strategies/evaluate.ts";
import { dominates } from "../../../engine/strategies/pareto.ts";
import { buildProblem } from "../../../engine/strategies/problem.ts";
import { createStrategy, STRATEGY_NAMES } from "../../../engine/strategies/registry.ts";
import { residualGraph } from "../../fixtures/graphs.ts";
import { tinyProfile } from "../cost/_profile.ts";
import { allCandidates, budget, quantileOf } from "./_helpers.ts";
import { syntheticProblem } from "./_synthetic.ts";

const FAST: Readonly<Record<string, Record<string, unknown>>> = {
  evolution: { population: 16, generations: 10 },
  random: { samples: 200 },
};

for (const name of STRATEGY_NAMES) {
  const make = () => createStrategy(name, FAST[name]);

  Deno.test(`${name}: returns a feasible configuration that respects every budget`, async () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const problem = syntheticProblem(seed);
      const all = allCandidates(problem);
      const budgets = [
        budget("latency", quantileOf(all, "latency", 0.3)),
        budget("sram", quantileOf(all, "sram", 0.9)),
      ];
      const ok = all.some((c) => violationOf(c.costs, budgets) === 0);
      const r = await make().run({ problem, budgets, seed }).catch((e) => e);
      if (!ok) {
        assert.ok(r instanceof BudgetInfeasibleError, `seed ${seed}`);
        continue;
      }
      assert.ok(!(r instanceof Error), `seed ${seed}: ${r}`);
      const exact = evaluateChoice(problem, r.chosen.choice);
      assert.deepEqual(r.chosen.costs, exact);
      assert.equal(violationOf(exact, budgets), 0, `seed ${seed}`);
      assert.ok(r.chosen.feasible && r.stats.evaluations >= 1 && r.stats.timeMs >= 0);
      for (const c of r.front) {
        assert.equal(violationOf(evaluateChoice(problem, c.choice), budgets), 0);
      }
    }
  });

  Deno.test(`${name}: the budgets hold under networkCost() on a real residual graph`, async () => {
    const profile = tinyProfile();
    const space = buildSearchSpace(residualGraph, profile);
    const problem = buildProblem(residualGraph, profile, {
      space,
      values: proxyValues(residualGraph, space),
    });
    const all = allCandidates(problem);
    const budgets = [
      budget("latency", quantileOf(all, "latency", 0.4)),
      budget("sram", quantileOf(all, "sram", 0.5)),
      budget("flash", quantileOf(all, "flash", 0.6)),
    ];
    const r = await make().run({ problem, budgets, seed: 3 });
    const t = networkCost(residualGraph, profile, r.chosen.configuration).totals;
    assert.ok(t.latencyMs <= budgets[0]!.value * (1 + 1e-9));
    assert.ok(t.peakSramBytes <= budgets[1]!.value);
    assert.ok(t.flashBytes <= budgets[2]!.value);
  });

  Deno.test(`${name}: throws BudgetInfeasibleError naming the smallest achievable value`, async () => {
    const problem = syntheticProblem(11);
    const all = allCandidates(problem);
    const min = Math.min(...all.map((c) => c.costs.latency));
    const budgets = [budget("latency", min * 0.99)];
    await assert.rejects(
      () => make().run({ problem, budgets, seed: 1 }),
      (e: unknown) =>
        e instanceof BudgetInfeasibleError && e.violations[0]!.minAchievable === min &&
        e.message.includes(`smallest achievable latency: ${min}`),
    );
  });

  Deno.test(`${name}: the same seed gives the same result`, async () => {
    const problem = syntheticProblem(21, { layers: 6 });
    const all = allCandidates(problem);
    const budgets = [budget("energy", quantileOf(all, "energy", 0.4))];
    const a = await make().run({ problem, budgets, seed: 5 });
    const b = await make().run({ problem, budgets, seed: 5 });
    assert.deepEqual(a.chosen.choice, b.chosen.choice);
    assert.deepEqual(a.front.map((c) => c.choice), b.front.map((c) => c.choice));
  });

  Deno.test(`${name}: the front is non-dominated and holds the chosen value`, async () => {
    const problem = syntheticProblem(31, { layers: 6 });
    const all = allCandidates(problem);
    const budgets = [
      budget("latency", quantileOf(all, "latency", 0.6)),
      budget("flash", quantileOf(all, "flash", 0.6)),
    ];
    const r = await make().run({ problem, budgets, seed: 2 });
    const objs = r.front.map((c) => objectivesOf(c, budgets));
    for (const x of objs) for (const y of objs) assert.ok(!dominates(x, y));
    assert.equal(Math.min(...r.front.map((c) => c.value)), r.chosen.value);
  });
}

Deno.test("createStrategy() names the unknown strategy and the known ones", () => {
  assert.throws(() => createStrategy("annealing"), /Unknown strategy "annealing" \(known: mckp/);
});

Deno.test("exhaustive refuses a space above its limit, naming the size", async () => {
  const problem = syntheticProblem(4, { layers: 6 });
  await assert.rejects(
    () => createStrategy("exhaustive", { limit: 10 }).run({ problem, budgets: [], seed: 0 }),
    /the space has \d+ configurations, above the limit of 10/,
  );
});
