import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { createArchitecture } from "../../../engine/relax/architecture.ts";
import { createDualAscent } from "../../../engine/relax/dual.ts";
import { createRng } from "../../../engine/rng.ts";
import { buildSearchSpace } from "../../../engine/space.ts";
import { proxyValues } from "../../../engine/space/proxy_values.ts";
import { jointStep } from "../../../engine/strategies/dnas_step.ts";
import { buildProblem } from "../../../engine/strategies/problem.ts";
import { residualGraph } from "../../fixtures/graphs.ts";
import { tinyProfile } from "../cost/_profile.ts";
import { allCandidates, budget } from "./_helpers.ts";

await initBackend("cpu");

const graph = residualGraph;
const profile = tinyProfile();
const space = buildSearchSpace(graph, profile);
const problem = buildProblem(graph, profile, { space, values: proxyValues(graph, space) });

Deno.test("jointStep() moves the weights and the logits from one pass and raises λ over budget", () => {
  const arch = createArchitecture(space);
  const n = space.pairs[0]!.length;
  const w0 = Float32Array.from({ length: n }, (_, i) => i + 1);
  const w = tf.variable(tf.tensor1d(w0), true, "joint_test_w");
  const cheapest = Math.min(...allCandidates(problem).map((c) => c.costs.flash));
  const budgets = [budget("flash", cheapest)]; // uniform probabilities: far over budget
  const dual = createDualAscent(1, { averaging: 0 });
  const aOpt = tf.train.sgd(0.5);
  const wOpt = tf.train.sgd(0.5);
  const before = tf.memory().numTensors;
  const logits0 = arch.bitLogits[0]!.dataSync().slice();
  const r = jointStep(
    {
      arch,
      table: problem.table,
      budgets,
      dual,
      optimizer: aOpt,
      weights: [w],
      weightOptimizer: wOpt,
    },
    // A loss that depends on both: the first layer's gate weighted by w.
    (g) => tf.sum(tf.mul(g.bits[0]!, w)) as tf.Scalar,
    { tau: 1, rng: createRng(1), paths: "all" },
  );
  assert.equal(tf.memory().numTensors, before);
  assert.notDeepEqual(w.dataSync(), w0);
  assert.notDeepEqual(arch.bitLogits[0]!.dataSync(), logits0);
  assert.equal(r.ratios.length, 1);
  assert.ok(r.ratios[0]! > 1, `ratio ${r.ratios[0]}`);
  assert.ok(dual.lambdas[0]! > 0);
  assert.ok(Math.abs(r.loss - r.taskLoss) < 1e-6, "λ was 0 during the step");
  w.dispose();
  aOpt.dispose();
  wOpt.dispose();
  arch.dispose();
});
