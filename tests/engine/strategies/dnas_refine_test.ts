import assert from "node:assert/strict";
import { initBackend } from "../../../engine/backend.ts";
import { buildSearchSpace } from "../../../engine/space.ts";
import { proxyValues } from "../../../engine/space/proxy_values.ts";
import { type DnasResult, dnasStrategy } from "../../../engine/strategies/dnas.ts";
import { isUpgrade, refineProjection } from "../../../engine/strategies/dnas_refine.ts";
import { candidateOf } from "../../../engine/strategies/evaluate.ts";
import { buildProblem } from "../../../engine/strategies/problem.ts";
import type { Candidate } from "../../../engine/strategies/types.ts";
import { residualGraph } from "../../fixtures/graphs.ts";
import { tinyProfile } from "../cost/_profile.ts";
import { allCandidates, budget, quantileOf } from "./_helpers.ts";

await initBackend("cpu");

const graph = residualGraph;
const profile = tinyProfile();
const space = buildSearchSpace(graph, profile);
const problem = buildProblem(graph, profile, { space, values: proxyValues(graph, space) });
const all = allCandidates(problem);

const upgrades = (c: Candidate, of: Candidate) =>
  space.options.every((opts, l) => isUpgrade(opts[c.choice[l]!]!, opts[of.choice[l]!]!));

Deno.test("refineProjection() returns the best upgrade that fits, as exhaustive search finds it", async () => {
  const budgets = [
    budget("flash", quantileOf(all, "flash", 0.6)),
    budget("sram", quantileOf(all, "sram", 0.8)),
  ];
  const feasible = all.map((c) => candidateOf(problem, c.choice, budgets)).filter((c) =>
    c.feasible
  );
  let improved = 0;
  for (const start of feasible.filter((_, i) => i % 37 === 0)) {
    const { chosen } = await refineProjection(problem, budgets, start, 1);
    assert.ok(chosen.feasible);
    assert.ok(upgrades(chosen, start), "only upgrades");
    const best = Math.min(...feasible.filter((c) => upgrades(c, start)).map((c) => c.value));
    assert.ok(Math.abs(chosen.value - best) < 1e-9, `${chosen.value} vs best ${best}`);
    if (chosen.value < start.value) improved++;
  }
  assert.ok(improved > 0, "some starting point had budget left to spend");
});

Deno.test("refineProjection() keeps a configuration no upgrade improves, and refuses one over budget", async () => {
  const top = all.reduce((a, b) => (b.value < a.value ? b : a)); // the unconstrained optimum
  const budgets = [budget("flash", top.costs.flash)];
  const start = candidateOf(problem, top.choice, budgets);
  const { chosen } = await refineProjection(problem, budgets, start, 1);
  assert.deepEqual(chosen.choice, start.choice);
  const tight = [budget("flash", top.costs.flash - 1)];
  const over = candidateOf(problem, top.choice, tight);
  assert.equal(over.feasible, false);
  await assert.rejects(() => refineProjection(problem, tight, over, 1), RangeError);
});

Deno.test("dnas (table mode) refines its projection unless told not to", async () => {
  const budgets = [budget("flash", quantileOf(all, "flash", 0.5))];
  const run = (refine: boolean) =>
    dnasStrategy({ tableSteps: 60, refine }).run({ problem, budgets, seed: 4 }) as Promise<
      DnasResult
    >;
  const on = await run(true);
  const off = await run(false);
  assert.deepEqual(off.chosen.choice, off.projected.choice);
  assert.deepEqual(on.projected.choice, off.projected.choice);
  assert.ok(on.chosen.feasible);
  assert.ok(on.chosen.value <= on.projected.value);
  assert.ok(upgrades(on.chosen, on.projected));
});
