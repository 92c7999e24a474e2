import assert from "node:assert/strict";
import { defaultLayersOf, searchResultOf, splitTrials } from "../../actors/coordinator_result.ts";
import { BudgetInfeasibleError } from "../../engine/cost/budget.ts";
import type { TrialJobResult } from "../../engine/search/jobs_spec.ts";
import { makeSearchSpec } from "../../engine/search/spec.ts";
import { loadSearchStatic, problemOf } from "../../engine/search/static.ts";
import { candidateOf } from "../../engine/strategies/evaluate.ts";
import { initBackend } from "../../engine/backend.ts";

await initBackend();
// cnn-s on the default profile, two budget points: nothing is trained (costs only).
const spec = makeSearchSpec({ model: "cnn-s", budgets: ["flash=40KiB,60KiB"] });
const st = await loadSearchStatic(spec);
const problem = problemOf(st, st.space.options.map((o) => new Array<number>(o.length).fill(0)));
const zeros = st.space.options.map(() => 0);
const lasts = st.space.options.map((o) => o.length - 1);
const trial = (chosen: number[], front: number[][] = []): TrialJobResult => ({
  chosen,
  front,
  proven: true,
  evaluations: 1,
  seconds: 0,
});

Deno.test("splitTrials() keeps the points in order and says why a point failed", () => {
  assert.equal(st.points.length, 2);
  const out = splitTrials(st.points, [
    {
      status: "rejected",
      reason: new Error("trial job failed: flash budget 40 KiB is below 41 KiB"),
    },
    { status: "fulfilled", value: trial(zeros) },
  ], problem);
  assert.equal(out.feasible.length, 1);
  assert.equal(out.feasible[0]!.budgets, st.points[1]);
  assert.deepEqual([...out.feasible[0]!.chosen.choice], zeros);
  assert.deepEqual(out.infeasible, [{
    budget: "flash=40KiB",
    message: "flash budget 40 KiB is below 41 KiB",
  }]);
});

Deno.test("splitTrials() with no feasible point throws the first trial's error", () => {
  const first = new BudgetInfeasibleError([]);
  assert.throws(
    () =>
      splitTrials(st.points, [
        { status: "rejected", reason: first },
        { status: "rejected", reason: new Error("second") },
      ], problem),
    (e) => e === first,
  );
  assert.throws(
    () =>
      splitTrials(st.points, [{ status: "fulfilled", value: { chosen: zeros } as never }], problem),
    /trial result/,
  );
});

Deno.test("searchResultOf() marks the first point's choice on the front and reads the evals in order", () => {
  const trials = splitTrials(st.points, [
    { status: "fulfilled", value: trial(zeros, [lasts]) },
    { status: "fulfilled", value: trial(lasts) },
  ], problem);
  const uniform = candidateOf(problem, lasts, st.points[0]!);
  const layers = defaultLayersOf(st.space);
  assert.ok(Object.values(layers).every((l) => l.width === 1));
  const result = searchResultOf({
    run: "r1",
    spec,
    static: st,
    trials,
    front: [trials.feasible[1]!.chosen], // the first point's choice is not on it
    uniforms: [uniform],
    baseline: { candidate: uniform, layers },
    evals: [
      { accuracy: 0.9, finetuneSteps: 100, testExamples: 10000, seconds: 1 }, // point 0
      { accuracy: 0.8, seconds: 1 }, // point 1
      { accuracy: 0.7, seconds: 1 }, // the uniform
      { accuracy: 0.85, finetuneSteps: 0, seconds: 1 }, // the default
    ],
    floatAccuracy: 0.92,
    timings: { search: 1 },
    defaultFinetuneSteps: 0,
  });
  assert.equal(result.chosen.accuracy, 0.9);
  assert.equal(result.chosen.budget, "flash=40KiB");
  assert.equal(result.chosen.finetuneSteps, 100);
  assert.equal(result.chosen.testExamples, 10000);
  assert.deepEqual(result.chosen.uniform?.accuracy, 0.7);
  assert.equal(result.baseline.accuracy, 0.92);
  assert.equal(result.baseline.uniformAccuracy, 0.85);
  assert.deepEqual(result.front.map((p) => [p.budget, p.accuracy, p.chosen ?? false]), [
    ["flash=60KiB", 0.8, false],
    ["flash=40KiB", 0.9, true], // appended: the chosen one is always listed
  ]);
  assert.deepEqual(result.infeasible, []);
});
