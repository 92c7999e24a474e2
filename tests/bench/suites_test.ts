import assert from "node:assert/strict";
import { selectSuites, SUITES, UnknownSuiteError } from "../../bench/suites.ts";
import type { Suite } from "../../bench/suite.ts";
import { trainSuite } from "../../bench/suites/train.ts";

const fake = (name: string, inAll?: boolean): Suite => ({
  name,
  description: name,
  ...(inAll === undefined ? {} : { inAll }),
  run: () => Promise.resolve([]),
});

Deno.test("the registry has the train suite and unique names", () => {
  const names = SUITES.map((s) => s.name);
  assert.ok(names.includes("train"));
  assert.equal(new Set(names).size, names.length);
});

Deno.test("selectSuites() finds one suite by name", () => {
  assert.deepEqual(selectSuites("train").map((s) => s.name), ["train"]);
});

Deno.test("selectSuites('all') runs every suite except those marked inAll: false", () => {
  const reg = [fake("a"), fake("b", false), fake("c", true)];
  assert.deepEqual(selectSuites("all", reg).map((s) => s.name), ["a", "c"]);
  assert.ok(!selectSuites("all").some((s) => s.name === "selftest"));
});

Deno.test("selectSuites() rejects an unknown suite with UnknownSuiteError naming it", () => {
  assert.throws(() => selectSuites("nope"), (e: unknown) => {
    assert.ok(e instanceof UnknownSuiteError);
    assert.ok(e instanceof RangeError);
    assert.match(e.message, /"nope"/);
    assert.match(e.message, /train/);
    return true;
  });
});

Deno.test("the train suite rejects a model that is not in the zoo, before timing anything", async () => {
  await assert.rejects(
    trainSuite.run({ cases: ["vgg16"], noPeer: true, log: () => {} }),
    (e: unknown) => e instanceof RangeError && /vgg16/.test(e.message),
  );
});
