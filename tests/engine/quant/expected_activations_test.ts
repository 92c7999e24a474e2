import assert from "node:assert/strict";
import { initBackend } from "../../../engine/backend.ts";
import { disposeWeights } from "../../../engine/exec/weights.ts";
import { clippedNormalMoments, erf, normalCdf } from "../../../engine/quant/_gauss.ts";
import { expectedActivations } from "../../../engine/quant/expected_activations.ts";
import { createRng } from "../../../engine/rng.ts";
import { TINY_GRAPH, tinyWeights } from "./_tiny_model.ts";

await initBackend("cpu");

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

Deno.test("erf() and normalCdf() match tabulated values", () => {
  close(erf(0.5), 0.5204998778, 2e-7, "erf(0.5)");
  close(erf(-1.5), -0.9661051465, 2e-7, "erf(-1.5)");
  close(normalCdf(1.96), 0.9750021049, 2e-7, "Phi(1.96)");
  assert.equal(normalCdf(-Infinity), 0);
});

Deno.test("clippedNormalMoments() gives the half-normal moments for ReLU(N(0, 1))", () => {
  const { mean, variance } = clippedNormalMoments(0, 1, 0, Infinity);
  close(mean, 1 / Math.sqrt(2 * Math.PI), 1e-7, "mean");
  close(variance, 0.5 - 1 / (2 * Math.PI), 1e-7, "variance");
});

Deno.test("clippedNormalMoments() agrees with sampling for ReLU6(N(5, 2²))", () => {
  const rng = createRng(9);
  let s = 0, s2 = 0;
  const n = 200_000;
  for (let i = 0; i < n; i++) {
    const v = Math.min(Math.max(5 + 2 * rng.normal(), 0), 6);
    s += v;
    s2 += v * v;
  }
  const { mean, variance } = clippedNormalMoments(5, 2, 0, 6);
  close(mean, s / n, 0.01, "mean");
  close(variance, s2 / n - (s / n) ** 2, 0.01, "variance");
  assert.deepEqual(clippedNormalMoments(7, 0, 0, 6), { mean: 6, variance: 0 });
});

Deno.test("expectedActivations() follows batch norms through ReLU and add; the input is unknown", () => {
  const weights = tinyWeights(2);
  const m = expectedActivations(TINY_GRAPH, weights);
  const gamma = weights.bn1!.gamma!.dataSync(), beta = weights.bn1!.beta!.dataSync();
  const relu1 = m.get("relu1")!;
  close(
    relu1.mean[3]!,
    clippedNormalMoments(beta[3]!, Math.abs(gamma[3]!), 0, Infinity).mean,
    1e-9,
    "relu1",
  );
  const bn2 = m.get("bn2")!, add = m.get("add")!;
  close(add.mean[5]!, bn2.mean[5]! + relu1.mean[5]!, 1e-12, "add mean");
  close(add.variance[5]!, bn2.variance[5]! + relu1.variance[5]!, 1e-12, "add variance");
  assert.equal(m.get("input"), undefined);
  assert.equal(m.get("conv1"), undefined);
  assert.equal(m.get("pool"), undefined); // a max pool's mean is not the input's
  assert.equal(m.get("flatten"), undefined);
  disposeWeights(weights);
});
