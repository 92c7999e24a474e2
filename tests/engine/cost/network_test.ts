import assert from "node:assert/strict";
import { networkCost } from "../../../engine/cost/network.ts";
import { UnsupportedBitsError } from "../../../engine/cost/errors.ts";
import { depthwiseGraph, oneConvGraph, residualGraph } from "../../fixtures/graphs.ts";
import { tinyProfile } from "./_profile.ts";

const close = (x: number, y: number, eps = 1e-9) =>
  assert.ok(Math.abs(x - y) <= eps * Math.max(1, Math.abs(y)), `${x} != ${y}`);

Deno.test("networkCost() prices one 8-bit conv by hand", () => {
  const cost = networkCost(oneConvGraph, tinyProfile(), { layers: {} });
  const c = cost.layers[0]!;
  // 8x8 output, 4 filters, 3x3 kernel, 3 input channels
  assert.equal(c.macs, 8 * 8 * 4 * 9 * 3);
  // 108 weights at 8 bits + 4 float32 scales + 4 int32 biases
  assert.equal(c.flashBytes, 108 + 16 + 16);
  assert.equal(c.bops, 6912 * 64);
  // 10 fixed cycles + max(6912 MACs / 1, 588 bytes / 1) at 1 MHz
  close(c.latencyMs, 6.922);
  assert.equal(c.latencySource, "analytic");
  // 6912 pJ MACs + (192 + 256) B SRAM * 2 pJ + 140 B flash * 10 pJ
  close(c.energyMj!, 9208e-9);
  assert.equal(cost.totals.peakSramBytes, 192 + 256);
  close(cost.totals.latencyMs, 6.922);
});

Deno.test("networkCost() halves MAC time and packs weights at 4 bits", () => {
  const cost = networkCost(oneConvGraph, tinyProfile(), {
    layers: { c: { wbits: 4, abits: 8, width: 1 } },
  });
  const c = cost.layers[0]!;
  assert.equal(c.flashBytes, 54 + 16 + 16);
  close(c.latencyMs, (10 + 3456) / 1000);
  assert.equal(c.bops, 6912 * 32);
});

Deno.test("networkCost() uses the bytes term when a layer is memory-bound", () => {
  const cost = networkCost(residualGraph, tinyProfile(), { layers: {} });
  const a = cost.layers.find((l) => l.name === "a")!;
  // 128 MACs < 32 + 64 activation bytes + 40 flash bytes
  assert.equal(a.macs, 128);
  assert.equal(a.flashBytes, 8 + 16 + 16); // the folded batch-norm gives a a bias
  close(a.latencyMs, (10 + 136) / 1000);
  const add = cost.ops.find((o) => o.name === "add")!;
  close(add.latencyMs, (10 + 192) / 1000); // 64 element ops, 2 x 64 + 64 bytes
  const gap = cost.ops.find((o) => o.name === "gap")!;
  assert.equal(gap.latencyMs, 0); // the profile lists no pool pair: zero, by contract
  assert.equal(gap.latencySource, "none");
  close(cost.totals.latencyMs, 0.146 + 2.314 + 0.144 + 0.202);
});

Deno.test("networkCost() prices a depthwise layer from its input channels", () => {
  const cost = networkCost(depthwiseGraph, tinyProfile(), {
    layers: { pw1: { wbits: 8, abits: 8, width: 0.5 } },
  });
  const dw = cost.layers.find((l) => l.name === "dw")!;
  assert.equal(dw.cin, 4);
  assert.equal(dw.cout, 4);
  assert.equal(dw.width, 0.5);
  assert.equal(dw.macs, 8 * 8 * 4 * 9);
  assert.equal(dw.flashBytes, 36 + 16); // no bias: none declared, no batch-norm after it
  const pw2 = cost.layers.find((l) => l.name === "pw2")!;
  assert.equal(pw2.cin, 4);
  assert.equal(pw2.macs, 64 * 6 * 4);
});

Deno.test("networkCost() rejects an unsupported bit pair with UnsupportedBitsError", () => {
  const err = assert.throws(
    () =>
      networkCost(oneConvGraph, tinyProfile(), { layers: { c: { wbits: 2, abits: 2, width: 1 } } }),
    (e: unknown) => {
      assert.ok(e instanceof UnsupportedBitsError);
      assert.equal(e.layer, "c");
      assert.equal(e.op, "conv2d");
      assert.deepEqual(e.pair, { w: 2, a: 2 });
      assert.match(e.message, /w2a2.*supported: w8a8, w4a8, w4a4/);
      return true;
    },
  );
  void err;
});

Deno.test("networkCost() rejects a layer name the graph does not have", () => {
  assert.throws(
    () =>
      networkCost(oneConvGraph, tinyProfile(), {
        layers: { nope: { wbits: 8, abits: 8, width: 1 } },
      }),
    (e: unknown) => e instanceof RangeError && /"nope"/.test(e.message),
  );
});

Deno.test("networkCost() reports null energy when the profile has no energy model", () => {
  const cost = networkCost(oneConvGraph, tinyProfile([], { energy: false }), { layers: {} });
  assert.equal(cost.layers[0]!.energyMj, null);
  assert.equal(cost.totals.energyMj, null);
});

Deno.test("networkCost() defaults omitted layers to w8a8 width 1", () => {
  const a = networkCost(residualGraph, tinyProfile(), { layers: {} });
  const b = networkCost(residualGraph, tinyProfile(), {
    layers: {
      a: { wbits: 8, abits: 8, width: 1 },
      b: { wbits: 8, abits: 8, width: 1 },
      fc: { wbits: 8, abits: 8, width: 1 },
    },
  });
  assert.deepEqual(a.totals, b.totals);
});
