import assert from "node:assert/strict";
import { initBackend } from "../../../engine/backend.ts";
import { minimumAchievable } from "../../../engine/cost/minimum.ts";
import { networkCost } from "../../../engine/cost/network.ts";
import { crossOptions } from "../../../engine/cost/options.ts";
import { buildCostTable } from "../../../engine/cost/table.ts";
import { graphFromLayersModel } from "../../../engine/models/from_layers.ts";
import { buildZooModel, ZOO_NAMES } from "../../../engine/models/zoo.ts";
import { listShippedProfiles, loadProfile } from "../../../engine/profile/load.ts";

await initBackend();

Deno.test("every zoo model costs on every shipped profile, default and minimum", async () => {
  const profiles = await Promise.all((await listShippedProfiles()).map((p) => loadProfile(p)));
  assert.ok(profiles.length >= 5);
  for (const name of ZOO_NAMES) {
    const model = buildZooModel(name);
    const graph = graphFromLayersModel(model);
    model.dispose();
    for (const profile of profiles) {
      const full = networkCost(graph, profile, { layers: {} }).totals;
      assert.ok(full.latencyMs > 0 && full.flashBytes > 0 && full.peakSramBytes > 0);
      const wbits = [...new Set(profile.supported.conv2d.map(([w]) => w))];
      const abits = [...new Set(profile.supported.conv2d.map(([, a]) => a))];
      const options = crossOptions(graph, profile, { wbits, abits });
      const table = buildCostTable(graph, profile, options);
      assert.equal(table.layers.length, table.options.length);
      const min = minimumAchievable(graph, profile, options);
      const where = `${name} on ${profile.name}`;
      assert.ok(min.latencyMs <= full.latencyMs, where);
      assert.ok(min.flashBytes < full.flashBytes, where);
      assert.ok(min.peakSramBytes < full.peakSramBytes, where);
    }
  }
});
