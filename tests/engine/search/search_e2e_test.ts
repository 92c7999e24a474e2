import assert from "node:assert/strict";
import { coordinateSearch } from "../../../actors/coordinator.ts";
import { InProcessBus } from "../../../actors/bus/in_process.ts";
import { decode } from "../../../actors/codec.ts";
import { busJobQueue } from "../../../actors/job_queue.ts";
import { createSubjects, type EventMessage } from "../../../actors/protocol.ts";
import { searchHandlers } from "../../../actors/search_handlers.ts";
import { startWorker } from "../../../actors/worker.ts";
import { initBackend } from "../../../engine/backend.ts";
import { BudgetInfeasibleError } from "../../../engine/cost/budget.ts";
import { networkCost } from "../../../engine/cost/network.ts";
import { loadExport } from "../../../engine/export/disk.ts";
import { renderReport } from "../../../engine/search/report.ts";
import { closeSessions } from "../../../engine/search/session.ts";
import { makeSearchSpec, type SearchSpec } from "../../../engine/search/spec.ts";
import { loadSearchStatic } from "../../../engine/search/static.ts";
import { tinyTrainedModelDir } from "./_model.ts";

async function search(spec: SearchSpec, exportDir?: string) {
  const bus = new InProcessBus();
  const subjects = createSubjects();
  const events: EventMessage[] = [];
  bus.subscribe(subjects.allEvents(), (m) => {
    const e = decode(m.data);
    if (e.type !== "job" && "run" in e) events.push(e as EventMessage);
  });
  const worker = startWorker(bus, {
    id: "w0",
    subjects,
    handlers: searchHandlers(bus, subjects),
    heartbeatMs: 0,
  });
  try {
    const result = await coordinateSearch({
      bus,
      queue: busJobQueue(bus, subjects),
      subjects,
      run: "e2e",
      spec,
      static: await loadSearchStatic(spec),
      ...(exportDir ? { exportDir } : {}),
    });
    return { result, events };
  } finally {
    await worker.drain();
    await bus.close();
  }
}

Deno.test({
  name: "a search through coordinator and worker returns a configuration within budget, " +
    "with its accuracy measured and the model exported",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await initBackend();
    const model = await tinyTrainedModelDir();
    const st0 = await loadSearchStatic(makeSearchSpec({ model, strategy: "mckp" }));
    const full = networkCost(st0.graph, st0.profile, { layers: {} }).totals.latencyMs;
    const budget = `latency=${(full * 0.6).toFixed(3)}ms`;
    const spec = makeSearchSpec({
      model,
      strategy: "mckp",
      budgets: [budget],
      calibration: 128,
      finetuneSteps: 3,
      testLimit: 300,
    });
    const dir = await Deno.makeTempDir();
    try {
      const { result, events } = await search(spec, `${dir}/model`);
      assert.ok(result.chosen.costs.latencyMs <= full * 0.6 + 1e-9, "chosen fits the budget");
      assert.ok(result.baseline.costs.latencyMs > full * 0.6, "uniform 8-bit does not fit");
      assert.ok(result.chosen.accuracy > 0.5, `accuracy ${result.chosen.accuracy}`);
      assert.ok(result.baseline.accuracy > 0.5);
      assert.equal(result.chosen.proven, true);
      assert.equal(result.baseline.uniformFinetuneSteps, 0, "the int8 reference is PTQ only");
      assert.equal(result.chosen.uniforms?.length, 1);
      assert.deepEqual(result.chosen.uniforms?.[0], result.chosen.uniform);
      assert.ok(result.front.some((p) => p.chosen));
      assert.ok(events.some((e) => e.type === "progress"));
      assert.ok(events.some((e) => e.type === "front"));
      const loaded = await loadExport(`${dir}/model`);
      assert.deepEqual(
        Object.keys(loaded.config.layers).sort(),
        Object.keys(result.chosen.layers).sort(),
      );
      const html = renderReport(result);
      assert.match(html, /<svg/);
      assert.match(html, new RegExp(budget.replace(".", "\\.")));
    } finally {
      await Deno.remove(dir, { recursive: true });
      await closeSessions();
    }
  },
});

Deno.test({
  name: "an infeasible budget is refused before any training, naming the smallest achievable value",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await initBackend();
    const model = await tinyTrainedModelDir();
    const spec = makeSearchSpec({ model, strategy: "mckp", budgets: ["latency=0.0001ms"] });
    await assert.rejects(
      () => search(spec),
      (e: unknown) =>
        e instanceof BudgetInfeasibleError && /smallest achievable/.test((e as Error).message),
    );
    await closeSessions();
  },
});
