import assert from "node:assert/strict";
import { main } from "../../cli/profile.ts";
import { loadProfile } from "../../engine/profile/load.ts";

/** Runs the CLI in-process, capturing stdout and stderr. */
async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log, error = console.error;
  console.log = (...a: unknown[]) => out.push(a.join(" "));
  console.error = (...a: unknown[]) => err.push(a.join(" "));
  try {
    const code = await main(args);
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

const HEADER = "op,in_h,in_w,cin,cout,kernel,stride,groups,wbits,abits,latency_ms_mean,count";

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("profile import merges a good CSV into the base profile and validates it", async () => {
  const dir = await Deno.makeTempDir();
  const csv = `${dir}/board.csv`;
  await Deno.writeTextFile(csv, `${HEADER}\nconv2d,32,32,16,32,3,1,1,8,8,1.92,50\n`);
  const out = `${dir}/my-board.json`;
  const { code } = await run(["import", csv, "--base", "cortex-m7-stm32h743", "--out", out]);
  assert.equal(code, 0);
  const base = await loadProfile("cortex-m7-stm32h743");
  const merged = await loadProfile(out);
  assert.equal(merged.name, "my-board");
  assert.equal(merged.measured.length, base.measured.length + 1);
  const added = merged.measured.at(-1)!;
  assert.deepEqual(added.latency, { meanMs: 1.92, stdMs: 0, count: 50 });
  assert.equal(added.source, "board");
  assert.ok(merged.provenance.sources.some((s) => s.id === "board"));
  // The provenance says the profile is no longer only its base.
  assert.equal(merged.provenance.date, new Date().toISOString().slice(0, 10));
  assert.ok(merged.provenance.method.startsWith(base.provenance.method));
  assert.match(
    merged.provenance.method,
    /1 measured row imported from board\.csv \(source "board"\) on top of profile cortex-m7/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("profile --help prints the usage of either form", async () => {
  const measure = await run(["--help"]);
  assert.equal(measure.code, 0);
  assert.match(measure.out, /usage: deno task profile --model M/);
  const imp = await run(["import", "--help"]);
  assert.equal(imp.code, 0);
  assert.match(imp.out, /usage: deno task profile import FILE\.csv/);
});

Deno.test("profile import reports a bad CSV line on one line, exit 2, nothing written", async () => {
  const dir = await Deno.makeTempDir();
  const csv = `${dir}/bad.csv`;
  await Deno.writeTextFile(csv, `${HEADER}\nconv2d,32,32,16,32,3,1,1,8,8,1.92,50\nconv2d,32,x\n`);
  const out = `${dir}/out.json`;
  const { code, err } = await run(["import", csv, "--base", "cortex-m7-stm32h743", "--out", out]);
  assert.equal(code, 2);
  assert.match(err, /^error: .*bad\.csv:3:/);
  assert.equal(err.split("\n").length, 1);
  assert.equal(await exists(out), false);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("profile import names a bad cell's column and line", async () => {
  const dir = await Deno.makeTempDir();
  const csv = `${dir}/cell.csv`;
  await Deno.writeTextFile(csv, `${HEADER}\nconv2d,32,32,16,32,3,1,1,8,8,-1,50\n`);
  const { code, err } = await run([
    "import",
    csv,
    "--base",
    "cortex-m7-stm32h743",
    "--out",
    `${dir}/o.json`,
  ]);
  assert.equal(code, 2);
  assert.match(err, /cell\.csv:2: column latency_ms_mean/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("profile import of a missing file exits 2 and writes nothing", async () => {
  const dir = await Deno.makeTempDir();
  const out = `${dir}/out.json`;
  const { code, err } = await run([
    "import",
    `${dir}/nope.csv`,
    "--base",
    "cortex-m7-stm32h743",
    "--out",
    out,
  ]);
  assert.equal(code, 2);
  assert.match(err, /cannot read .*nope\.csv/);
  assert.equal(await exists(out), false);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("profile import rejects a row whose bits the base profile does not support", async () => {
  const dir = await Deno.makeTempDir();
  const csv = `${dir}/float.csv`;
  await Deno.writeTextFile(csv, `${HEADER}\nconv2d,32,32,16,32,3,1,1,32,32,1.92,50\n`);
  const out = `${dir}/out.json`;
  const { code } = await run(["import", csv, "--base", "cortex-m7-stm32h743", "--out", out]);
  assert.equal(code, 2);
  assert.equal(await exists(out), false);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("profile without --out is a usage error (exit 2)", async () => {
  const { code, err } = await run(["--model", "cnn-s"]);
  assert.equal(code, 2);
  assert.match(err, /--model and --out are required/);
});

Deno.test("profile refuses an --out whose file name is not a profile name, before measuring", async () => {
  const dir = await Deno.makeTempDir();
  const out = `${dir}/Local_Wasm.json`;
  const { code, err } = await run(["--model", "cnn-s", "--out", out, "--reps", "2"]);
  assert.equal(code, 2);
  assert.match(err, /--out names the profile.*got "Local_Wasm"/);
  // The profiler logs "profiling N shapes ..." when it starts measuring.
  assert.doesNotMatch(err, /profiling/);
  assert.equal(await exists(out), false);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("profile --seed must be a non-negative integer (exit 2)", async () => {
  const { code, err } = await run(["--model", "cnn-s", "--out", "x.json", "--seed", "1.5"]);
  assert.equal(code, 2);
  assert.match(err, /--seed must be an integer >= 0/);
});

Deno.test("profile --calibration accepts only stamped or plain (exit 2)", async () => {
  const { code, err } = await run(["--model", "cnn-s", "--out", "x.json", "--calibration", "x"]);
  assert.equal(code, 2);
  assert.match(err, /--calibration must be stamped or plain, got "x"/);
});

Deno.test("profile --burst must be an integer >= 1 (exit 2)", async () => {
  const { code, err } = await run(["--model", "cnn-s", "--out", "x.json", "--burst", "0"]);
  assert.equal(code, 2);
  assert.match(err, /--burst must be an integer >= 1/);
});

Deno.test("profile measures cnn-s into a valid profile that records the exact command", async () => {
  const dir = await Deno.makeTempDir();
  const out = `${dir}/tiny-local.json`;
  const args = ["--model", "cnn-s", "--out", out, "--reps", "1", "--warmup", "0", "--seed", "2"];
  const { code, err } = await run(args);
  assert.equal(code, 0, err);
  const p = await loadProfile(out);
  assert.equal(p.name, "tiny-local");
  assert.equal(
    p.provenance.sources[0]!.citation.split(" (")[0],
    `deno task profile ${args.join(" ")}`,
  );
  assert.ok(p.measured.length > 20 && p.measured.every((r) => r.latency.medianMs! > 0));
  assert.match(err, /per-call overhead \(stamped\): .* us per layer/);
  await Deno.remove(dir, { recursive: true });
});
