import assert from "node:assert/strict";
import { initBackend } from "../../../engine/backend.ts";
import { disposeWeights } from "../../../engine/exec/weights.ts";
import { uniformConfig } from "../../../engine/quant/act_targets.ts";
import { dataFreeRanges } from "../../../engine/quant/data_free.ts";
import { expectedActivations } from "../../../engine/quant/expected_activations.ts";
import {
  envelope,
  expectedClipError,
  gaussianModelOf,
  mseClipRange,
} from "../../../engine/quant/gauss_clip.ts";
import { quantize } from "../../../engine/quant/ptq.ts";
import { TINY_GRAPH, tinyWeights } from "./_tiny_model.ts";

await initBackend();

const close = (a: number, b: number, tol: number) =>
  assert.ok(Math.abs(a - b) <= tol, `${a} is not within ${tol} of ${b}`);

Deno.test("expectedClipError() of point masses: step²/12 inside, exact at 0 and the ends, squared distance outside", () => {
  const step = 3 / 15; // [-1, 2] at 4 bits
  const at = (v: number) => expectedClipError({ mean: [v], std: [0] }, -1, 2, 4);
  close(at(0.5), step * step / 12, 1e-12);
  assert.equal(at(0), 0);
  assert.equal(at(2), 0);
  assert.equal(at(-1), 0);
  close(at(3.5), 1.5 ** 2, 1e-12);
  close(at(-2), 1, 1e-12);
  // Channels add up; a ReLU floor maps the negative mass to 0, which is exact.
  close(expectedClipError({ mean: [0.5, 3.5], std: [0, 0] }, -1, 2, 4), at(0.5) + at(3.5), 1e-12);
  assert.equal(expectedClipError({ mean: [-3], std: [0], floor: 0 }, -1, 2, 4), 0);
  assert.throws(() => expectedClipError({ mean: [0], std: [1] }, 0.5, 2, 4), /must hold 0/);
  assert.throws(() => expectedClipError({ mean: [0, 1], std: [1] }, -1, 1, 4), /2 means with 1/);
});

Deno.test("expectedClipError() of a Gaussian well inside the range is step²/12", () => {
  const step = 16 / 255;
  close(expectedClipError({ mean: [0], std: [1] }, -8, 8, 8), step * step / 12, 1e-9);
});

Deno.test("mseClipRange() of one Gaussian finds ACIQ's clipping values (Banner et al. 2019)", () => {
  // ACIQ's optimal clipping of N(0, 1) at 4..8 bits; 2^b - 1 steps here against their 2^b.
  const aciq: Record<number, number> = { 4: 2.55, 5: 2.94, 6: 3.29, 7: 3.61, 8: 3.92 };
  for (const [bits, k] of Object.entries(aciq)) {
    const r = mseClipRange({ mean: [0], std: [1] }, Number(bits));
    close(r.k, k, 0.06);
    close(r.max, r.k, 1e-12);
    close(r.min, -r.k, 1e-12);
  }
});

Deno.test("mseClipRange() clips a wide channel more at fewer bits, never below the floor", () => {
  const m = { mean: [0.2, 0.1, 0.3, 0.5], std: [1, 1, 1, 8], floor: 0 };
  const [r4, r8] = [mseClipRange(m, 4), mseClipRange(m, 8)];
  assert.equal(r4.min, 0);
  assert.ok(r4.max < r8.max, `${r4.max} against ${r8.max}`);
  assert.ok(r8.max < envelope(m, 6).max);
  // A better range than the fixed 4σ envelope, by its own measure.
  const e4 = envelope(m, 4);
  assert.ok(expectedClipError(m, r4.min, r4.max, 4) < expectedClipError(m, e4.min, e4.max, 4));
  assert.throws(() => mseClipRange({ mean: [0], std: [0] }, 4), /constant at 0/);
});

Deno.test("gaussianModelOf() takes an activation's input moments, clipped to its interval", () => {
  const weights = tinyWeights(3);
  const moments = expectedActivations(TINY_GRAPH, weights);
  const ranges = dataFreeRanges(TINY_GRAPH, weights);
  const relu1 = gaussianModelOf(TINY_GRAPH, "relu1", moments, ranges)!;
  const bn1 = moments.get("bn1")!;
  assert.deepEqual(Array.from(relu1.mean), Array.from(bn1.mean));
  assert.deepEqual(Array.from(relu1.std), Array.from(bn1.variance, Math.sqrt));
  assert.equal(relu1.floor, 0);
  assert.equal(gaussianModelOf(TINY_GRAPH, "input", moments, ranges), undefined);
  assert.equal(gaussianModelOf(TINY_GRAPH, "conv1", moments, ranges), undefined);
  disposeWeights(weights);
});

Deno.test("quantize() without data narrows a batch norm's tensor at 4 bits, not at 8; bnRangeK keeps the envelope", () => {
  const weights = tinyWeights(3);
  const max = (abits: number, calibration = {}) => {
    const q = quantize(TINY_GRAPH, weights, uniformConfig(TINY_GRAPH, { wbits: 8, abits }), {
      calibration,
    });
    const p = q.activationParams.relu1!;
    q.dispose();
    return p.scale[0]! * ((2 ** abits - 1) - p.zeroPoint[0]!);
  };
  const [a4, a8, k4] = [max(4), max(8), max(4, { bnRangeK: 4 })];
  const bn = envelope(
    gaussianModelOf(
      TINY_GRAPH,
      "relu1",
      expectedActivations(TINY_GRAPH, weights),
      dataFreeRanges(TINY_GRAPH, weights),
    )!,
    4,
  );
  close(k4, bn.max, 1e-4);
  assert.ok(a4 < a8 && a8 < k4 * 1.01, `4 bits ${a4}, 8 bits ${a8}, 4σ ${k4}`);
  disposeWeights(weights);
});
