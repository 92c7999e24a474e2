import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { forward } from "../../../engine/exec/forward.ts";
import { disposeWeights, weightsFromArrays } from "../../../engine/exec/weights.ts";
import { foldBatchNormsBackward } from "../../../engine/export/fold_graph.ts";
import type { Graph } from "../../../engine/models/ir.ts";
import { createRng } from "../../../engine/rng.ts";
import { tinyGraph, tinyWeights } from "./_fixture.ts";

await initBackend("cpu");

const x = (() => {
  const rng = createRng(2);
  return tf.tensor4d(Float32Array.from({ length: 2 * 6 * 6 * 2 }, () => rng.next()), [2, 6, 6, 2]);
})();

function run(graph: Graph, arrays: ReturnType<typeof tinyWeights>): Float32Array {
  const w = weightsFromArrays(arrays);
  const y = forward(graph, w, x);
  const out = y.dataSync() as Float32Array;
  y.dispose();
  disposeWeights(w);
  return out;
}

Deno.test("foldBatchNormsBackward() removes a backward-foldable batch norm, outputs agree to 1e-5", () => {
  const weights = tinyWeights();
  const folded = foldBatchNormsBackward(tinyGraph, weights);
  assert.equal(folded.graph.nodes.some((n) => n.name === "bn"), false);
  assert.deepEqual(folded.graph.nodes.find((n) => n.name === "act")!.inputs, ["dw"]);
  assert.equal(folded.weights.bn, undefined);
  assert.equal(folded.weights.dw!.bias!.shape[0], 8);
  const a = run(tinyGraph, weights), b = run(folded.graph, folded.weights);
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) < 1e-5, `${v} vs ${b[i]}`));
});

Deno.test("foldBatchNormsBackward() keeps a batch norm after a nonlinearity, with the reason", () => {
  const nodes = tinyGraph.nodes.map((n) =>
    n.name === "dw" ? { ...n, activation: "relu" as const } : n
  );
  const graph: Graph = { ...tinyGraph, nodes };
  const folded = foldBatchNormsBackward(graph, tinyWeights());
  assert.ok(folded.graph.nodes.some((n) => n.name === "bn"));
  assert.match(folded.unfolded.get("bn")!, /relu/);
});
