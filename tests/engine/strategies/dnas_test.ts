import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { syntheticDataset } from "../../../engine/data/synthetic.ts";
import { disposeWeights } from "../../../engine/exec/weights.ts";
import { buildSearchSpace } from "../../../engine/space.ts";
import { proxyValues } from "../../../engine/space/proxy_values.ts";
import { type DnasResult, dnasStrategy } from "../../../engine/strategies/dnas.ts";
import { parseDnasOptions } from "../../../engine/strategies/dnas_options.ts";
import { evaluateChoice, violationOf } from "../../../engine/strategies/evaluate.ts";
import { buildProblem } from "../../../engine/strategies/problem.ts";
import type { StrategyProgress } from "../../../engine/strategies/types.ts";
import { residualGraph } from "../../fixtures/graphs.ts";
import { tinyProfile } from "../cost/_profile.ts";
import { randomWeights } from "../relax/_weights.ts";
import { allCandidates, budget, quantileOf } from "./_helpers.ts";

await initBackend("cpu");

const graph = residualGraph;
const profile = tinyProfile();
const space = buildSearchSpace(graph, profile);
const problem = buildProblem(graph, profile, { space, values: proxyValues(graph, space) });
const all = allCandidates(problem);
const data = { height: 4, width: 4, channels: 2, numClasses: 10 };
const train = syntheticDataset({ n: 128, seed: 1, ...data });
const test = syntheticDataset({ n: 64, seed: 2, ...data });
const FAST = {
  warmupSteps: 4,
  searchSteps: 40,
  finetuneSteps: 4,
  batchSize: 16,
  weightLr: 1e-3,
  archLr: 0.05,
  dual: { lr: 0.5 },
};

async function run(
  budgets: ReturnType<typeof budget>[],
  seed: number,
  extra: Record<string, unknown> = {},
  onProgress?: (p: StrategyProgress) => void,
): Promise<DnasResult> {
  const weights = randomWeights(graph, 9);
  try {
    return await dnasStrategy({ ...FAST, ...extra }).run({
      problem,
      budgets,
      seed,
      resources: { graph, weights, train, test } as never,
      ...(onProgress ? { onProgress } : {}),
    }) as DnasResult;
  } finally {
    disposeWeights(weights);
  }
}

/** Mean bits (weights + activations) of a choice. */
function meanBits(r: DnasResult): number {
  const cs = Object.values(r.chosen.configuration.layers);
  return cs.reduce((s, c) => s + c.wbits + c.abits, 0) / cs.length;
}

Deno.test("dnas trains the supernet and returns a configuration within every budget", async () => {
  const budgets = [
    budget("latency", quantileOf(all, "latency", 0.3)),
    budget("sram", quantileOf(all, "sram", 0.8)),
  ];
  const seen: StrategyProgress[] = [];
  const before = tf.memory().numTensors;
  const r = await run(budgets, 1, {}, (p) => seen.push(p));
  assert.equal(tf.memory().numTensors, before);
  assert.equal(r.mode, "network");
  assert.equal(violationOf(evaluateChoice(problem, r.chosen.choice), budgets), 0);
  assert.ok(r.chosen.feasible);
  assert.ok(r.accuracy !== undefined && r.accuracy >= 0 && r.accuracy <= 1);
  assert.deepEqual(new Set(seen.map((p) => p.phase)), new Set(["warmup", "search", "finetune"]));
  const last = seen.filter((p) => p.phase === "search").at(-1)!;
  for (
    const k of ["loss", "temperature", "entropy", "lambda.latency", "expected.latency", "eta_s"]
  ) {
    assert.ok(Number.isFinite(last.metrics?.[k]), `metric ${k}`);
  }
});

Deno.test("dnas picks fewer bits under a tight latency budget than under a loose one", async () => {
  const tight = await run([budget("latency", quantileOf(all, "latency", 0.05))], 2);
  const loose = await run([budget("latency", quantileOf(all, "latency", 1))], 2);
  assert.ok(meanBits(tight) < meanBits(loose), `${meanBits(tight)} vs ${meanBits(loose)}`);
  assert.ok(tight.chosen.costs.latency <= quantileOf(all, "latency", 0.05));
});

Deno.test("dnas is deterministic for a seed", async () => {
  const budgets = [budget("flash", quantileOf(all, "flash", 0.4))];
  const a = await run(budgets, 5, { searchSteps: 10, paths: 2 });
  const b = await run(budgets, 5, { searchSteps: 10, paths: 2 });
  assert.deepEqual(a.chosen.choice, b.chosen.choice);
  assert.deepEqual(a.probabilities, b.probabilities);
  assert.equal(a.accuracy, b.accuracy);
});

Deno.test("dnas with single-level steps stays within budget, trains, and leaks no tensor", async () => {
  const budgets = [budget("latency", quantileOf(all, "latency", 0.3))];
  const before = tf.memory().numTensors;
  const r = await run(budgets, 3, { bilevel: false });
  assert.equal(tf.memory().numTensors, before);
  assert.equal(r.mode, "network");
  assert.equal(violationOf(evaluateChoice(problem, r.chosen.choice), budgets), 0);
  const last = r.history.at(-1)!;
  assert.ok(Number.isFinite(last.loss));
});

Deno.test("single-level dnas is deterministic for a seed and differs from bilevel", async () => {
  const budgets = [budget("flash", quantileOf(all, "flash", 0.4))];
  const a = await run(budgets, 5, { searchSteps: 10, bilevel: false });
  const b = await run(budgets, 5, { searchSteps: 10, bilevel: false });
  const c = await run(budgets, 5, { searchSteps: 10 });
  assert.deepEqual(a.probabilities, b.probabilities);
  assert.notDeepEqual(a.probabilities, c.probabilities);
});

Deno.test("parseDnasOptions() names a bad option", () => {
  assert.throws(() => parseDnasOptions({ paths: 3 }), /paths/);
  assert.throws(() => parseDnasOptions({ archLr: -1 }), /archLr/);
  assert.throws(() => parseDnasOptions({ nope: 1 }), /Unknown option "nope"/);
  assert.throws(() => parseDnasOptions({ dual: { lr: "x" } }), /dual\.lr/);
  assert.equal(parseDnasOptions({ warmupSteps: 0 }).warmupSteps, 0);
  assert.throws(() => parseDnasOptions({ bilevel: "no" }), /bilevel/);
  assert.equal(parseDnasOptions({}).bilevel, true);
  assert.equal(parseDnasOptions({ bilevel: false }).bilevel, false);
});
