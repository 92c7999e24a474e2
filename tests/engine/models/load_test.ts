import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import {
  loadLayersModel,
  ModelLoadError,
  resolveModel,
  saveLayersModel,
} from "../../../engine/models/load.ts";
import { artifactsFromModelJson, parseModelJson } from "../../../engine/models/model_json.ts";
import { buildZooModel } from "../../../engine/models/zoo.ts";

await initBackend("cpu");

function predict(model: tf.LayersModel, x: tf.Tensor): number[] {
  return tf.tidy(() => Array.from((model.predict(x) as tf.Tensor).dataSync()));
}

Deno.test("saveLayersModel() then loadLayersModel() gives identical predictions", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const model = buildZooModel("resnet8", { seed: 3 });
    const x = tf.randomUniform([2, 28, 28, 1], 0, 1, "float32", 1);
    await saveLayersModel(model, `${dir}/m`);
    const files = [...Deno.readDirSync(`${dir}/m`)].map((e) => e.name).sort();
    assert.deepEqual(files, ["model.json", "weights.bin"]);
    const loaded = await loadLayersModel(`${dir}/m`);
    assert.equal(loaded.name, "resnet8");
    assert.deepEqual(loaded.layers.map((l) => l.name), model.layers.map((l) => l.name));
    assert.deepEqual(predict(loaded, x), predict(model, x));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadLayersModel() names a missing model.json or weight file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      loadLayersModel(dir),
      (e: unknown) =>
        e instanceof ModelLoadError && e.message.includes(`${dir}/model.json not found`),
    );
    await saveLayersModel(buildZooModel("cnn-s"), dir);
    await Deno.remove(`${dir}/weights.bin`);
    await assert.rejects(
      loadLayersModel(dir),
      (e: unknown) => e instanceof ModelLoadError && e.message.includes("weights.bin not found"),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadLayersModel() rejects truncated weights and broken JSON", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await saveLayersModel(buildZooModel("cnn-s"), dir);
    const bytes = await Deno.readFile(`${dir}/weights.bin`);
    await Deno.writeFile(`${dir}/weights.bin`, bytes.subarray(0, 100));
    await assert.rejects(loadLayersModel(dir), /weight files hold 100 bytes/);
    await Deno.writeTextFile(`${dir}/model.json`, "{not json");
    await assert.rejects(loadLayersModel(dir), /Cannot parse .*model.json: not valid JSON/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseModelJson() requires a topology and a weights manifest", () => {
  const enc = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));
  assert.throws(() => parseModelJson(enc({ weightsManifest: [] }), "m.json"), /modelTopology/);
  assert.throws(() => parseModelJson(enc({ modelTopology: {} }), "m.json"), /weightsManifest/);
  const json = parseModelJson(
    enc({
      modelTopology: {},
      weightsManifest: [{
        paths: ["a.bin"],
        weights: [{ name: "w", shape: [2], dtype: "float32" }],
      }],
    }),
    "m.json",
  );
  const artifacts = artifactsFromModelJson(json, [new Uint8Array(8)]);
  assert.equal((artifacts.weightData as ArrayBuffer).byteLength, 8);
  assert.throws(() => artifactsFromModelJson(json, [new Uint8Array(4)]), ModelLoadError);
});

Deno.test("resolveModel() loads a directory and rejects what is neither name nor dir", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await saveLayersModel(buildZooModel("cnn-s", { seed: 2 }), dir);
    assert.equal((await resolveModel(dir)).name, "cnn-s");
    await assert.rejects(
      resolveModel(`${dir}/nope`),
      /neither a zoo name \(cnn-s, resnet8, mobilenet-tiny\) nor a directory with model.json/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("resolveModel() loads a zoo name from the shipped zoo/ weights", async () => {
  const model = await resolveModel("cnn-s");
  assert.equal(model.name, "cnn-s");
  assert.equal(model.countParams(), 421_642);
});
