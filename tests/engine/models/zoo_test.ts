import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { buildZooModel, ZOO_NAMES, type ZooName } from "../../../engine/models/zoo.ts";

await initBackend("cpu");

// Hand counts: weights + biases + 4 per BN channel (gamma, beta, moving mean/variance).
const EXPECTED_PARAMS: Record<ZooName, number> = {
  // conv1 9*32+32, conv2 9*32*64+64, fc1 3136*128+128, logits 128*10+10
  "cnn-s": 320 + 18_496 + 401_536 + 1_290,
  // stem 9*16 + bn; block1 2*(9*16*16 + bn16); block2 9*16*32 + 9*32*32 + 16*32 + 3 bn32;
  // block3 9*32*64 + 9*64*64 + 32*64 + 3 bn64; logits 64*10+10
  "resnet8": 144 + 64 + 2 * (2_304 + 64) + (4_608 + 9_216 + 512 + 3 * 128) +
    (18_432 + 36_864 + 2_048 + 3 * 256) + 650,
  // stem 9*16 + bn16; blocks (dw 9*cin + bn cin, pw cin*cout + bn cout); logits 128*10+10
  "mobilenet-tiny": 144 + 64 +
    [[16, 32], [32, 64], [64, 64], [64, 128], [128, 128]]
      .map(([i, o]) => 9 * i! + 4 * i! + i! * o! + 4 * o!)
      .reduce((a, b) => a + b) +
    1_290,
};

for (const name of ZOO_NAMES) {
  Deno.test(`buildZooModel("${name}") has the hand-counted parameters and 10 logits`, () => {
    const model = buildZooModel(name, { seed: 1 });
    assert.equal(model.countParams(), EXPECTED_PARAMS[name]);
    const y = tf.tidy(() => (model.predict(tf.zeros([3, 28, 28, 1])) as tf.Tensor).shape);
    assert.deepEqual(y, [3, 10]);
    model.dispose();
  });
}

Deno.test("buildZooModel() gives equal weights for equal seeds and different for others", () => {
  const weights = (seed: number) =>
    buildZooModel("resnet8", { seed }).getWeights().map((w) => Array.from(w.dataSync()));
  const a = weights(7);
  assert.deepEqual(a, weights(7));
  assert.notDeepEqual(a, weights(8));
});

Deno.test("buildZooModel() names layers readably and stably", () => {
  const names = buildZooModel("resnet8").layers.map((l) => l.name);
  for (const n of ["input", "conv1", "bn1", "block1_conv1", "block2_proj", "block3_add", "gap"]) {
    assert.ok(names.includes(n), `missing layer ${n} in ${names.join(",")}`);
  }
  assert.deepEqual(buildZooModel("resnet8").layers.map((l) => l.name), names);
});

Deno.test("buildZooModel() rejects an unknown name and a bad seed", () => {
  assert.throws(() => buildZooModel("vgg" as ZooName), /vgg.*cnn-s, resnet8, mobilenet-tiny/);
  assert.throws(() => buildZooModel("cnn-s", { seed: -1 }), RangeError);
});
