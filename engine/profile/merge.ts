/**
 * Merging measured rows (from a CSV import or the profiler) into a profile.
 *
 * @module
 */

import { sameMeasuredKey } from "./lookup.ts";
import type { HardwareProfile, MeasuredRow, ProfileSource } from "./types.ts";
import { parseProfile } from "./validate.ts";

/** Options of {@link mergeMeasurements}. */
export interface MergeOptions {
  /** Cite the rows: added to `provenance.sources` (unless its id exists) and set on every row. */
  readonly source?: ProfileSource;
  /**
   * Record the merge in the provenance: `date` (ISO day) becomes the profile's date, and
   * `method` (one sentence) is appended to its method, so that the profile no longer claims
   * only its base's origin.
   */
  readonly record?: { readonly date: string; readonly method: string };
}

/** True when a notes path lies at or below `measured[index]`. */
function notesUnderRow(path: string, index: number): boolean {
  const prefix = `measured[${index}]`;
  return path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
}

/**
 * A new profile with `rows` merged into `profile.measured`: a row with the same key (op,
 * shape, bits, batch) replaces the old one in place (and drops provenance notes on it),
 * others are appended. The result is validated; a row with an unsupported bit pair throws
 * a `ProfileError` naming it. The input profile is not modified.
 */
export function mergeMeasurements(
  profile: HardwareProfile,
  rows: readonly MeasuredRow[],
  options: MergeOptions = {},
): HardwareProfile {
  const measured = [...profile.measured];
  const notes: Record<string, string> = { ...profile.provenance.notes };
  const sources = [...profile.provenance.sources];
  const { source } = options;
  if (source && !sources.some((s) => s.id === source.id)) sources.push(source);
  for (const row of rows) {
    const cited: MeasuredRow = source ? { ...row, source: source.id } : row;
    const index = measured.findIndex((m) => sameMeasuredKey(m, cited));
    if (index < 0) {
      measured.push(cited);
      continue;
    }
    measured[index] = cited;
    for (const path of Object.keys(notes)) if (notesUnderRow(path, index)) delete notes[path];
  }
  const record = options.record;
  const provenance = {
    ...profile.provenance,
    ...(record
      ? { date: record.date, method: `${profile.provenance.method} ${record.method}` }
      : {}),
    sources,
    notes,
  };
  const merged = { ...profile, provenance, measured };
  return parseProfile(merged, `${profile.name} + ${rows.length} measured rows`);
}
