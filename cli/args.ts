/**
 * Shared CLI plumbing: flag parsing with `node:util` parseArgs, numeric flag checks, and
 * a runner that turns bad input into one line on stderr and exit code 2.
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { enterCallerDir } from "./caller_dir.ts";

/** Exit code for bad input (flags, missing files, unknown model). */
export const EXIT_USAGE = 2;

/** Exit code for unexpected failures. */
export const EXIT_FAILURE = 1;

/** Bad command-line input; the CLI prints its message and exits with {@linkcode EXIT_USAGE}. */
export class UsageError extends Error {
  /** Builds the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UsageError";
  }
}

/** Names of error classes (from the engine) that mean the user's input was bad. */
export const INPUT_ERROR_NAMES: ReadonlySet<string> = new Set([
  "UsageError",
  "ModelLoadError",
  "DataNotFoundError",
  "IdxFormatError",
  "UnsupportedLayerError",
  "ExportFormatError",
]);

/** Options of flag parsing: the parseArgs option table. */
export type FlagSpec = NonNullable<ParseArgsConfig["options"]>;

/** Parses `args` strictly (unknown flags and positionals are a {@linkcode UsageError}). */
export function parseFlags<T extends FlagSpec>(
  args: string[],
  options: T,
): ReturnType<typeof parseArgs<{ args: string[]; options: T; strict: true }>>["values"] {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (e) {
    // Node's message continues with the fix ("use '--seed=-XYZ'"): keep it, on one line.
    throw new UsageError(oneLine((e as Error).message), { cause: e });
  }
}

/** The value of a required string flag, or a {@linkcode UsageError} naming it. */
export function requireFlag(value: string | undefined, flag: string): string {
  if (value === undefined || value === "") throw new UsageError(`missing required flag --${flag}`);
  return value;
}

/**
 * Parses an integer flag (`undefined` gives `fallback`); throws {@linkcode UsageError}
 * when it is not an integer of at least `min`.
 */
export function intFlag(
  value: string | undefined,
  flag: string,
  options: { min?: number; fallback?: number } = {},
): number | undefined {
  if (value === undefined) return options.fallback;
  const min = options.min ?? 0;
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < min) {
    throw new UsageError(`--${flag} must be an integer >= ${min}, got "${value}"`);
  }
  return n;
}

/** Parses a number flag in `(0, max]` (`undefined` gives `fallback`). */
export function numberFlag(
  value: string | undefined,
  flag: string,
  options: { fallback: number; max?: number; allowZero?: boolean },
): number {
  if (value === undefined) return options.fallback;
  const n = Number(value);
  const max = options.max ?? Infinity;
  const low = options.allowZero ? n >= 0 : n > 0;
  if (value.trim() === "" || !Number.isFinite(n) || !low || n > max) {
    throw new UsageError(
      `--${flag} must be a number in ${options.allowZero ? "[" : "("}0, ${max}], got "${value}"`,
    );
  }
  return n;
}

/**
 * Why a file operation failed, in a few words for a message that names the file already:
 * "no such file", "permission denied", "a part of its path is a file", ..., else `e`'s message.
 *
 * @example
 * ```ts
 * import { fileErrorReason } from "./args.ts";
 * console.assert(fileErrorReason(new Deno.errors.NotFound("x")) === "no such file");
 * ```
 */
export function fileErrorReason(e: unknown): string {
  if (e instanceof Deno.errors.NotFound) return "no such file";
  if (e instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (e instanceof Deno.errors.NotADirectory) return "a part of its path is a file";
  if (e instanceof Deno.errors.IsADirectory) return "it is a directory";
  return oneLine(e instanceof Error ? e.message : String(e));
}

/**
 * `message` on one line: its lines joined by "; " (a profile's list of issues, say), or by a
 * space after a line that ends with a colon or a full stop.
 *
 * @example
 * ```ts
 * import { oneLine } from "./args.ts";
 * console.assert(oneLine("2 issues:\n  a: bad\n  b: bad") === "2 issues: a: bad; b: bad");
 * ```
 */
export function oneLine(message: string): string {
  return message.trim().replace(/([:.])\s*\n\s*/g, "$1 ").replace(/\s*\n\s*/g, "; ");
}

/**
 * Runs a CLI entry point, in the directory its task was started from
 * ({@linkcode enterCallerDir}): input errors ({@linkcode INPUT_ERROR_NAMES}) print
 * `error: <message>` (every line of it, joined into one) and exit 2; other errors print
 * their first line (the stack too when `TAILOR_DEBUG` is set) and exit 1.
 */
export async function runCli(main: () => Promise<void>): Promise<never> {
  try {
    enterCallerDir();
    await main();
    Deno.exit(0);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    const input = INPUT_ERROR_NAMES.has(err.name);
    const message = input ? oneLine(err.message) : err.message.split("\n")[0];
    console.error(`error: ${message}`);
    if (!input && Deno.env.get("TAILOR_DEBUG")) console.error(err.stack);
    Deno.exit(input ? EXIT_USAGE : EXIT_FAILURE);
  }
}
