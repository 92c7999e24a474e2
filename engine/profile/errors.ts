/**
 * The error a malformed hardware profile raises.
 *
 * @module
 */

import type { ValidationIssue } from "./types.ts";

/** Formats issues one per line as `path: message` (`(root)` for the empty path). */
export function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((i) => `  ${i.path === "" ? "(root)" : i.path}: ${i.message}`).join("\n");
}

/**
 * A profile failed validation. Carries every issue found, not only the first.
 *
 * @example
 * ```ts
 * import { parseProfile } from "./validate.ts";
 * import { ProfileError } from "./errors.ts";
 * try {
 *   parseProfile({ format: "tailor-profile/v1" }, "inline");
 * } catch (e) {
 *   if (e instanceof ProfileError) console.log(e.issues.length > 0); // true
 * }
 * ```
 */
export class ProfileError extends Error {
  /** Every problem found, each with its JSON path. */
  readonly issues: readonly ValidationIssue[];
  /** Where the profile came from (file path or a label), when known. */
  readonly source: string | undefined;

  /** Builds the error; the message lists every issue. */
  constructor(issues: readonly ValidationIssue[], source?: string, options?: ErrorOptions) {
    const where = source === undefined ? "" : ` ${source}`;
    const n = issues.length;
    super(
      `Invalid hardware profile${where}: ${n} issue${n === 1 ? "" : "s"}\n${formatIssues(issues)}`,
      options,
    );
    this.name = "ProfileError";
    this.issues = issues;
    this.source = source;
  }
}
