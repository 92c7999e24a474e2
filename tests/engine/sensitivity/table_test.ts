import assert from "node:assert/strict";
import { assembleSpace } from "../../../engine/space/assemble.ts";
import {
  objectiveValue,
  optionValues,
  type SensitivityTable,
} from "../../../engine/sensitivity/table.ts";
import { choicesOfSpace } from "../../../engine/sensitivity/choices.ts";

const meta = { method: "data-free", graph: "g", unit: "u", examples: 0, batches: 0, seconds: 0 };
const table: SensitivityTable = {
  bits: {
    a: [{ wbits: 8, abits: 8, value: 1 }, { wbits: 4, abits: 8, value: 3 }],
    b: [{ wbits: 8, abits: 8, value: 2 }, { wbits: 4, abits: 8, value: -5 }],
  },
  groups: [{ layers: ["a", "b"], entries: [{ width: 0.5, value: 10 }, { width: 1, value: 0 }] }],
  meta: meta as SensitivityTable["meta"],
};
const space = assembleSpace({
  layers: ["a", "b"].map((name) => ({
    name,
    op: "conv2d",
    pairs: [{ w: 8, a: 8 }, { w: 4, a: 8 }],
    widths: [0.5, 1],
    group: "g",
  })),
});

Deno.test("objectiveValue() sums bit values per layer and each group's width once", () => {
  const c = { wbits: 4, abits: 8, width: 0.5 };
  assert.equal(objectiveValue(table, { layers: { a: c, b: c } }), 3 - 5 + 10);
});

Deno.test("optionValues() puts a group's width value on its first layer only", () => {
  const v = optionValues(table, space, { clamp: false });
  // options are pair-major: [w8 x0.5, w8 x1, w4 x0.5, w4 x1]
  assert.deepEqual([...v[0]!], [11, 1, 13, 3]);
  assert.deepEqual([...v[1]!], [2, 2, -5, -5]);
});

Deno.test("optionValues() clamps negative values at 0 by default", () => {
  assert.deepEqual([...optionValues(table, space)[1]!], [2, 2, 0, 0]);
});

Deno.test("optionValues() names a pair the table lacks", () => {
  const other = assembleSpace({
    layers: [{ name: "a", op: "conv2d", pairs: [{ w: 2, a: 8 }], widths: [1] }],
  });
  assert.throws(() => optionValues(table, other), /layer "a" at w2a8/);
});

Deno.test("choicesOfSpace() lists every layer's pairs and each width gene's group", () => {
  const c = choicesOfSpace(space);
  assert.deepEqual(c.bits.b, [{ wbits: 8, abits: 8 }, { wbits: 4, abits: 8 }]);
  assert.deepEqual(c.groups, [{ layers: ["a", "b"], widths: [0.5, 1] }]);
});
