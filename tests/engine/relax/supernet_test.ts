import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { forward } from "../../../engine/exec/forward.ts";
import { disposeWeights } from "../../../engine/exec/weights.ts";
import { type ComputeNode, isComputeNode } from "../../../engine/models/ir.ts";
import { fakeQuant } from "../../../engine/quant/fake_quant.ts";
import { computeQParams } from "../../../engine/quant/qparams.ts";
import { channelView, fakeQuantWeight } from "../../../engine/quant/weight_channels.ts";
import { createArchitecture } from "../../../engine/relax/architecture.ts";
import { RangeRecorder } from "../../../engine/relax/quantizers.ts";
import { createSupernet, disposeGates } from "../../../engine/relax/supernet.ts";
import { createRng } from "../../../engine/rng.ts";
import { buildSearchSpace } from "../../../engine/space.ts";
import { residualGraph } from "../../fixtures/graphs.ts";
import { tinyProfile } from "../cost/_profile.ts";
import { randomWeights } from "./_weights.ts";

await initBackend("cpu");

const graph = residualGraph;
const space = buildSearchSpace(graph, tinyProfile());

function input(seed: number): tf.Tensor4D {
  const rng = createRng(seed);
  return tf.tensor4d(Float32Array.from({ length: 3 * 4 * 4 * 2 }, () => rng.normal()), [
    3,
    4,
    4,
    2,
  ]);
}

function referenceKernel(node: ComputeNode, w: tf.Tensor, bits: number): tf.Tensor {
  const v = channelView(node.op, w.shape);
  const m = tf.reshape(w, [-1, v.channels]);
  const p = computeQParams(tf.min(m, 0).dataSync(), tf.max(m, 0).dataSync(), bits, {
    symmetric: true,
    axis: v.axis,
  });
  return fakeQuantWeight(w, node.op, p);
}

Deno.test("the supernet with one-hot gates equals the plain fake-quantized, masked network", () => {
  const weights = randomWeights(graph, 1);
  const net = createSupernet(graph, space, weights);
  const arch = createArchitecture(space);
  const x = input(2);
  const rec = new RangeRecorder();
  forward(graph, weights, x, { hooks: net.observeHooks(rec) }).dispose();
  rec.flush(net.ranges);
  // a: w4a4 at width 0.5, b: w8a8 (same width group), fc: w4a8.
  const l = (name: string) => space.layers.indexOf(name);
  const nw = space.widths[l("a")]!.length;
  const half = space.widths[l("a")]!.indexOf(0.5);
  const pair = (name: string, w: number, a: number) =>
    space.pairs[l(name)]!.findIndex((p) => p.w === w && p.a === a);
  const choice = new Int32Array(space.layers.length);
  choice[l("a")] = pair("a", 4, 4) * nw + half;
  choice[l("b")] = pair("b", 8, 8) * nw + half;
  choice[l("fc")] = pair("fc", 4, 8);
  const gates = arch.oneHot(choice);
  const got = tf.tidy(() => forward(graph, weights, x, { hooks: net.hooks(gates) }).dataSync());
  // The reference: kernels at their wbits, each read tensor at its reader's abits.
  const wbits: Record<string, number> = { a: 4, b: 8, fc: 4 };
  const abitsOf: Record<string, number> = { input: 4, relu: 8, gap: 8 };
  const masks = Object.fromEntries(
    [...net.widthMasks[0]!.nodes].map(([name, ms]) => [name, ms[half]!]),
  );
  const want = tf.tidy(() =>
    forward(graph, weights, x, {
      hooks: {
        masks,
        weight: (node, name, w) =>
          isComputeNode(node) && name === "kernel"
            ? referenceKernel(node, w, wbits[node.name]!)
            : w,
        output: (node, y) => {
          const b = abitsOf[node.name];
          return b === undefined ? y : fakeQuant(y, net.ranges.qparams(node.name, b));
        },
      },
    }).dataSync()
  );
  assert.deepEqual(Array.from(got), Array.from(want));
  assert.ok(Object.values(masks).some((m) => m.includes(0)));
  disposeGates(gates);
  x.dispose();
  arch.dispose();
  net.dispose();
  disposeWeights(weights);
});

Deno.test("soft gates give gradients to every bit pair and width of the architecture", () => {
  const weights = randomWeights(graph, 3);
  const net = createSupernet(graph, space, weights);
  const arch = createArchitecture(space);
  const x = input(4);
  const rec = new RangeRecorder();
  forward(graph, weights, x, { hooks: net.observeHooks(rec) }).dispose();
  rec.flush(net.ranges);
  const { grads } = tf.variableGrads(() => {
    const g = arch.sample({ tau: 1, rng: createRng(1), paths: "all" });
    return tf.sum(tf.square(forward(graph, weights, x, { hooks: net.hooks(g) })));
  }, arch.variables());
  for (const v of arch.variables()) {
    assert.ok(grads[v.name]!.dataSync().some((g) => g !== 0), `no gradient for ${v.name}`);
  }
  for (const g of Object.values(grads)) g.dispose();
  x.dispose();
  arch.dispose();
  net.dispose();
  disposeWeights(weights);
});

Deno.test("supernet hooks inside a tidy leak no tensors", () => {
  const weights = randomWeights(graph, 5);
  const net = createSupernet(graph, space, weights);
  const arch = createArchitecture(space);
  const x = input(6);
  const rec = new RangeRecorder();
  forward(graph, weights, x, { hooks: net.observeHooks(rec) }).dispose();
  rec.flush(net.ranges);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) {
    tf.tidy(() => {
      const g = arch.sample({ tau: 1, rng: createRng(i), paths: 2 });
      forward(graph, weights, x, { hooks: net.hooks(g, { recorder: rec }), training: true });
    });
    rec.flush(net.ranges);
  }
  assert.equal(tf.memory().numTensors, before);
  x.dispose();
  arch.dispose();
  net.dispose();
  disposeWeights(weights);
});
