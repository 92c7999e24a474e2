/**
 * Reads an export from its files' bytes (pure): checks the format version, the metadata
 * checksum, every file's length and SHA-256 and every segment's CRC-32, then dequantizes.
 * Anything wrong is an {@linkcode ExportFormatError} naming the file.
 *
 * @module
 */
import { type Configuration, parseConfiguration } from "../cost/config.ts";
import type { WeightArray, WeightName } from "../exec/weights.ts";
import type { Graph } from "../models/ir.ts";
import type { QParams } from "../quant/qparams.ts";
import { crc32, sha256Hex } from "./checksum.ts";
import { decodePacked, readFloat32, readInt32 } from "./_encode.ts";
import { ExportFormatError } from "./errors.ts";
import {
  FORMAT_VERSION,
  qparamsFromJson,
  type Segment,
  TAILOR_JSON,
  type TailorJson,
  type TensorRecord,
  type WeightQParams,
} from "./format.ts";

/** A loaded export: dequantized float32 weights and everything needed to evaluate. */
export interface LoadedExport {
  readonly graph: Graph;
  /** Dequantized weights (bit-identical to the fake-quantized ones), as raw arrays. */
  readonly weights: Record<string, Partial<Record<WeightName, WeightArray>>>;
  readonly config: Configuration;
  /** Weight quant params of the packed tensors. */
  readonly weightQParams: WeightQParams;
  /** Activation quant params by node name (fake-quantize that node's output). */
  readonly activations: Record<string, QParams>;
}

const malformed = (detail: string, cause?: unknown) =>
  new ExportFormatError(TAILOR_JSON, "malformed", detail, cause ? { cause } : undefined);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Parses `tailor.json` bytes: valid JSON, the supported format version, the body checksum,
 * and the body's shape. Throws {@linkcode ExportFormatError} naming `tailor.json`.
 */
export async function parseTailorJson(bytes: Uint8Array): Promise<TailorJson> {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    throw malformed(`not valid JSON (${bytes.length} bytes; truncated or corrupted?)`, e);
  }
  if (!isObject(json)) throw malformed("not a JSON object");
  if (json.format !== FORMAT_VERSION) {
    throw new ExportFormatError(
      TAILOR_JSON,
      "version",
      `format ${JSON.stringify(json.format)} is not supported (expected "${FORMAT_VERSION}")`,
    );
  }
  const body = json.body;
  if (!isObject(body)) throw malformed(`no "body" object`);
  const sha = await sha256Hex(new TextEncoder().encode(JSON.stringify(body)));
  if (sha !== json.bodySha256) {
    throw new ExportFormatError(
      TAILOR_JSON,
      "checksum",
      `checksum mismatch: body SHA-256 is ${sha}, recorded ${String(json.bodySha256)}`,
    );
  }
  const graph = body.graph as Graph | undefined;
  if (!isObject(graph) || !Array.isArray(graph.nodes) || typeof graph.output !== "string") {
    throw malformed(`"body.graph" is not a graph`);
  }
  if (!Array.isArray(body.files) || !Array.isArray(body.tensors) || !isObject(body.activations)) {
    throw malformed(`"body" lacks files, tensors or activations`);
  }
  for (const f of body.files as { path?: unknown }[]) {
    if (
      typeof f?.path !== "string" || !/^[A-Za-z0-9_.-]+$/.test(f.path) || f.path.startsWith(".")
    ) {
      throw malformed(`file name ${JSON.stringify(f?.path)} is not a plain file name`);
    }
  }
  return json as unknown as TailorJson;
}

function segmentBytes(
  seg: Segment,
  files: ReadonlyMap<string, Uint8Array>,
  what: string,
): Uint8Array {
  const data = files.get(seg.file);
  if (data === undefined) throw new ExportFormatError(seg.file, "missing", "file not found");
  if (seg.offset < 0 || seg.length < 0 || seg.offset + seg.length > data.length) {
    throw new ExportFormatError(
      seg.file,
      "truncated",
      `${what} needs bytes ${seg.offset}..${seg.offset + seg.length}, the file has ${data.length}`,
    );
  }
  const bytes = data.subarray(seg.offset, seg.offset + seg.length);
  if (crc32(bytes) !== seg.crc32) {
    throw new ExportFormatError(
      seg.file,
      "checksum",
      `checksum mismatch in ${what} (bytes ${seg.offset}..${seg.offset + seg.length})`,
    );
  }
  return bytes;
}

function segmentsOf(t: TensorRecord): [string, Segment][] {
  const id = `${t.layer}/${t.name}`;
  if (t.encoding === "float32") return [[id, t.data]];
  const out: [string, Segment][] = [[`${id} codes`, t.codes], [`${id} scales`, t.scale]];
  if (t.zeroPoint) out.push([`${id} zero points`, t.zeroPoint]);
  return out;
}

async function checkFiles(tailor: TailorJson, files: ReadonlyMap<string, Uint8Array>) {
  for (const f of tailor.body.files) {
    const data = files.get(f.path);
    if (data === undefined) throw new ExportFormatError(f.path, "missing", "file not found");
    if (data.length < f.bytes) {
      throw new ExportFormatError(
        f.path,
        "truncated",
        `truncated: ${data.length} bytes, tailor.json records ${f.bytes}`,
      );
    }
    if (data.length > f.bytes) {
      throw new ExportFormatError(
        f.path,
        "malformed",
        `${data.length} bytes, tailor.json records ${f.bytes} (extra data)`,
      );
    }
    if (await sha256Hex(data) !== f.sha256) {
      // Name the damaged tensors when the per-segment CRCs can.
      const bad = tailor.body.tensors.flatMap(segmentsOf)
        .filter(([, s]) =>
          s.file === f.path && crc32(data.subarray(s.offset, s.offset + s.length)) !== s.crc32
        )
        .map(([what]) => what);
      const where = bad.length > 0 ? ` (damaged: ${bad.join(", ")})` : "";
      throw new ExportFormatError(f.path, "checksum", `checksum mismatch: SHA-256 differs${where}`);
    }
  }
}

function decodeTensor(t: TensorRecord, files: ReadonlyMap<string, Uint8Array>): {
  array: WeightArray;
  params?: QParams;
} {
  const id = `${t.layer}/${t.name}`;
  const count = t.shape.reduce((a, b) => a * b, 1);
  if (t.encoding === "float32") {
    const data = readFloat32(segmentBytes(t.data, files, id));
    if (data.length !== count) throw malformed(`${id} holds ${data.length} values, not ${count}`);
    return { array: { shape: t.shape, data } };
  }
  const scale = readFloat32(segmentBytes(t.scale, files, `${id} scales`));
  const zeroPoint = t.zeroPoint
    ? readInt32(segmentBytes(t.zeroPoint, files, `${id} zero points`))
    : new Int32Array(scale.length);
  const params: QParams = {
    bits: t.bits as QParams["bits"],
    signed: t.signed,
    scale,
    zeroPoint,
    ...(t.axis === null ? {} : { axis: t.axis }),
  };
  try {
    const codes = segmentBytes(t.codes, files, `${id} codes`);
    return {
      array: { shape: t.shape, data: decodePacked(codes, count, params, t.viewShape) },
      params,
    };
  } catch (e) {
    if (e instanceof ExportFormatError) throw e;
    throw malformed(`cannot decode ${id}: ${(e as Error).message}`, e);
  }
}

/**
 * Checks and decodes an export from its files (by name: `tailor.json`, `model.json`,
 * `weights.bin`). Throws {@linkcode ExportFormatError} naming the file at fault.
 *
 * @example
 * ```ts ignore
 * const loaded = await parseExport(files); // files: Map<string, Uint8Array>
 * const weights = weightsFromArrays(loaded.weights);
 * ```
 */
export async function parseExport(files: ReadonlyMap<string, Uint8Array>): Promise<LoadedExport> {
  const head = files.get(TAILOR_JSON);
  if (head === undefined) throw new ExportFormatError(TAILOR_JSON, "missing", "file not found");
  const tailor = await parseTailorJson(head);
  await checkFiles(tailor, files);
  const weights: Record<string, Partial<Record<WeightName, WeightArray>>> = {};
  const weightQParams: Record<string, Partial<Record<WeightName, QParams>>> = {};
  for (const t of tailor.body.tensors) {
    const { array, params } = decodeTensor(t, files);
    (weights[t.layer] ??= {})[t.name] = array;
    if (params) (weightQParams[t.layer] ??= {})[t.name] = params;
  }
  let config: Configuration;
  try {
    config = parseConfiguration(tailor.body.config);
  } catch (e) {
    throw malformed(`bad config: ${(e as Error).message}`, e);
  }
  const activations = Object.fromEntries(
    Object.entries(tailor.body.activations).map(([k, p]) => [k, qparamsFromJson(p)]),
  );
  return { graph: tailor.body.graph, weights, config, weightQParams, activations };
}
