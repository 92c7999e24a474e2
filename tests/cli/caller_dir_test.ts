import assert from "node:assert/strict";
import { CALLER_DIR_VAR, enterCallerDir } from "../../cli/caller_dir.ts";
import { ROOT } from "./_run.ts";

/** Runs `deno task --config ROOT/deno.json ARGS` from `cwd`, as a user in another directory. */
async function task(cwd: string, args: readonly string[]) {
  const env = Deno.env.toObject();
  // The test process may itself run under `deno task test`, whose INIT_CWD Deno would keep.
  delete env.INIT_CWD;
  delete env[CALLER_DIR_VAR];
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", "--config", `${ROOT}deno.json`, ...args],
    cwd,
    clearEnv: true,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

Deno.test("a task reads a relative --config from the directory it was typed in", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/mine.json`,
      JSON.stringify({ layers: { conv1: { wbits: 4, abits: 8 } } }),
    );
    const r = await task(dir, [
      "cost",
      "--model",
      "resnet8",
      "--profile",
      "cortex-m7-stm32h743",
      "--config",
      "mine.json",
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const layers = JSON.parse(r.stdout).layers as { name: string; wbits: number }[];
    assert.equal(layers.find((l) => l.name === "conv1")?.wbits, 4);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a task writes a relative --json under the directory it was typed in", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await task(dir, ["bench", "--suite", "selftest", "--json", "out/bench.json"]);
    assert.equal(r.code, 0, r.stderr);
    const records = JSON.parse(await Deno.readTextFile(`${dir}/out/bench.json`));
    assert.equal(records[0].suite, "selftest");
    await assert.rejects(Deno.stat(`${ROOT}out/bench.json`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("enterCallerDir moves to the named directory once and clears the variable", () => {
  const before = Deno.cwd();
  const dir = Deno.makeTempDirSync();
  try {
    Deno.env.set(CALLER_DIR_VAR, dir);
    assert.equal(enterCallerDir(), Deno.realPathSync(dir));
    assert.equal(Deno.cwd(), Deno.realPathSync(dir));
    assert.equal(Deno.env.get(CALLER_DIR_VAR), undefined);
    Deno.chdir(before);
    assert.equal(enterCallerDir(), undefined, "unset: stays");
    Deno.env.set(CALLER_DIR_VAR, "");
    assert.equal(enterCallerDir(), undefined, "empty: stays");
    assert.equal(Deno.cwd(), before);
  } finally {
    Deno.chdir(before);
    Deno.env.delete(CALLER_DIR_VAR);
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("enterCallerDir names the variable and the directory it cannot enter", () => {
  const before = Deno.cwd();
  try {
    Deno.env.set(CALLER_DIR_VAR, "/no/such/dir/here");
    assert.throws(() => enterCallerDir(), /TAILOR_CALLER_DIR=\/no\/such\/dir\/here/);
    assert.equal(Deno.cwd(), before);
  } finally {
    Deno.env.delete(CALLER_DIR_VAR);
  }
});
