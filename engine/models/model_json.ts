/**
 * Pure parsers for the tfjs layers-model format on disk (`model.json` plus weight
 * shards): bytes in, `tf.io.ModelArtifacts` out, and back. No file system here.
 *
 * @module
 */
import type { tf } from "../backend.ts";

/** Name of the topology + manifest file of a saved model. */
export const MODEL_JSON = "model.json";

/** Name of the single weight shard {@linkcode modelJsonFromArtifacts} writes. */
export const WEIGHTS_BIN = "weights.bin";

/** A model file that is missing, unreadable or malformed. */
export class ModelLoadError extends Error {
  /** Builds the error; `cause` carries the underlying failure. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ModelLoadError";
  }
}

/** The parts of a tfjs `model.json` Tailor reads and writes. */
export interface ModelJson {
  readonly modelTopology: unknown;
  readonly weightsManifest: readonly { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  readonly format?: string;
  readonly generatedBy?: string;
  readonly convertedBy?: string | null;
}

/** Parses and validates `model.json` bytes; `source` names the file in errors. */
export function parseModelJson(bytes: Uint8Array, source: string): ModelJson {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new ModelLoadError(`Cannot parse ${source}: not valid JSON`, { cause: e });
  }
  const obj = json as Partial<ModelJson> | null;
  if (typeof obj !== "object" || obj === null || typeof obj.modelTopology !== "object") {
    throw new ModelLoadError(`Cannot load ${source}: no "modelTopology" object`);
  }
  const manifest = obj.weightsManifest;
  if (
    !Array.isArray(manifest) ||
    !manifest.every((g) => Array.isArray(g?.paths) && Array.isArray(g?.weights))
  ) {
    throw new ModelLoadError(`Cannot load ${source}: "weightsManifest" is missing or malformed`);
  }
  return obj as ModelJson;
}

/** Every weight shard path of a manifest, in order. */
export function weightPaths(json: ModelJson): string[] {
  return json.weightsManifest.flatMap((g) => g.paths);
}

const BYTES_PER_DTYPE: Record<string, number> = { float32: 4, int32: 4, bool: 1 };

function concat(parts: readonly Uint8Array[]): ArrayBuffer {
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out.buffer;
}

/**
 * Builds model artifacts from a parsed `model.json` and its shards (in
 * {@linkcode weightPaths} order); checks the shards hold exactly the declared weights.
 */
export function artifactsFromModelJson(
  json: ModelJson,
  shards: readonly Uint8Array[],
  source = MODEL_JSON,
): tf.io.ModelArtifacts {
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
  let expected = 0;
  for (const spec of weightSpecs) {
    const size = BYTES_PER_DTYPE[spec.dtype];
    if (size === undefined || spec.quantization !== undefined) {
      throw new ModelLoadError(`Cannot load ${source}: weight "${spec.name}" is not float32/int32`);
    }
    expected += spec.shape.reduce((a, b) => a * b, 1) * size;
  }
  const weightData = concat(shards);
  if (weightData.byteLength !== expected) {
    throw new ModelLoadError(
      `Cannot load ${source}: weight files hold ${weightData.byteLength} bytes, ` +
        `the manifest declares ${expected}`,
    );
  }
  return {
    modelTopology: json.modelTopology as tf.io.ModelArtifacts["modelTopology"],
    weightSpecs,
    weightData,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy ?? null,
  };
}

/** Turns saved artifacts into `model.json` text and the single {@linkcode WEIGHTS_BIN} shard. */
export function modelJsonFromArtifacts(
  artifacts: tf.io.ModelArtifacts,
): { json: string; weights: Uint8Array } {
  const data = artifacts.weightData;
  const buffers = data === undefined ? [] : Array.isArray(data) ? data : [data];
  const weights = new Uint8Array(concat(buffers.map((b) => new Uint8Array(b))));
  const json: ModelJson = {
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
    format: artifacts.format ?? "layers-model",
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
  };
  return { json: JSON.stringify(json), weights };
}
