/**
 * Disk loaders for tfjs layers models: read a directory's `model.json` + weight shards,
 * write them back, and resolve a zoo name or a directory to a model.
 *
 * @module
 */
import { tf } from "../backend.ts";
import {
  artifactsFromModelJson,
  MODEL_JSON,
  modelJsonFromArtifacts,
  ModelLoadError,
  parseModelJson,
  weightPaths,
  WEIGHTS_BIN,
} from "./model_json.ts";
import { isZooName, ZOO_NAMES } from "./zoo.ts";

export { ModelLoadError };

/** Directory of the shipped trained zoo models (`<repo>/zoo/`). */
export const ZOO_DIR: string = new URL("../../zoo/", import.meta.url).pathname;

function join(dir: string, file: string): string {
  return dir.endsWith("/") ? dir + file : `${dir}/${file}`;
}

async function readOrThrow(path: string, what: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    const reason = e instanceof Deno.errors.NotFound ? "not found" : (e as Error).message;
    throw new ModelLoadError(`Cannot load model: ${what} ${path} ${reason}`, { cause: e });
  }
}

/** A tfjs IOHandler that reads `dir/model.json` and its weight shards from disk. */
export function fileModelHandler(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const jsonPath = join(dir, MODEL_JSON);
      const json = parseModelJson(await readOrThrow(jsonPath, "file"), jsonPath);
      const shards = await Promise.all(
        weightPaths(json).map((p) => readOrThrow(join(dir, p), "weight file")),
      );
      return artifactsFromModelJson(json, shards, jsonPath);
    },
  };
}

/**
 * Loads a tfjs layers model saved in `dir` (model.json + weight files). Throws
 * {@linkcode ModelLoadError} naming the missing or corrupt file.
 *
 * @example
 * ```ts ignore
 * const model = await loadLayersModel("zoo/cnn-s");
 * ```
 */
export async function loadLayersModel(dir: string): Promise<tf.LayersModel> {
  const handler = fileModelHandler(dir);
  const artifacts = await handler.load!();
  try {
    return await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (e) {
    throw new ModelLoadError(
      `Cannot load model from ${join(dir, MODEL_JSON)}: ${(e as Error).message}`,
      { cause: e },
    );
  }
}

/**
 * Saves `model` into `dir` (created if missing) as `model.json` + `weights.bin`.
 *
 * @example
 * ```ts ignore
 * await saveLayersModel(model, "/tmp/my-model");
 * ```
 */
export async function saveLayersModel(model: tf.LayersModel, dir: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    const { json, weights } = modelJsonFromArtifacts(artifacts);
    await Deno.writeFile(join(dir, WEIGHTS_BIN), weights);
    await Deno.writeTextFile(join(dir, MODEL_JSON), json);
    return {
      modelArtifactsInfo: {
        dateSaved: new Date(),
        modelTopologyType: "JSON",
        modelTopologyBytes: json.length,
        weightDataBytes: weights.byteLength,
      },
    };
  }));
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/**
 * Loads a model by zoo name (the shipped trained weights in {@linkcode ZOO_DIR}) or by
 * directory (containing model.json). Throws {@linkcode ModelLoadError} otherwise.
 *
 * @example
 * ```ts ignore
 * const model = await resolveModel("resnet8");
 * ```
 */
export async function resolveModel(nameOrDir: string): Promise<tf.LayersModel> {
  if (isZooName(nameOrDir)) {
    const dir = join(ZOO_DIR, nameOrDir);
    if (!await isFile(join(dir, MODEL_JSON))) {
      throw new ModelLoadError(
        `Cannot load zoo model "${nameOrDir}": no trained weights at ${dir} ` +
          `(train them with: deno task train --model ${nameOrDir} --out ${dir})`,
      );
    }
    return await loadLayersModel(dir);
  }
  if (await isFile(join(nameOrDir, MODEL_JSON))) return await loadLayersModel(nameOrDir);
  throw new ModelLoadError(
    `Cannot load model "${nameOrDir}": neither a zoo name (${ZOO_NAMES.join(", ")}) ` +
      `nor a directory with ${MODEL_JSON}`,
  );
}
