import assert from "node:assert/strict";
import { ProfileError } from "../../../engine/profile/errors.ts";
import { findMeasured } from "../../../engine/profile/lookup.ts";
import { mergeMeasurements } from "../../../engine/profile/merge.ts";
import type { MeasuredRow } from "../../../engine/profile/types.ts";
import { parseProfile } from "../../../engine/profile/validate.ts";
import { tinyProfile } from "./fixtures.ts";

const base = parseProfile(tinyProfile());
const shape = { inH: 8, inW: 8, cin: 4, cout: 8, kernel: 3, stride: 1, groups: 1 };
const row = (meanMs: number, wbits = 8): MeasuredRow => ({
  op: "conv2d",
  shape,
  wbits,
  abits: 8,
  latency: { meanMs, stdMs: 0, count: 10 },
});

Deno.test("mergeMeasurements() replaces a row with the same key and appends new keys", () => {
  const merged = mergeMeasurements(base, [row(0.3), row(0.2, 4)]);
  assert.equal(merged.measured.length, 2);
  assert.equal(findMeasured(merged, row(0, 8))?.latency.meanMs, 0.3);
  assert.equal(findMeasured(merged, row(0, 4))?.latency.meanMs, 0.2);
  assert.equal(base.measured[0]?.latency.meanMs, 0.25); // input untouched
});

Deno.test("mergeMeasurements() cites a given source and drops notes on replaced rows", () => {
  const withNote = parseProfile({
    ...tinyProfile(),
    provenance: { ...tinyProfile().provenance, notes: { "measured[0].latency": "M lab" } },
  });
  const source = { id: "team", citation: "Team CSV 2025-02" };
  const merged = mergeMeasurements(withNote, [row(0.3)], { source });
  assert.equal(merged.measured[0]?.source, "team");
  assert.deepEqual(merged.provenance.sources.map((s) => s.id), ["lab", "team"]);
  assert.equal(merged.provenance.notes["measured[0].latency"], undefined);
});

Deno.test("mergeMeasurements() rejects a row with an unsupported bit pair", () => {
  assert.throws(
    () => mergeMeasurements(base, [row(0.1, 2)]),
    (e: unknown) =>
      e instanceof ProfileError &&
      e.issues[0]?.path === "measured[1]" && /w2a8 is not in supported\.conv2d/.test(e.message),
  );
});
