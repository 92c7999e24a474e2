/**
 * `deno task profile import FILE.csv --base P --out Q`: merges a hardware team's CSV
 * measurements (columns: `engine/profile/csv.ts`) into profile P and writes the validated
 * result to Q. The rows cite a source named after the CSV file; Q's `name` is its file name
 * without `.json` (kept from P when that is not a valid profile name). Nothing is written
 * when anything fails.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { parseMeasurementsCsv } from "../engine/profile/csv.ts";
import { formatProfile, loadProfile } from "../engine/profile/load.ts";
import { mergeMeasurements } from "../engine/profile/merge.ts";
import { parseProfile } from "../engine/profile/validate.ts";
import { checkOutFile, writeOutFile } from "./out_file.ts";

/** Usage line of the import subcommand. */
export const IMPORT_USAGE = "usage: deno task profile import FILE.csv --base NAME|FILE --out FILE";

/** Bad command-line input of `profile` (one line on stderr, exit code 2). */
export class ProfileUsageError extends Error {
  /** Builds the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ProfileUsageError";
  }
}

const baseName = (path: string) => path.split(/[\/\\]/).at(-1)!;

/** Runs `profile import` on its arguments (after `import`); returns the output path. */
export async function runImport(args: readonly string[]): Promise<string> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: { base: { type: "string" }, out: { type: "string" } },
      strict: true,
      allowPositionals: true,
    });
  } catch (e) {
    throw new ProfileUsageError(`${(e as Error).message}; ${IMPORT_USAGE}`, { cause: e });
  }
  const { base, out } = parsed.values;
  const [csvPath, ...extra] = parsed.positionals;
  if (csvPath === undefined || extra.length > 0 || !base || !out) {
    throw new ProfileUsageError(`expected one CSV file, --base and --out; ${IMPORT_USAGE}`);
  }
  await checkOutFile(out, "out");
  let text: string;
  try {
    text = await Deno.readTextFile(csvPath);
  } catch (e) {
    throw new ProfileUsageError(`cannot read ${csvPath}: ${(e as Error).message}`, { cause: e });
  }
  const rows = parseMeasurementsCsv(text, csvPath);
  const profile = await loadProfile(base);
  const file = baseName(csvPath);
  const id = file.replace(/\.csv$/i, "") || "csv";
  const merged = mergeMeasurements(profile, rows, {
    source: { id, citation: `Measurements imported from ${file} by deno task profile import` },
    record: {
      date: new Date().toISOString().slice(0, 10),
      method: `${rows.length} measured row${rows.length === 1 ? "" : "s"} imported from ` +
        `${file} (source "${id}") on top of profile ${profile.name}.`,
    },
  });
  const stem = baseName(out).replace(/\.json$/, "");
  const named = /^[a-z0-9][a-z0-9-]*$/.test(stem) ? { ...merged, name: stem } : merged;
  const result = parseProfile(named, out);
  await writeOutFile(out, formatProfile(result));
  return out;
}
