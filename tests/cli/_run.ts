/**
 * Runs a CLI script of `cli/` in a child Deno process, for the CLI tests.
 *
 * @module
 */

/** The repository root. */
export const ROOT = new URL("../../", import.meta.url).pathname;

/** Runs `cli/<script>` with `args`; returns its exit code and decoded output. */
export async function runScript(script: string, args: readonly string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}cli/${script}`, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}
