import assert from "node:assert/strict";
import { peakSram } from "../../../engine/cost/memory.ts";
import { networkCost } from "../../../engine/cost/network.ts";
import { chainGraph, oneConvGraph, residualGraph } from "../../fixtures/graphs.ts";
import { tinyProfile } from "./_profile.ts";

Deno.test("peakSram() counts the input and output of a single conv", () => {
  assert.equal(peakSram(oneConvGraph, { layers: {} }), 8 * 8 * 3 + 8 * 8 * 4);
});

Deno.test("peakSram() keeps a residual input live until the add", () => {
  // at the add: a's output (held for the skip), b's output and the sum, 64 bytes each;
  // a chain without the skip would peak at 2 x 64
  assert.equal(peakSram(residualGraph, { layers: {} }), 3 * 64);
});

Deno.test("peakSram() does not count fused batch-norm and activation outputs", () => {
  // bn and relu write into a's buffer: with them as separate tensors the peak would be larger
  const bytes = peakSram(residualGraph, { layers: {} });
  assert.ok(bytes < 4 * 64);
});

Deno.test("peakSram() stores a tensor at the activation bits of its readers", () => {
  const cfg = {
    layers: {
      b: { wbits: 8, abits: 4, width: 1 },
      fc: { wbits: 8, abits: 4, width: 1 },
    },
  };
  // a's output is read by b (4 bits) and the add, whose sum is read (via gap) by fc (4 bits):
  // every tensor at the add step is 32 bytes
  assert.equal(peakSram(residualGraph, cfg), 3 * 32);
});

Deno.test("peakSram() shrinks with pruned widths", () => {
  const cfg = {
    layers: { a: { wbits: 8, abits: 8, width: 0.5 }, b: { wbits: 8, abits: 8, width: 0.5 } },
  };
  assert.equal(peakSram(residualGraph, cfg), 3 * 32);
  // input 8x8x3 + c1 at half width (4 channels) vs c1 + c2 at full width 8x8x4 + 8x8x8
  const chain = peakSram(chainGraph, { layers: { c1: { wbits: 8, abits: 8, width: 0.5 } } });
  assert.equal(chain, 8 * 8 * 4 + 8 * 8 * 8);
});

Deno.test("networkCost() reports the same peak SRAM as peakSram()", () => {
  const cost = networkCost(residualGraph, tinyProfile(), { layers: {} });
  assert.equal(cost.totals.peakSramBytes, peakSram(residualGraph, { layers: {} }));
});
