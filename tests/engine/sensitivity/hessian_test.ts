import assert from "node:assert/strict";
import { tf } from "../../../engine/backend.ts";
import { defaultChoices } from "../../../engine/sensitivity/choices.ts";
import { hessianSensitivity } from "../../../engine/sensitivity/hessian.ts";
import { monotoneViolations } from "./_checks.ts";
import { trainedTiny } from "./_model.ts";

const { graph, weights, data } = await trainedTiny();
const choices = defaultChoices(graph, { wbits: [2, 4, 8, 32], abits: [2, 4, 8, 32] });
const before = tf.memory().numTensors;
const table = hessianSensitivity(graph, weights, data, { choices, maxDraws: 12, seed: 1 });
const after = tf.memory().numTensors;

Deno.test("hessianSensitivity() gives non-negative values, 0 for float, and reports variances", () => {
  const values = Object.values(table.bits).flat();
  assert.ok(values.every((e) => Number.isFinite(e.value) && e.value >= 0));
  assert.ok(values.filter((e) => e.wbits === 32 && e.abits === 32).every((e) => e.value === 0));
  const d = table.meta.details as { traceVariance: number[]; draws: number[] };
  assert.equal(d.draws.length, 2); // one Hutchinson run per batch
  assert.ok(d.traceVariance.every((v) => Number.isFinite(v) && v >= 0));
});

Deno.test("hessianSensitivity() costs more for fewer bits and narrower widths, on average", () => {
  assert.deepEqual(monotoneViolations(table), []);
});

Deno.test("hessianSensitivity() keeps the tensor count constant", () => {
  assert.equal(after, before);
});

Deno.test("hessianSensitivity() rejects no data", () => {
  assert.throws(() => hessianSensitivity(graph, weights, [], { choices }), RangeError);
});
