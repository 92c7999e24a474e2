/**
 * Output files named on a command line (`--out FILE`, `--json FILE`): checked before any
 * work, so a long run is never lost to a typo in the path, and written atomically (into a
 * temporary sibling, renamed into place), so a failed write never leaves half a file.
 *
 * @module
 */
import { basename, dirname } from "node:path";
import { fileErrorReason, UsageError } from "./args.ts";

/**
 * Checks that `path` can be written as the value of `--flag`: it is not a directory, and its
 * directory exists (created if missing) and takes new files. Throws a {@linkcode UsageError}
 * naming the flag and the path otherwise.
 *
 * @example
 * ```ts ignore
 * await checkOutFile("runs/bench.json", "json"); // before the benchmarks run
 * ```
 */
export async function checkOutFile(path: string, flag: string): Promise<void> {
  const fail = (why: string, cause?: unknown): never => {
    throw new UsageError(`cannot write --${flag} ${path}: ${why}`, { cause });
  };
  if (path === "" || path.endsWith("/")) fail("expected a file name");
  try {
    if ((await Deno.stat(path)).isDirectory) fail("it is a directory");
  } catch (e) {
    if (e instanceof UsageError) throw e;
    if (!(e instanceof Deno.errors.NotFound)) fail(fileErrorReason(e), e);
  }
  const dir = dirname(path);
  try {
    await Deno.mkdir(dir, { recursive: true });
    const probe = await Deno.makeTempFile({ dir, prefix: `.tmp-${basename(path)}-` });
    await Deno.remove(probe);
  } catch (e) {
    fail(fileErrorReason(e), e);
  }
}

/**
 * Writes `text` to `path` atomically: into a temporary file beside it, then renamed over it.
 *
 * @example
 * ```ts ignore
 * await writeOutFile("runs/bench.json", JSON.stringify(records));
 * ```
 */
export async function writeOutFile(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  const tmp = await Deno.makeTempFile({ dir, prefix: `.tmp-${basename(path)}-` });
  try {
    await Deno.writeTextFile(tmp, text);
    await Deno.chmod(tmp, 0o644);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}
