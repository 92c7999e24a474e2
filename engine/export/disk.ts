/**
 * Disk edge of the export: write the files {@linkcode buildExport} makes into a directory,
 * read them back for {@linkcode parseExport}.
 *
 * @module
 */
import { buildExport, type ExportInput } from "./build.ts";
import { ExportFormatError } from "./errors.ts";
import { TAILOR_JSON } from "./format.ts";
import { type LoadedExport, parseExport, parseTailorJson } from "./parse.ts";

function join(dir: string, file: string): string {
  return dir.endsWith("/") ? dir + file : `${dir}/${file}`;
}

/**
 * Writes the export of `input` into `dir` (created if missing); returns each file's size.
 *
 * @example
 * ```ts ignore
 * await exportModel("out/m", { graph, weights: weightsToArrays(w), config, quant });
 * ```
 */
export async function exportModel(
  dir: string,
  input: ExportInput,
): Promise<Map<string, number>> {
  const { files } = await buildExport(input);
  await Deno.mkdir(dir, { recursive: true });
  const sizes = new Map<string, number>();
  // tailor.json last: a partly written export fails its checksums instead of loading.
  const names = [...files.keys()].sort((a, b) =>
    Number(a === TAILOR_JSON) - Number(b === TAILOR_JSON)
  );
  for (const name of names) {
    const bytes = files.get(name)!;
    await Deno.writeFile(join(dir, name), bytes);
    sizes.set(name, bytes.length);
  }
  return sizes;
}

async function read(dir: string, file: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(join(dir, file));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new ExportFormatError(file, "missing", `file not found in ${dir}`, { cause: e });
    }
    throw new ExportFormatError(file, "malformed", `cannot read: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/**
 * Loads an export directory: checks every file and returns the graph, the dequantized
 * weights (bit-identical to the fake-quantized ones), the config and the activation quant
 * params. Throws {@linkcode ExportFormatError} naming the missing, truncated, corrupted or
 * wrong-version file.
 *
 * @example
 * ```ts ignore
 * const { graph, weights, activations } = await loadExport("out/m");
 * const logits = forward(graph, weightsFromArrays(weights), x, { hooks: activationQuantHooks(activations) });
 * ```
 */
export async function loadExport(dir: string): Promise<LoadedExport> {
  const head = await read(dir, TAILOR_JSON);
  const tailor = await parseTailorJson(head);
  const files = new Map<string, Uint8Array>([[TAILOR_JSON, head]]);
  for (const f of tailor.body.files) files.set(f.path, await read(dir, f.path));
  return await parseExport(files);
}
