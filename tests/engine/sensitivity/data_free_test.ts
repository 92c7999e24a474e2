import assert from "node:assert/strict";
import { tf } from "../../../engine/backend.ts";
import { defaultChoices } from "../../../engine/sensitivity/choices.ts";
import { dataFreeSensitivity } from "../../../engine/sensitivity/data_free.ts";
import { rectifiedGaussian } from "../../../engine/sensitivity/_moments.ts";
import { createRng } from "../../../engine/rng.ts";
import { monotoneViolations } from "./_checks.ts";
import { trainedTiny } from "./_model.ts";

const { graph, weights } = await trainedTiny();
const choices = defaultChoices(graph, { wbits: [2, 4, 8, 32], abits: [2, 4, 8, 32] });

Deno.test("dataFreeSensitivity() needs no data and gives finite non-negative values", () => {
  const t = dataFreeSensitivity(graph, weights, { choices });
  const values = [
    ...Object.values(t.bits).flat().map((e) => e.value),
    ...t.groups.flatMap((g) => g.entries.map((e) => e.value)),
  ];
  assert.ok(values.every((v) => Number.isFinite(v) && v >= 0));
  assert.equal(t.meta.examples, 0);
  assert.equal(t.meta.method, "data-free");
});

Deno.test("dataFreeSensitivity() costs more for fewer bits and narrower widths, on average", () => {
  assert.deepEqual(monotoneViolations(dataFreeSensitivity(graph, weights, { choices })), []);
});

Deno.test("dataFreeSensitivity() gives the float choice exactly 0", () => {
  const t = dataFreeSensitivity(graph, weights, { choices });
  for (const es of Object.values(t.bits)) {
    assert.equal(es.find((e) => e.wbits === 32 && e.abits === 32)!.value, 0);
  }
});

Deno.test("dataFreeSensitivity() keeps the tensor count constant", () => {
  const before = tf.memory().numTensors;
  dataFreeSensitivity(graph, weights, { choices });
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("dataFreeSensitivity() rejects a criterion that needs data", () => {
  assert.throws(
    () => dataFreeSensitivity(graph, weights, { choices, criterion: "integrated-gradients" }),
    /without data/,
  );
});

Deno.test("rectifiedGaussian() matches a Monte-Carlo estimate of E[relu(y)], E[relu(y)^2]", () => {
  const rng = createRng(1);
  for (const [m, s] of [[0.3, 1.2], [-1, 0.5], [2, 0.1]] as const) {
    let a = 0, b = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      const z = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
      const r = Math.max(0, m + s * z);
      a += r / n;
      b += r * r / n;
    }
    const g = rectifiedGaussian(m, s);
    assert.ok(Math.abs(g.mean - a) < 0.01 && Math.abs(g.sq - b) < 0.02, `${m},${s}`);
  }
});
