import assert from "node:assert/strict";
import { ensureModel } from "../../cli/search.ts";
import { initBackend } from "../../engine/backend.ts";
import { loadExport } from "../../engine/export/disk.ts";
import { closeSessions } from "../../engine/search/session.ts";
import { makeSearchSpec } from "../../engine/search/spec.ts";

Deno.test({
  name:
    "ensureModel() exports the chosen model here when no job wrote it, and keeps one that is there",
  sanitizeResources: false,
  async fn() {
    await initBackend();
    const dir = await Deno.makeTempDir();
    try {
      const spec = makeSearchSpec({
        model: "cnn-s",
        budgets: ["flash=100KiB"],
        finetuneSteps: 2,
        calibration: 64,
        testLimit: 100,
      });
      const layers = { conv2: { wbits: 4, abits: 8, width: 1 } };
      assert.equal(await ensureModel(`${dir}/model`, spec, layers), true);
      const exported = await loadExport(`${dir}/model`);
      assert.equal(exported.config.layers.conv2?.wbits, 4);
      const stamp = (await Deno.stat(`${dir}/model/weights.bin`)).mtime;
      assert.equal(await ensureModel(`${dir}/model`, spec, layers), true);
      assert.deepEqual((await Deno.stat(`${dir}/model/weights.bin`)).mtime, stamp, "not redone");
    } finally {
      await closeSessions();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
