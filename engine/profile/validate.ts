/**
 * The hand-written validator of hardware profile format v1. `validateProfile()` returns
 * every issue with its JSON path; `parseProfile()` throws a {@link ProfileError} carrying
 * them, or returns the typed profile. `profiles/schema.json` documents the same format.
 *
 * @module
 */

import {
  checkArray,
  checkObject,
  checkOneOf,
  checkPositive,
  checkPositiveInt,
  checkString,
  describe,
  indexPath,
  isObject,
  type Issues,
  keyPath,
  resolvePath,
} from "./_check.ts";
import { ProfileError } from "./errors.ts";
import { PROFILE_KEYS } from "./keys.ts";
import {
  type HardwareProfile,
  PROFILE_FORMAT,
  PROFILE_KINDS,
  PROVENANCE_TAGS,
  type ValidationIssue,
} from "./types.ts";
import { checkAnalytic, checkEnergy, checkMeasured, checkSupported } from "./validate_tables.ts";

/** What a profile's `name` must match (it names the profile file and `--profile NAME`). */
export const PROFILE_NAME_SYNTAX = /^[a-z0-9][a-z0-9-]*$/;
const NAME_SYNTAX = PROFILE_NAME_SYNTAX;
const DATE_SYNTAX = /^(\d{4})-(\d{2})-(\d{2})$/;
const NOTE_SYNTAX = new RegExp(`^[${PROVENANCE_TAGS.join("")}](?: |$)`);

function checkDate(issues: Issues, value: unknown, path: string): void {
  const m = typeof value === "string" ? DATE_SYNTAX.exec(value) : null;
  const d = m ? new Date(`${value}T00:00:00Z`) : undefined;
  if (!m || !d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) {
    issues.push({ path, message: `must be an ISO date YYYY-MM-DD, got ${describe(value)}` });
  }
}

/** Checks `provenance` except `notes`; returns the source ids. */
function checkProvenance(issues: Issues, value: unknown, path: string): string[] {
  const keys = PROFILE_KEYS["provenance"];
  const obj = checkObject(issues, value, path, keys.required, keys.optional);
  if (!obj) return [];
  if ("device" in obj) checkString(issues, obj.device, keyPath(path, "device"));
  if ("method" in obj) checkString(issues, obj.method, keyPath(path, "method"));
  if ("date" in obj) checkDate(issues, obj.date, keyPath(path, "date"));
  if ("runtime" in obj) {
    const rk = PROFILE_KEYS["provenance.runtime"];
    const rp = keyPath(path, "runtime");
    const rt = checkObject(issues, obj.runtime, rp, rk.required, rk.optional);
    if (rt && "name" in rt) checkString(issues, rt.name, keyPath(rp, "name"));
    if (rt && "version" in rt) checkString(issues, rt.version, keyPath(rp, "version"));
  }
  const ids: string[] = [];
  if (!("sources" in obj)) return ids;
  const sk = PROFILE_KEYS["provenance.sources[]"];
  const sp = keyPath(path, "sources");
  (checkArray(issues, obj.sources, sp) ?? []).forEach((item, i) => {
    const p = indexPath(sp, i);
    const src = checkObject(issues, item, p, sk.required, sk.optional);
    if (!src) return;
    if ("citation" in src) checkString(issues, src.citation, keyPath(p, "citation"));
    if ("url" in src) checkString(issues, src.url, keyPath(p, "url"));
    if ("id" in src && checkString(issues, src.id, keyPath(p, "id"))) {
      if (ids.includes(src.id)) {
        issues.push({ path: keyPath(p, "id"), message: `duplicates source id "${src.id}"` });
      }
      ids.push(src.id);
    }
  });
  return ids;
}

/** Checks `provenance.notes`: each key a JSON path present in the profile, each value tagged. */
function checkNotes(issues: Issues, root: Record<string, unknown>): void {
  const prov = root.provenance;
  if (!isObject(prov) || !("notes" in prov)) return;
  const path = "provenance.notes";
  const notes = checkObject(issues, prov.notes, path, [], Object.keys(prov.notes ?? {}));
  if (!notes) return;
  for (const [key, note] of Object.entries(notes)) {
    const p = `${path}[${JSON.stringify(key)}]`;
    if (!resolvePath(root, key).found) {
      issues.push({ path: p, message: "must be the JSON path of a value in this profile" });
    }
    if (typeof note !== "string" || !NOTE_SYNTAX.test(note)) {
      issues.push({
        path: p,
        message: `must start with a tag M, S or D then a citation, got ${describe(note)}`,
      });
    }
  }
}

/**
 * Every problem of a candidate profile, each with its JSON path; empty when it is valid.
 *
 * @example
 * ```ts
 * import { validateProfile } from "./validate.ts";
 * const issues = validateProfile({ format: "tailor-profile/v1", memory: { sramBytes: "512k" } });
 * console.log(issues.find((i) => i.path === "memory.sramBytes")?.message);
 * // must be a positive integer, got "512k"
 * ```
 */
export function validateProfile(json: unknown): ValidationIssue[] {
  const issues: Issues = [];
  const keys = PROFILE_KEYS[""];
  const root = checkObject(issues, json, "", keys.required, keys.optional);
  if (!root) return issues;
  if ("format" in root && root.format !== PROFILE_FORMAT) {
    issues.push({
      path: "format",
      message: `must be "${PROFILE_FORMAT}", got ${describe(root.format)}`,
    });
  }
  if ("$schema" in root) checkString(issues, root.$schema, "$schema");
  if ("name" in root && checkString(issues, root.name, "name") && !NAME_SYNTAX.test(root.name)) {
    issues.push({
      path: "name",
      message: `must match [a-z0-9][a-z0-9-]*, got ${describe(root.name)}`,
    });
  }
  if ("description" in root) checkString(issues, root.description, "description");
  if ("kind" in root) checkOneOf(issues, root.kind, "kind", PROFILE_KINDS);
  const sourceIds = "provenance" in root
    ? checkProvenance(issues, root.provenance, "provenance")
    : [];
  if ("clockHz" in root) checkPositive(issues, root.clockHz, "clockHz");
  if ("memory" in root) {
    const mk = PROFILE_KEYS["memory"];
    const mem = checkObject(issues, root.memory, "memory", mk.required, mk.optional);
    for (const k of mk.optional) {
      if (mem && k in mem) checkPositiveInt(issues, mem[k], `memory.${k}`);
    }
  }
  const supported = "supported" in root ? checkSupported(issues, root.supported, "supported") : {};
  if ("measured" in root) checkMeasured(issues, root.measured, "measured", supported, sourceIds);
  if ("analytic" in root) checkAnalytic(issues, root.analytic, "analytic", supported);
  if ("energy" in root) checkEnergy(issues, root.energy, "energy", supported);
  checkNotes(issues, root);
  return issues;
}

/**
 * Validates untrusted JSON and returns it as a {@link HardwareProfile}; throws a
 * {@link ProfileError} listing every issue. `source` (a path or label) goes into the message.
 *
 * @example
 * ```ts
 * import { parseProfile } from "./validate.ts";
 * const text = await Deno.readTextFile("profiles/cortex-m4-stm32f412.json");
 * const profile = parseProfile(JSON.parse(text), "cortex-m4-stm32f412.json");
 * console.log(profile.clockHz); // 100000000
 * ```
 */
export function parseProfile(json: unknown, source?: string): HardwareProfile {
  const issues = validateProfile(json);
  if (issues.length > 0) throw new ProfileError(issues, source);
  return structuredClone(json) as HardwareProfile;
}
