import assert from "node:assert/strict";
import { createSubjects } from "../../actors/protocol.ts";
import { runId } from "../../cli/search.ts";

Deno.test("runs started in the same second with the same seed get different ids", () => {
  const at = new Date("2026-11-30T01:23:21Z");
  const ids = new Set(Array.from({ length: 16 }, () => runId(0, at)));
  // 16 draws of 16 random bits: one collision has p ≈ 0.2%, two p ≈ 1e-6; allow one.
  assert.ok(ids.size >= 15, `${ids.size} distinct ids of 16`);
  for (const id of ids) {
    assert.match(id, /^run-20261130-012321-s0-[0-9a-f]{4}$/);
    createSubjects().events(id); // a valid subject token, or this throws
  }
});
