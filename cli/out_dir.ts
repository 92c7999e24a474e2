/**
 * Atomic output directories: write into a temporary sibling, rename into place when done,
 * so a failed run never leaves a half-written directory.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileErrorReason, UsageError } from "./args.ts";

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/**
 * Checks that `out` may be written (absent, or `force`) and creates a temporary directory
 * next to it; returns the temporary path. A path that cannot be written is a
 * {@linkcode UsageError} naming `--out`.
 */
export async function prepareOutDir(out: string, options: OutDirOptions): Promise<string> {
  try {
    return await prepare(out, options);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot write --out ${out}: ${fileErrorReason(e)}`, { cause: e });
  }
}

/**
 * Removes `tmp` and exits with code 130 on SIGINT or SIGTERM, so that an interrupted command
 * leaves nothing behind; returns the function that stops listening.
 */
export function removeOnSignal(tmp: string): () => void {
  const onSignal = () => {
    try {
      Deno.removeSync(tmp, { recursive: true });
    } catch { /* already gone */ }
    console.error("\ninterrupted: nothing written");
    Deno.exit(130);
  };
  const signals = ["SIGINT", "SIGTERM"] as const;
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  return () => {
    for (const s of signals) Deno.removeSignalListener(s, onSignal);
  };
}

/** Options of {@linkcode prepareOutDir}. */
export interface OutDirOptions {
  /** Replace an existing `out` when done. */
  readonly force: boolean;
  /**
   * Name of the temporary directory (beside `out`), fixed so that a resumed run finds what
   * its killed predecessor and its jobs left there. Absent: a fresh random name.
   */
  readonly tmpName?: string;
  /** Keep the contents of an existing `tmpName` directory (a resume); else it is emptied. */
  readonly reuse?: boolean;
}

async function prepare(out: string, options: OutDirOptions): Promise<string> {
  if (await exists(out)) {
    if (!options.force) {
      throw new UsageError(`output directory ${out} already exists (pass --force to replace it)`);
    }
    if (!(await Deno.stat(out)).isDirectory) {
      throw new UsageError(`output path ${out} exists and is not a directory`);
    }
  }
  const parent = dirname(out);
  await Deno.mkdir(parent, { recursive: true });
  if (options.tmpName === undefined) {
    const tmp = await Deno.makeTempDir({ dir: parent, prefix: ".tmp-out-" });
    await Deno.chmod(tmp, 0o755);
    return tmp;
  }
  const tmp = join(parent, options.tmpName);
  if (!options.reuse) await Deno.remove(tmp, { recursive: true }).catch(() => {});
  await Deno.mkdir(tmp, { recursive: true, mode: 0o755 });
  return tmp;
}

/** Moves the finished temporary directory to `out`, replacing a previous `out`. */
export async function commitDir(tmp: string, out: string): Promise<void> {
  if (await exists(out)) {
    const old = `${tmp}.old`;
    await Deno.rename(out, old);
    await Deno.rename(tmp, out);
    await Deno.remove(old, { recursive: true });
  } else {
    await Deno.rename(tmp, out);
  }
}
