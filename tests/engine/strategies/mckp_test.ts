import assert from "node:assert/strict";
import { BudgetInfeasibleError, type BudgetKind } from "../../../engine/cost/budget.ts";
import { createRng } from "../../../engine/rng.ts";
import { spaceSize } from "../../../engine/space/assemble.ts";
import { mckpStrategy } from "../../../engine/strategies/mckp.ts";
import { exhaustiveStrategy } from "../../../engine/strategies/exhaustive.ts";
import { evaluateChoice, violationOf } from "../../../engine/strategies/evaluate.ts";
import { syntheticProblem } from "./_synthetic.ts";
import { allCandidates, budget, quantileOf } from "./_helpers.ts";

const KINDS: readonly BudgetKind[] = ["latency", "energy", "flash", "sram"];

Deno.test("mckp equals the exhaustive optimum on 100 random coupled problems", async () => {
  let feasible = 0, infeasible = 0;
  for (let seed = 1; seed <= 100; seed++) {
    const problem = syntheticProblem(seed);
    assert.ok(spaceSize(problem.space) <= 50_000n);
    const all = allCandidates(problem);
    const rng = createRng(1000 + seed);
    const kinds = KINDS.filter(() => rng.next() < 0.6);
    if (kinds.length === 0) kinds.push("sram");
    const budgets = kinds.map((k) => budget(k, quantileOf(all, k, 0.05 + rng.next() * 0.6)));
    const ctx = { problem, budgets, seed };
    const truth = await exhaustiveStrategy().run(ctx).catch((e) => e);
    const got = await mckpStrategy().run(ctx).catch((e) => e);
    if (truth instanceof BudgetInfeasibleError) {
      assert.ok(got instanceof BudgetInfeasibleError, `seed ${seed}: mckp found ${got}`);
      infeasible++;
      continue;
    }
    assert.ok(!(got instanceof Error), `seed ${seed}: ${got}`);
    assert.ok(got.proven, `seed ${seed}: not proven`);
    assert.ok(Math.abs(got.chosen.value - truth.chosen.value) < 1e-9, `seed ${seed}`);
    assert.equal(violationOf(evaluateChoice(problem, got.chosen.choice), budgets), 0);
    feasible++;
  }
  assert.ok(feasible > 40 && infeasible > 3, `feasible ${feasible}, infeasible ${infeasible}`);
});

Deno.test("mckp with no budget returns the smallest value configuration", async () => {
  const problem = syntheticProblem(7);
  const all = allCandidates(problem);
  const r = await mckpStrategy().run({ problem, budgets: [], seed: 0 });
  assert.equal(r.chosen.value, Math.min(...all.map((c) => c.value)));
});

Deno.test("mckp reports proven: false when its node limit cuts the search", async () => {
  const problem = syntheticProblem(3, { layers: 6 });
  const all = allCandidates(problem);
  const budgets = [budget("latency", quantileOf(all, "latency", 0.5))];
  const r = await mckpStrategy({ nodeLimit: 3 }).run({ problem, budgets, seed: 0 }).catch((e) => e);
  if (r instanceof Error) assert.match(r.message, /nodeLimit/);
  else assert.equal(r.proven, false);
});

Deno.test("mckpStrategy() rejects unknown and bad options", () => {
  assert.throws(() => mckpStrategy({ nodes: 3 }), TypeError);
  assert.throws(() => mckpStrategy({ nodeLimit: 0 }), TypeError);
});

Deno.test("mckp equals exhaustive on real residual and depthwise graphs under latency and SRAM", async () => {
  const { buildSearchSpace } = await import("../../../engine/space.ts");
  const { proxyValues } = await import("../../../engine/space/proxy_values.ts");
  const { buildProblem } = await import("../../../engine/strategies/problem.ts");
  const { tinyProfile } = await import("../cost/_profile.ts");
  const { residualGraph, depthwiseGraph } = await import("../../fixtures/graphs.ts");
  const profile = tinyProfile();
  for (const graph of [residualGraph, depthwiseGraph]) {
    const space = buildSearchSpace(graph, profile);
    const problem = buildProblem(graph, profile, { space, values: proxyValues(graph, space) });
    const all = allCandidates(problem);
    for (const q of [0.1, 0.3, 0.6]) {
      const budgets = [
        budget("latency", quantileOf(all, "latency", q)),
        budget("sram", quantileOf(all, "sram", 0.5)),
      ];
      const truth = await exhaustiveStrategy().run({ problem, budgets, seed: 0 });
      const got = await mckpStrategy().run({ problem, budgets, seed: 0 });
      assert.ok(got.proven);
      assert.equal(got.chosen.value, truth.chosen.value, `${graph.name} q=${q}`);
    }
  }
});
