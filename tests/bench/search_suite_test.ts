import assert from "node:assert/strict";
import { assertBenchRecord } from "../../bench/record.ts";
import { benchMckpExact } from "../../bench/search/mckp_exact.ts";
import { benchSearch, SEARCH_CASES } from "../../bench/search/run.ts";
import { selectSuites } from "../../bench/suites.ts";
import { parseModelsEnv, parseSettingsEnv, searchSuite } from "../../bench/suites/search.ts";
import { initBackend } from "../../engine/backend.ts";
import { saveLayersModel } from "../../engine/models/load.ts";
import { buildZooModel } from "../../engine/models/zoo.ts";

Deno.test({
  name: "the mckp-exact case finds the exhaustive optimum at three budgets and times both " +
    "(proxy objective, untrained cnn-s: no data read)",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await initBackend();
    const dir = await Deno.makeTempDir({ prefix: "tailor-search-bench-" });
    try {
      const model = buildZooModel("cnn-s", { seed: 3 }); // untrained: exactness needs no accuracy
      await saveLayersModel(model, dir);
      model.dispose();
      const lines: string[] = [];
      const records = await benchMckpExact({
        model: dir,
        values: "proxy",
        log: (l) => lines.push(l),
      });
      for (const r of records) {
        assertBenchRecord(r);
        assert.equal(r.error, undefined, r.error);
        assert.equal(r.suite, "search");
        assert.equal(r.case, "cnn-s/mckp-exact");
      }
      const gaps = records.filter((r) => r.metric === "optimality_gap");
      assert.equal(gaps.length, 3);
      assert.equal(new Set(gaps.map((r) => r.budget)).size, 3);
      for (const g of gaps) {
        assert.equal(g.value, 0);
        assert.equal(g.proven, true);
        assert.equal(g.unit, "value");
        assert.deepEqual(g.choicesPerLayer, [12, 12, 12, 3]);
        assert.equal(g.values, "proxy");
      }
      for (const metric of ["mckp_ms", "exhaustive_ms"]) {
        const times = records.filter((r) => r.metric === metric);
        assert.equal(times.length, 3);
        assert.ok(times.every((r) => r.unit === "ms" && (r.value ?? 0) > 0));
      }
      assert.ok(lines.some((l) => /gap 0/.test(l)));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("a case whose model cannot be loaded yields an error record instead of a throw", async () => {
  const records = await benchSearch({
    cases: ["cnn-s/mckp-exact"],
    models: { "cnn-s": "/nonexistent/tailor-model" },
    log: () => {},
  });
  assert.equal(records.length, 1);
  assertBenchRecord(records[0]);
  assert.equal(records[0]!.value, null);
  assert.match(records[0]!.error ?? "", /nonexistent/);
});

Deno.test("an unknown case name yields an error record naming the known cases", async () => {
  const records = await benchSearch({ cases: ["vgg16/fast"], log: () => {} });
  assert.equal(records.length, 1);
  assertBenchRecord(records[0]);
  assert.match(records[0]!.error ?? "", /vgg16\/fast/);
  assert.match(records[0]!.error ?? "", /cnn-s\/mckp-exact/);
  assert.equal(SEARCH_CASES.length, 5);
});

Deno.test("the search suite is registered but left out of --suite all", () => {
  assert.equal(selectSuites("search")[0], searchSuite);
  assert.ok(!selectSuites("all").includes(searchSuite));
});

Deno.test("the suite's environment settings parse, and malformed ones are refused", () => {
  assert.deepEqual(parseModelsEnv("cnn-s=/a, resnet8=/b"), { "cnn-s": "/a", resnet8: "/b" });
  assert.deepEqual(parseModelsEnv(undefined), {});
  assert.throws(() => parseModelsEnv("cnn-s"), RangeError);
  assert.deepEqual(parseSettingsEnv('{"finetuneSteps":30}'), { finetuneSteps: 30 });
  assert.throws(() => parseSettingsEnv('{"steps":30}'), TypeError);
  assert.throws(() => parseSettingsEnv('{"testLimit":-1}'), TypeError);
});
