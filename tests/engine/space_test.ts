import assert from "node:assert/strict";
import { networkCost } from "../../engine/cost/network.ts";
import { peakSram } from "../../engine/cost/memory.ts";
import {
  buildSearchSpace,
  choiceOfConfiguration,
  choiceOfGenes,
  configurationOf,
  EmptySearchSpaceError,
  genesAt,
  genesOfChoice,
  indexOfGenes,
  nextGenes,
  spaceLog10Size,
  spaceSize,
} from "../../engine/space.ts";
import { memoryModelOf, peakOfChoice } from "../../engine/space/memory.ts";
import { proxyValues } from "../../engine/space/proxy_values.ts";
import { buildProblem } from "../../engine/strategies/problem.ts";
import { evaluateChoice } from "../../engine/strategies/evaluate.ts";
import { depthwiseGraph, residualGraph } from "../fixtures/graphs.ts";
import { tinyProfile } from "./cost/_profile.ts";

const profile = tinyProfile();

Deno.test("buildSearchSpace() gives a residual group one width gene and pins the output layer", () => {
  const space = buildSearchSpace(residualGraph, profile);
  assert.deepEqual(space.layers, ["a", "b", "fc"]);
  assert.equal(space.widthGene[0], space.widthGene[1]);
  assert.equal(space.widthGene[2], -1);
  assert.deepEqual(space.widths[0], [0.25, 0.5, 0.75, 1]);
  assert.deepEqual(space.widths[2], [1]);
  // 4 widths x 3 conv pairs x 3 conv pairs x 2 dense pairs
  assert.equal(spaceSize(space), 72n);
  assert.ok(Math.abs(spaceLog10Size(space) - Math.log10(72)) < 1e-12);
});

Deno.test("buildSearchSpace() lets a depthwise layer's width follow its producer", () => {
  const space = buildSearchSpace(depthwiseGraph, profile);
  const dw = space.layers.indexOf("dw");
  assert.equal(space.widthGene[dw], -1);
  assert.deepEqual(space.widths[dw], [1]);
  assert.deepEqual(space.pairs[dw], [{ w: 8, a: 8 }]);
  assert.equal(space.genes.filter((g) => g.kind === "width").length, 2); // pw1, pw2
});

Deno.test("buildSearchSpace() drops widths that keep the same channel counts", () => {
  // "a" and "b" have 4 channels: 0.1 and 0.25 both keep 1 channel
  const space = buildSearchSpace(residualGraph, profile, { widths: [0.1, 0.25, 1] });
  assert.deepEqual(space.widths[0], [0.1, 1]);
});

Deno.test("buildSearchSpace() restricts bits and names the layer when nothing is left", () => {
  const space = buildSearchSpace(residualGraph, profile, { wbits: [4] });
  assert.deepEqual(space.pairs[0], [{ w: 4, a: 8 }, { w: 4, a: 4 }]);
  assert.throws(
    () => buildSearchSpace(residualGraph, profile, { wbits: [2] }),
    (e: unknown) =>
      e instanceof EmptySearchSpaceError && e.layer === "a" && e.op === "conv2d" &&
      /supports w8a8, w4a8, w4a4 for conv2d/.test(e.message),
  );
  assert.throws(() => buildSearchSpace(residualGraph, profile, { widths: [0] }), RangeError);
});

Deno.test("genes, choices, indices and configurations convert both ways over the whole space", () => {
  const space = buildSearchSpace(residualGraph, profile);
  const genes = new Int32Array(space.genes.length);
  const seen = new Set<string>();
  let i = 0n;
  do {
    assert.equal(indexOfGenes(space, genes), i);
    assert.deepEqual(genesAt(space, i), genes);
    const choice = choiceOfGenes(space, genes);
    assert.deepEqual(genesOfChoice(space, choice), genes);
    const config = configurationOf(space, choice);
    assert.equal(config.layers.a!.width, config.layers.b!.width);
    assert.deepEqual(choiceOfConfiguration(space, config), choice);
    seen.add(JSON.stringify(config));
    i++;
  } while (nextGenes(space, genes));
  assert.equal(BigInt(seen.size), spaceSize(space));
  assert.throws(() => genesAt(space, 72n), RangeError);
});

Deno.test("genesOfChoice() rejects group members with different widths", () => {
  const space = buildSearchSpace(residualGraph, profile);
  assert.throws(() => genesOfChoice(space, [0, 1, 0]), /width group/);
});

for (const graph of [residualGraph, depthwiseGraph]) {
  Deno.test(`exact evaluation equals networkCost() and peakSram() on every ${graph.name} configuration`, () => {
    const space = buildSearchSpace(graph, profile);
    const problem = buildProblem(graph, profile, { space, values: proxyValues(graph, space) });
    const model = memoryModelOf(graph, space);
    const genes = new Int32Array(space.genes.length);
    do {
      const choice = choiceOfGenes(space, genes);
      const config = configurationOf(space, choice);
      const want = networkCost(graph, profile, config).totals;
      const got = evaluateChoice(problem, choice);
      assert.equal(peakOfChoice(model, space, choice), peakSram(graph, config));
      assert.equal(got.sram, want.peakSramBytes);
      assert.ok(Math.abs(got.latency - want.latencyMs) <= 1e-9 * want.latencyMs);
      assert.ok(Math.abs(got.flash - want.flashBytes) < 1e-6);
      assert.ok(Math.abs(got.energy! - want.energyMj!) <= 1e-9 * want.energyMj!);
    } while (nextGenes(space, genes));
  });
}
