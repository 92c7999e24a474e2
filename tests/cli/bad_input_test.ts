/**
 * Bad input on the command line: every case exits 2 with one line naming the flag or the
 * file, prints no stack trace, and leaves nothing behind.
 */
import assert from "node:assert/strict";
import { runScript } from "./_run.ts";

const CSV = "op,in_h,in_w,cin,cout,kernel,stride,groups,wbits,abits,latency_ms_mean\n" +
  "conv2d,8,8,4,8,3,1,1,8,8,0.25\n";

/** Asserts a clean refusal: exit 2, `pattern` on stderr, no stack frame. */
function assertRefused(r: { code: number; stderr: string }, pattern: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /^\s+at /m, "no stack trace");
}

async function entries(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  return names.sort();
}

Deno.test("a directory given as --profile is refused by name, not with a stack trace", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await runScript("cost.ts", ["--model", "cnn-s", "--profile", dir]);
    assertRefused(r, new RegExp(`Cannot read hardware profile ${dir}: it is a directory`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("profile import checks --out before reading anything, and writes nothing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/board.csv`, CSV);
    const base = ["import", `${dir}/board.csv`, "--base", "cortex-m7-stm32h743", "--out"];
    assertRefused(
      await runScript("profile.ts", [...base, dir]),
      /cannot write --out .*: it is a directory/,
    );
    assertRefused(
      await runScript("profile.ts", [...base, `${dir}/board.csv/p.json`]),
      /cannot write --out .*board\.csv\/p\.json: a part of its path is a file/,
    );
    assert.deepEqual(await entries(dir), ["board.csv"]);
    // A missing directory is created, as for every output of Tailor.
    const ok = await runScript("profile.ts", [...base, `${dir}/new/board-x.json`]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(await entries(`${dir}/new`), ["board-x.json"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("search refuses a wrong --data, an energy budget without energy model, and a bad profile before any work", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = ["--out", `${dir}/run`];
    assertRefused(
      await runScript("search.ts", ["--data", `${dir}/nodata`, ...out]),
      /Fashion-MNIST file not found: .*nodata\/train-images-idx3-ubyte/,
    );
    assertRefused(
      await runScript("search.ts", ["--profile", "local-wasm", "--budget", "energy=1mJ", ...out]),
      /energy budget: profile "local-wasm" has no energy model/,
    );
    await Deno.writeTextFile(`${dir}/p.json`, '{"format":"tailor-profile/v1"}');
    // Every issue is on the line, not only their count.
    assertRefused(
      await runScript("search.ts", ["--profile", `${dir}/p.json`, ...out]),
      /Invalid hardware profile .*p\.json: \d+ issues; name: is required; description: /,
    );
    assert.deepEqual(await entries(dir), ["p.json"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a negative value after a space is refused with the way to write it", async () => {
  const r = await runScript("search.ts", ["--seed", "-1"]);
  assertRefused(r, /'--seed' argument is ambiguous\. .*use '--seed=-XYZ'/);
});

Deno.test("a missing credentials file is refused naming its flag, before connecting", async () => {
  const missing = `${await Deno.makeTempDir()}/nkey.seed`;
  for (const [script, flag] of [["worker.ts", "nkey-seed"], ["monitor.ts", "creds"]]) {
    const r = await runScript(script!, ["--nats", "nats://127.0.0.1:1", `--${flag}`, missing]);
    assertRefused(r, new RegExp(`cannot read --${flag} ${missing}: no such file`));
  }
});

Deno.test("export refuses an --out under a file, naming the flag", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/c.json`, '{"layers":{}}');
    const r = await runScript("export.ts", [
      ...["--model", "cnn-s", "--config", `${dir}/c.json`, "--out", `${dir}/c.json/sub`],
    ]);
    assertRefused(r, /cannot write --out .*c\.json\/sub: a part of its path is a file/);
    assert.deepEqual(await entries(dir), ["c.json"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
