import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { forward } from "../../../engine/exec/forward.ts";
import { execSettingsFromLayersModel } from "../../../engine/exec/settings.ts";
import { layersModelFromGraph } from "../../../engine/exec/to_layers.ts";
import { disposeWeights, weightsFromLayersModel } from "../../../engine/exec/weights.ts";
import { graphFromLayersModel } from "../../../engine/models/from_layers.ts";
import { buildZooModel } from "../../../engine/models/zoo.ts";
import { dependencyGroups } from "../../../engine/prune/channels.ts";
import { randomMasks } from "../../../engine/prune/masks.ts";
import { surgery } from "../../../engine/prune/surgery.ts";

await initBackend();

for (const name of ["resnet8", "mobilenet-tiny", "cnn-s"] as const) {
  Deno.test(`layersModelFromGraph() rebuilds a pruned ${name} that predicts like forward()`, () => {
    const source = buildZooModel(name, { seed: 1 });
    const graph = graphFromLayersModel(source);
    const weights = weightsFromLayersModel(source, graph);
    const small = surgery(graph, weights, randomMasks(dependencyGroups(graph), { seed: 3 }));
    const model = layersModelFromGraph(
      small.graph,
      small.weights,
      execSettingsFromLayersModel(source),
    );
    assert.deepEqual(graphFromLayersModel(model).nodes, small.graph.nodes);
    const x = tf.randomUniform([2, 28, 28, 1], 0, 1, "float32", 2) as tf.Tensor4D;
    const a = model.predict(x) as tf.Tensor;
    const b = forward(small.graph, small.weights, x);
    assert.ok(tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!) < 1e-5);
    tf.dispose([x, a, b]);
    for (const w of [weights, small.weights]) disposeWeights(w);
    model.dispose();
    source.dispose();
  });
}
