import assert from "node:assert/strict";
import { niceTicks, renderReport } from "../../../engine/search/report.ts";
import { resultNotes } from "../../../engine/search/result.ts";
import type { ResultCosts, SearchResult } from "../../../engine/search/result.ts";

const costs = (flashBytes: number, latencyMs = 80): ResultCosts => ({
  latencyMs,
  energyMj: null,
  flashBytes,
  peakSramBytes: 37_632,
  bops: 1e8,
});
const layers = (wbits: number) => ({
  conv1: { wbits, abits: 8, width: 1 },
  logits: { wbits, abits: 8, width: 1 },
});

/** A two-point front under flash budgets, with a uniform reference far below it. */
function result(): SearchResult {
  return {
    format: "tailor-result/v1",
    run: "r1",
    model: "resnet8",
    profile: "cortex-m7-stm32h743",
    budgets: [
      { kind: "flash", value: 40 * 1024, text: "flash=40KiB" },
      { kind: "flash", value: 56 * 1024, text: "flash=56KiB" },
    ],
    strategy: "mckp",
    seed: 0,
    dataFree: false,
    baseline: {
      accuracy: 0.9265,
      costs: costs(79_840),
      uniformAccuracy: 0.9262,
      uniformFinetuneSteps: 0,
      layers: layers(8),
    },
    chosen: {
      layers: { conv1: { wbits: 8, abits: 8, width: 1 }, logits: { wbits: 4, abits: 8, width: 1 } },
      accuracy: 0.9234,
      costs: costs(52_192),
      value: 0.002,
      proven: true,
      uniform: { layers: layers(4), accuracy: 0.62, costs: costs(41_304) },
      uniforms: [{ layers: layers(4), accuracy: 0.62, costs: costs(41_304) }],
    },
    front: [
      {
        budget: "flash=40KiB",
        value: 0.01,
        costs: costs(40_000),
        layers: layers(4),
        accuracy: 0.915,
      },
      {
        budget: "flash=56KiB",
        value: 0.002,
        costs: costs(52_192),
        layers: layers(8),
        accuracy: 0.9234,
        chosen: true,
      },
    ],
    infeasible: [],
    timings: { search: 1, total: 2 },
    spaceLog10: 8.4,
  };
}

Deno.test("niceTicks() steps by 1, 2 or 5 times a power of ten and covers the range", () => {
  assert.deepEqual(niceTicks(0, 84), [0, 20, 40, 60, 80]);
  assert.deepEqual(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(91.3, 93.3, 4), [91.5, 92, 92.5, 93]);
  assert.deepEqual(niceTicks(5, 5), [5]);
});

Deno.test("the report's front plot keeps every mark inside its frame, in KiB", () => {
  const html = renderReport(result());
  const svg = html.slice(html.indexOf("<svg"), html.indexOf("</svg>"));
  const W = Number(/viewBox="0 0 (\d+) /.exec(svg)![1]);
  const xs = [...svg.matchAll(/\b(?:cx|x1|x2)="([-\d.]+)"/g)].map((m) => Number(m[1]));
  assert.ok(xs.length >= 6, "front points, budget lines and float line are drawn");
  for (const x of xs) assert.ok(x >= 0 && x <= W, `x ${x} inside 0..${W}`);
  assert.match(svg, /flash \(KiB\)/);
  assert.match(svg, /budget 56\.0 KiB/);
  assert.match(svg, /float 92\.65%/);
  // The uniform default is drawn, and the uniform at 62% (far below the front) sits on the
  // bottom edge with its value in its tooltip rather than stretching the scale.
  assert.match(svg, /uniform default \(uniform w8a8 ×1\): 78\.0 KiB, 92\.62%/);
  assert.match(svg, /<path [^>]*class="uni"><title>uniform w4a8 ×1: 40\.3 KiB, 62\.00%/);
  assert.match(html, /<th title="[^"]*">predicted loss<\/th>/);
});

Deno.test("the cost table holds the chosen configuration against its own budget point", () => {
  // The first point (40 KiB) could not be met: the answer is the 56 KiB point's.
  const r = {
    ...result(),
    chosen: { ...result().chosen, budget: "flash=56KiB" },
    infeasible: [{ budget: "flash=40KiB", message: "smallest achievable flash: 41,000 B" }],
  };
  const html = renderReport(r);
  const row = /<tr><td>flash<\/td>.*?<\/tr>/.exec(html)![0];
  assert.match(row, /<td class="ok">52,192 B<\/td><td>57,344 B<\/td>/);
  assert.match(
    html,
    /budget point flash=40KiB cannot be met \(smallest achievable flash: 41,000 B\); the chosen configuration answers flash=56KiB/,
  );
});

Deno.test("resultNotes() says when no budget binds, and is silent when one does", () => {
  const binding = result();
  assert.deepEqual(resultNotes(binding), []);
  const slack: SearchResult = {
    ...binding,
    budgets: [{ kind: "flash", value: 100 * 1024, text: "flash=100KiB" }],
    chosen: { ...binding.chosen, budget: "flash=100KiB" },
  };
  const [note, ...rest] = resultNotes(slack);
  assert.equal(rest.length, 0);
  assert.match(
    note!,
    /the budget does not bind: .*already meets it \(79,840 B against flash=100KiB\)/,
  );
});
