/** A small cnn-s trained briefly on real Fashion-MNIST, saved once per test process. */
import { loadFashionMnist } from "../../../engine/data/fashion_mnist.ts";
import { saveLayersModel } from "../../../engine/models/load.ts";
import { buildZooModel } from "../../../engine/models/zoo.ts";
import { trainModel } from "../../../engine/train.ts";

let dir: Promise<string> | undefined;

/** Directory of a cnn-s trained for a few hundred steps (well above chance). */
export function tinyTrainedModelDir(): Promise<string> {
  dir ??= (async () => {
    const train = await loadFashionMnist("train", { limit: 6400 });
    const model = buildZooModel("cnn-s", { seed: 1 });
    await trainModel(model, train, { epochs: 1, seed: 1 });
    const out = await Deno.makeTempDir({ prefix: "tailor-test-model-" });
    globalThis.addEventListener("unload", () => Deno.removeSync(out, { recursive: true }));
    await saveLayersModel(model, out);
    model.dispose();
    return out;
  })();
  return dir;
}
