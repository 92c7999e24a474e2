import assert from "node:assert/strict";
import { initBackend } from "../../../engine/backend.ts";
import { runCandidateJob } from "../../../engine/search/jobs.ts";
import { closeSessions, sessionOf } from "../../../engine/search/session.ts";
import { makeSearchSpec } from "../../../engine/search/spec.ts";
import { loadSearchStatic } from "../../../engine/search/static.ts";
import { tinyTrainedModelDir } from "./_model.ts";

Deno.test({
  name: "a candidate job fine-tunes for its own finetuneSteps when given, 0 meaning PTQ only",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await initBackend();
    const model = await tinyTrainedModelDir();
    const search = makeSearchSpec({
      model,
      calibration: 128,
      finetuneSteps: 2,
      testLimit: 200,
    });
    try {
      const st = await loadSearchStatic(search);
      const layers = Object.fromEntries(
        st.space.layers.map((n) => [n, { wbits: 8, abits: 8, width: 1 }]),
      );
      const steps: number[] = [];
      const own = await runCandidateJob({ search, layers, finetuneSteps: 0 }, {
        onProgress: (p) => steps.push(p.done),
      });
      assert.equal(own.finetuneSteps, 0);
      assert.deepEqual(steps, [], "no fine-tuning step was reported");
      assert.ok(own.accuracy !== null && own.accuracy > 0.5, `accuracy ${own.accuracy}`);
      const tuned: number[] = [];
      const spec = await runCandidateJob({ search, layers }, {
        onProgress: (p) => tuned.push(p.done),
      });
      assert.equal(spec.finetuneSteps, 2);
      assert.deepEqual(tuned, [1, 2]);
      await assert.rejects(
        () => runCandidateJob({ search, layers, finetuneSteps: -1 }),
        /fine-tune a candidate for -1 steps/,
      );
    } finally {
      await closeSessions();
    }
  },
});

Deno.test({
  name: "a data-free session of a network without batch norms makes its impressions once",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await initBackend();
    const model = await tinyTrainedModelDir();
    const base = { model, calibration: 128, finetuneSteps: 0, testLimit: 500 };
    try {
      const free = await sessionOf(makeSearchSpec({ ...base, dataFree: true }));
      const images = free.impressions();
      assert.ok(images !== undefined && images.length === 2, "two batches of 64");
      assert.equal(free.impressions(), images, "made once, then shared");
      assert.equal((await sessionOf(makeSearchSpec(base))).impressions(), undefined);
      // cnn-s at A4: intervals leave a few levels for the real values; impressions do not.
      const st = await loadSearchStatic(makeSearchSpec(base));
      const layers = Object.fromEntries(
        st.space.layers.map((n) => [n, { wbits: 8, abits: 4, width: 1 }]),
      );
      const withData = await runCandidateJob({ search: makeSearchSpec(base), layers });
      const dataFree = await runCandidateJob({
        search: makeSearchSpec({ ...base, dataFree: true }),
        layers,
      });
      assert.ok(
        dataFree.accuracy! > withData.accuracy! - 0.03,
        `data-free ${dataFree.accuracy} against ${withData.accuracy} calibrated on images`,
      );
    } finally {
      await closeSessions();
    }
  },
});
