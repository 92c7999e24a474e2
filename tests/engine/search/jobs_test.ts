import assert from "node:assert/strict";
import { initBackend } from "../../../engine/backend.ts";
import { runCandidateJob } from "../../../engine/search/jobs.ts";
import { closeSessions } from "../../../engine/search/session.ts";
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
