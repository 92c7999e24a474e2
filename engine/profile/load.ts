/**
 * Reading and writing profile files. The only disk access of `engine/profile/`: these
 * functions read bytes and hand them to the pure {@link parseProfileText}.
 *
 * @module
 */

import { ProfileError } from "./errors.ts";
import type { HardwareProfile } from "./types.ts";
import { parseProfile } from "./validate.ts";

/** Directory of the shipped profiles (`<repo>/profiles/`). */
export const PROFILES_DIR: URL = new URL("../../profiles/", import.meta.url);

/** File in {@link PROFILES_DIR} that is the JSON Schema, not a profile. */
const SCHEMA_FILE = "schema.json";

/**
 * Parses profile text (JSON); invalid JSON or an invalid profile throws a
 * {@link ProfileError} whose message names `source`.
 */
export function parseProfileText(text: string, source?: string): HardwareProfile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new ProfileError([{ path: "", message: `is not valid JSON: ${reason}` }], source, {
      cause: e,
    });
  }
  return parseProfile(json, source);
}

/** Names of the shipped profiles (`profiles/*.json` without the schema), sorted. */
export async function listShippedProfiles(): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(PROFILES_DIR)) {
    if (entry.isFile && entry.name.endsWith(".json") && entry.name !== SCHEMA_FILE) {
      names.push(entry.name.slice(0, -".json".length));
    }
  }
  return names.sort();
}

/**
 * True when `nameOrPath` is a bare profile name (no path separator, no `.json`), which
 * {@link loadProfile} looks up in {@link PROFILES_DIR}.
 */
export function isBareProfileName(nameOrPath: string): boolean {
  return !/[\/\\]/.test(nameOrPath) && !nameOrPath.endsWith(".json");
}

/** The file path `loadProfile(nameOrPath)` reads. */
export function resolveProfilePath(nameOrPath: string): string {
  if (!isBareProfileName(nameOrPath)) return nameOrPath;
  const url = new URL(`${nameOrPath}.json`, PROFILES_DIR);
  return decodeURIComponent(url.pathname);
}

/**
 * Loads and validates a profile. A bare name (`"cortex-m7-stm32h743"`) resolves to
 * `<repo>/profiles/NAME.json`; anything else is a file path. A missing file throws a
 * RangeError naming the path and the shipped profiles, an unreadable one (a directory, no
 * permission) a RangeError naming the path; an invalid one a ProfileError.
 *
 * @example
 * ```ts
 * import { loadProfile } from "./load.ts";
 * const t4 = await loadProfile("nvidia-t4");
 * console.log(t4.kind); // "gpu"
 * ```
 */
export async function loadProfile(nameOrPath: string): Promise<HardwareProfile> {
  const path = resolveProfilePath(nameOrPath);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) {
      const reason = e instanceof Deno.errors.IsADirectory
        ? "it is a directory, not a profile file"
        : e instanceof Error
        ? e.message
        : String(e);
      throw new RangeError(`Cannot read hardware profile ${path}: ${reason}`, { cause: e });
    }
    const shipped = (await listShippedProfiles()).join(", ");
    throw new RangeError(
      `Cannot load hardware profile "${nameOrPath}": no file at ${path}; shipped profiles: ${shipped}`,
      { cause: e },
    );
  }
  return parseProfileText(text, path);
}

/** Line width {@link formatProfile} fits short arrays and objects into. */
const LINE_WIDTH = 100;

/** One-line JSON with `deno fmt` spacing: `[8, 8]`, `{ "w": 8, "a": 8 }`. */
function stringifyFlat(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stringifyFlat).join(", ")}]`;
  if (typeof value === "object" && value !== null) {
    const parts = Object.entries(value).filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${JSON.stringify(k)}: ${stringifyFlat(v)}`);
    return parts.length === 0 ? "{}" : `{ ${parts.join(", ")} }`;
  }
  return JSON.stringify(value);
}

/**
 * JSON of `value` whose first line starts at column `column`, nested lines at `indent`, and
 * followed on its last line by `trailing` characters (1 for the comma between items): a
 * container stays on one line only when that whole line fits in {@link LINE_WIDTH}, as
 * `deno fmt` decides, so the output is unchanged by `deno fmt`.
 */
function stringifyCompact(value: unknown, indent: string, column: number, trailing = 0): string {
  const flat = stringifyFlat(value);
  if (
    typeof value !== "object" || value === null ||
    column + flat.length + trailing <= LINE_WIDTH
  ) {
    return flat;
  }
  const inner = `${indent}  `;
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((v) => ["", v])
    : Object.entries(value).filter(([, v]) => v !== undefined)
      .map(([k, v]) => [`${JSON.stringify(k)}: `, v]);
  const lines = entries.map(([key, v], i) => {
    const comma = i < entries.length - 1 ? 1 : 0;
    return `${inner}${key}${stringifyCompact(v, inner, inner.length + key.length, comma)}`;
  });
  const [open, close] = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
  return `${open}\n${lines.join(",\n")}\n${indent}${close}`;
}

/**
 * Serializes a profile as it is stored: 2-space JSON where arrays and objects whose line
 * (with its comma) fits in 100 columns stay on one line (bit pairs, shapes, table entries),
 * with a final newline: the layout `deno fmt` keeps (only a string longer than a line can
 * exceed 100 columns; JSON cannot break it).
 */
export function formatProfile(profile: HardwareProfile): string {
  return `${stringifyCompact(profile, "", 0)}\n`;
}
