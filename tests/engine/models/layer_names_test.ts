import assert from "node:assert/strict";
import { closestName, computeLayerHint, editDistance } from "../../../engine/models/layer_names.ts";
import { initBackend } from "../../../engine/backend.ts";
import { buildZooModel } from "../../../engine/models/zoo.ts";
import { graphFromLayersModel } from "../../../engine/models/from_layers.ts";

await initBackend("cpu");

Deno.test("editDistance() counts insertions, deletions and substitutions", () => {
  assert.equal(editDistance("", ""), 0);
  assert.equal(editDistance("conv1", "conv1"), 0);
  assert.equal(editDistance("conv1", "conv2"), 1);
  assert.equal(editDistance("blok1", "block1"), 1);
  assert.equal(editDistance("kitten", "sitting"), 3);
  assert.equal(editDistance("abc", ""), 3);
});

Deno.test("closestName() guesses a typo, not an unrelated name", () => {
  const names = ["conv1", "block1_conv1", "block1_conv2", "logits"];
  assert.equal(closestName("block1_cnv2", names), "block1_conv2");
  assert.equal(closestName("Logits", names), "logits");
  assert.equal(closestName("block9_conv9", names), "block1_conv1"); // two edits
  assert.equal(closestName("classifier", names), undefined);
});

Deno.test("computeLayerHint() names the guess and every compute layer in graph order", () => {
  const model = buildZooModel("resnet8");
  const graph = graphFromLayersModel(model);
  model.dispose();
  const hint = computeLayerHint(graph, "block2_prj");
  assert.match(
    hint,
    /^did you mean "block2_proj"\? Compute layers of "resnet8": conv1, block1_conv1,/,
  );
  assert.match(hint, /block3_proj, logits$/);
  // Batch norms and activations are not configurable, so not listed.
  assert.doesNotMatch(hint, /bn|relu/);
  assert.match(computeLayerHint(graph, "head"), /^Compute layers of "resnet8": /);
});
