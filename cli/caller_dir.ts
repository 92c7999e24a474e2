/**
 * The directory a `deno task` was typed in. Deno runs every task in the directory of
 * `deno.json`, so without this a relative path given from a subdirectory
 * (`--config my.json`, `--out runs/a`) would be read or written under the project root.
 * The user-facing tasks in `deno.json` pass the caller's directory (Deno's `INIT_CWD`) as
 * `TAILOR_CALLER_DIR`; each CLI moves there before it reads a flag. Everything the project
 * ships (profiles, zoo, workers) is found from `import.meta.url`, whatever the directory.
 *
 * @module
 */

/** The variable the tasks in `deno.json` set to the caller's directory. */
export const CALLER_DIR_VAR = "TAILOR_CALLER_DIR";

/**
 * Moves the process to the directory named by {@linkcode CALLER_DIR_VAR}, when set and
 * not empty, then removes the variable so that processes started from here (workers, peers)
 * keep the directory they are given. Returns the directory moved to, or `undefined`.
 *
 * @example
 * ```ts
 * import { enterCallerDir } from "./caller_dir.ts";
 * const before = Deno.cwd();
 * Deno.env.set("TAILOR_CALLER_DIR", Deno.makeTempDirSync());
 * const moved = enterCallerDir();
 * console.assert(moved === Deno.cwd() && Deno.env.get("TAILOR_CALLER_DIR") === undefined);
 * Deno.chdir(before);
 * ```
 */
export function enterCallerDir(): string | undefined {
  const dir = Deno.env.get(CALLER_DIR_VAR);
  if (dir === undefined) return undefined;
  Deno.env.delete(CALLER_DIR_VAR);
  if (dir === "") return undefined;
  try {
    Deno.chdir(dir);
  } catch (e) {
    throw new Error(
      `Cannot run in the directory the task was started from (${CALLER_DIR_VAR}=${dir}): ${
        (e as Error).message
      }`,
      { cause: e },
    );
  }
  return Deno.cwd();
}
