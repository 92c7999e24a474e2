/**
 * Private helpers of the hand-written profile validator: each checks one value at a JSON
 * path and appends a {@link ValidationIssue} when it is wrong.
 *
 * @module
 */

import type { ValidationIssue } from "./types.ts";

/** Mutable issue list the checks append to. */
export type Issues = ValidationIssue[];

/** A JSON object (not null, not an array). */
export type JsonObject = Record<string, unknown>;

/** Renders a value for a message: JSON, truncated to 40 characters. */
export function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** Path of a key below `path`. */
export function keyPath(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

/** Path of an array element below `path`. */
export function indexPath(path: string, index: number): string {
  return `${path}[${index}]`;
}

/** True for a plain JSON object. */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Checks that `value` is an object with every required key and no unknown key; returns it
 * (even with missing keys, so callers can keep checking) or undefined if it is no object.
 */
export function checkObject(
  issues: Issues,
  value: unknown,
  path: string,
  required: readonly string[],
  optional: readonly string[] = [],
): JsonObject | undefined {
  if (!isObject(value)) {
    issues.push({ path, message: `must be an object, got ${describe(value)}` });
    return undefined;
  }
  for (const key of required) {
    if (!(key in value)) issues.push({ path: keyPath(path, key), message: "is required" });
  }
  for (const key of Object.keys(value)) {
    if (!required.includes(key) && !optional.includes(key)) {
      const allowed = [...required, ...optional].join(", ");
      issues.push({
        path: keyPath(path, key),
        message: `is not a known key (allowed: ${allowed})`,
      });
    }
  }
  return value;
}

/** Checks an array; returns it or undefined. */
export function checkArray(issues: Issues, value: unknown, path: string): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  issues.push({ path, message: `must be an array, got ${describe(value)}` });
  return undefined;
}

/** Checks a string (non-empty unless `allowEmpty`). */
export function checkString(
  issues: Issues,
  value: unknown,
  path: string,
  allowEmpty = false,
): value is string {
  if (typeof value === "string" && (allowEmpty || value.length > 0)) return true;
  const what = allowEmpty ? "a string" : "a non-empty string";
  issues.push({ path, message: `must be ${what}, got ${describe(value)}` });
  return false;
}

/** Checks that a value is one of `choices`. */
export function checkOneOf<T extends string>(
  issues: Issues,
  value: unknown,
  path: string,
  choices: readonly T[],
): value is T {
  if (typeof value === "string" && (choices as readonly string[]).includes(value)) return true;
  issues.push({ path, message: `must be one of ${choices.join(", ")}, got ${describe(value)}` });
  return false;
}

/** Checks a positive integer (a safe integer >= 1). */
export function checkPositiveInt(issues: Issues, value: unknown, path: string): value is number {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 1) return true;
  issues.push({ path, message: `must be a positive integer, got ${describe(value)}` });
  return false;
}

/** Checks a finite number > 0. */
export function checkPositive(issues: Issues, value: unknown, path: string): value is number {
  if (typeof value === "number" && Number.isFinite(value) && value > 0) return true;
  issues.push({ path, message: `must be a positive number, got ${describe(value)}` });
  return false;
}

/** Checks a finite number >= 0. */
export function checkNonNegative(issues: Issues, value: unknown, path: string): value is number {
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) return true;
  issues.push({ path, message: `must be a non-negative number, got ${describe(value)}` });
  return false;
}

/** Checks a bit-width: an integer 1..32 (32 = float). */
export function checkBits(issues: Issues, value: unknown, path: string): value is number {
  if (typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 32) {
    return true;
  }
  issues.push({ path, message: `must be a bit-width, an integer 1..32, got ${describe(value)}` });
  return false;
}

const PATH_SYNTAX = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*|\[\d+\])*$/;

/**
 * Resolves a JSON path (`a.b[2].c`) in a JSON value; returns `{found: false}` when the
 * path is malformed or does not exist.
 */
export function resolvePath(root: unknown, path: string): { found: boolean; value?: unknown } {
  if (!PATH_SYNTAX.test(path)) return { found: false };
  let cur: unknown = root;
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    const [, key, index] = m;
    if (index !== undefined) {
      if (!Array.isArray(cur) || Number(index) >= cur.length) return { found: false };
      cur = cur[Number(index)];
    } else if (key !== undefined) {
      if (!isObject(cur) || !(key in cur)) return { found: false };
      cur = cur[key];
    }
  }
  return { found: true, value: cur };
}
