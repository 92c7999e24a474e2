import assert from "node:assert/strict";
import { runScript } from "./_run.ts";

const run = runScript;

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

/** Asserts exit code 2 and exactly one `error:` line on stderr, without a stack trace. */
function assertUsageError(r: { code: number; stderr: string }, pattern: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr.split("\n").filter((l) => l.startsWith("error:"));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

Deno.test("train CLI: an unknown model exits 2 with one line naming it", async () => {
  const dir = await Deno.makeTempDir();
  const r = await run("train.ts", ["--model", "vgg16", "--epochs", "1", "--out", `${dir}/o`]);
  assertUsageError(r, /unknown model "vgg16": expected one of cnn-s, resnet8, mobilenet-tiny/);
  assert.equal(await exists(`${dir}/o`), false);
  assert.deepEqual([...Deno.readDirSync(dir)], []);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("train CLI: non-numeric epochs, missing flags and unknown flags exit 2", async () => {
  const epochs = await run("train.ts", ["--model", "cnn-s", "--epochs", "ten", "--out", "x"]);
  assertUsageError(epochs, /--epochs must be an integer >= 1, got "ten"/);
  assertUsageError(await run("train.ts", ["--model", "cnn-s"]), /missing required flag --epochs/);
  assertUsageError(await run("train.ts", ["--bogus"]), /bogus/);
});

Deno.test("train CLI: a missing data dir exits 2 and leaves no output directory", async () => {
  const dir = await Deno.makeTempDir();
  const r = await run("train.ts", [
    "--model",
    "cnn-s",
    "--epochs",
    "1",
    "--out",
    `${dir}/o`,
    "--data",
    `${dir}/none`,
  ]);
  assertUsageError(r, /Fashion-MNIST file not found/);
  assert.deepEqual([...Deno.readDirSync(dir)], []);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("eval CLI: an unknown model exits 2 with one line", async () => {
  const r = await run("eval.ts", ["--model", "/nonexistent/model"]);
  assertUsageError(r, /neither a zoo name .* nor a directory with model.json/);
});

Deno.test("train CLI writes model, weights and metrics that eval CLI reproduces", async () => {
  const dir = await Deno.makeTempDir();
  const out = `${dir}/cnn`;
  const args = ["--model", "cnn-s", "--epochs", "1", "--out", out, "--limit", "256"];
  const r = await run("train.ts", [...args, "--test-limit", "200", "--seed", "3"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /epoch 1\/1 +step 4\/4 .*steps\/s/);
  const files = [...Deno.readDirSync(out)].map((e) => e.name).sort();
  assert.deepEqual(files, ["metrics.json", "model.json", "weights.bin"]);
  const m = JSON.parse(await Deno.readTextFile(`${out}/metrics.json`));
  assert.equal(m.model, "cnn-s");
  assert.equal(m.epochs, 1);
  assert.equal(m.seed, 3);
  assert.equal(m.testExamples, 200);
  assert.ok(m.testAccuracy >= 0 && m.testAccuracy <= 1 && m.trainSeconds > 0);
  assert.match(m.command, /^deno task train --model cnn-s --epochs 1 --out .* --seed 3$/);
  const e = await run("eval.ts", ["--model", out, "--limit", "200"]);
  assert.equal(e.code, 0, e.stderr);
  const ev = JSON.parse(e.stdout);
  assert.equal(ev.testAccuracy, m.testAccuracy);
  assert.ok(Math.abs(ev.testLoss - m.testLoss) < 1e-6);
  const again = await run("train.ts", [...args]);
  assertUsageError(again, /already exists \(pass --force/);
  await Deno.remove(dir, { recursive: true });
});
