/**
 * NATS subject syntax and matching, shared by the in-process bus: tokens separated by `.`,
 * `*` matches exactly one token, `>` (last token only) matches one or more.
 *
 * @module
 */

const BAD_CHARS = /[\s]/;

/** Throws a `TypeError` unless `subject` is a valid subject (wildcards allowed if `pattern`). */
export function checkSubject(subject: string, pattern = false): void {
  const tokens = typeof subject === "string" ? subject.split(".") : [];
  const ok = tokens.length > 0 && tokens.every((t, i) => {
    if (t === "" || BAD_CHARS.test(t)) return false;
    if (t === "*" || t === ">") return pattern && (t === "*" || i === tokens.length - 1);
    return !t.includes("*") && !t.includes(">");
  });
  if (!ok) {
    throw new TypeError(
      `Cannot use ${pattern ? "subscription" : "subject"} ${JSON.stringify(subject)}: ` +
        (pattern
          ? "use dot-separated tokens, * or a final >"
          : "use dot-separated tokens without wildcards"),
    );
  }
}

/**
 * Whether `subject` matches `pattern`.
 *
 * @example
 * ```ts
 * import { subjectMatches } from "./subject.ts";
 * console.assert(subjectMatches("a.*.c", "a.b.c"));
 * console.assert(subjectMatches("a.>", "a.b.c"));
 * console.assert(!subjectMatches("a.>", "a"));
 * ```
 */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split(".");
  const s = subject.split(".");
  for (let i = 0; i < p.length; i++) {
    const t = p[i];
    if (t === ">") return s.length > i;
    if (i >= s.length) return false;
    if (t !== "*" && t !== s[i]) return false;
  }
  return p.length === s.length;
}
