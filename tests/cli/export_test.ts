import assert from "node:assert/strict";
import { initBackend } from "../../engine/backend.ts";
import { loadExport } from "../../engine/export/disk.ts";
import { exportSettings } from "../../cli/export.ts";
import { runScript } from "./_run.ts";

const run = (args: string[], script = "export.ts") => runScript(script, args);

async function withConfig(config: unknown, body: (dir: string, path: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/config.json`;
  await Deno.writeTextFile(path, typeof config === "string" ? config : JSON.stringify(config));
  try {
    await body(dir, path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("export CLI: a result.json with widths below 1 is pruned, exported, reloads pruned and evaluates as reported", async () => {
  await initBackend();
  const chosen = { layers: { conv2: { wbits: 4, abits: 8, width: 0.5 } }, accuracy: 0.9 };
  const config = { format: "tailor-result/v1", run: "r", chosen };
  await withConfig(config, async (dir, path) => {
    const out = `${dir}/model`;
    const r = await run([
      ...["--model", "cnn-s", "--config", path, "--out", out, "--calib", "128"],
      ...["--profile", "cortex-m7-stm32h743", "--test", "500"],
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /pruned \(L1\) to .*conv2 32.*; recovery: compensation \+ batch-norm re-estimation/,
    );
    assert.match(r.stderr, /note: pruned without fine-tuning/);
    assert.match(r.stderr, /test accuracy \d+\.\d\d% on 500 images/);
    assert.match(r.stderr, /reloaded logits identical/);
    const flash = r.stderr.match(/weights\.bin (\d+) B, cost model flash (\d+) B/);
    assert.ok(flash, r.stderr);
    assert.ok(Math.abs(Number(flash[1]) / Number(flash[2]) - 1) <= 0.02, flash[0]);
    const loaded = await loadExport(out);
    const conv2 = loaded.graph.nodes.find((n) => n.name === "conv2")!;
    assert.equal(conv2.outShape.at(-1), 32);
    assert.equal(loaded.config.layers["conv2"]?.wbits, 4);
    const accuracy = Number(r.stderr.match(/test accuracy (\d+\.\d\d)%/)![1]);
    const evaluated = await run(["--model", out, "--limit", "500"], "eval.ts");
    assert.equal(evaluated.code, 0, evaluated.stderr);
    const record = JSON.parse(evaluated.stdout);
    assert.equal(record.format, "tailor-export/v1");
    assert.equal((100 * record.testAccuracy).toFixed(2), accuracy.toFixed(2));
    const bytes = await Deno.readFile(`${out}/weights.bin`);
    await Deno.writeFile(`${out}/weights.bin`, bytes.subarray(0, bytes.length - 7));
    const truncated = await run(["--model", out, "--limit", "500"], "eval.ts");
    assert.equal(truncated.code, 2, truncated.stderr);
    assert.match(truncated.stderr, /error: .*weights\.bin: truncated/);
  });
});

Deno.test("export CLI: --data-free prunes and exports without reading any image; a residual group needs one width", async () => {
  const config = { layers: { conv1: { wbits: 8, abits: 8, width: 0.75 } } }; // block1_conv2: 1
  await withConfig(config, async (dir, path) => {
    const out = `${dir}/model`;
    const args = ["--model", "resnet8", "--config", path, "--out", out, "--data-free"];
    const r = await run([...args, "--data", `${dir}/no-such-data`]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /group conv1 is pruned as one .* widths conv1 0\.75, block1_conv2 1: give them one width/,
    );
    const group = { layers: { conv1: config.layers.conv1, block1_conv2: config.layers.conv1 } };
    await Deno.writeTextFile(path, JSON.stringify(group));
    const pruned = await run([...args, "--data", `${dir}/no-such-data`]);
    assert.equal(pruned.code, 0, pruned.stderr);
    assert.match(pruned.stderr, /conv1 12, .*recovery: data-free compensation/);
    assert.match(pruned.stderr, /reloaded logits identical on 32 random images/);
    assert.doesNotMatch(pruned.stderr, /--finetune-steps/);
    const both = await run([...args, "--finetune-steps", "10"]);
    assert.equal(both.code, 2, both.stderr);
    assert.match(both.stderr, /error: --data-free uses no training images/);
  });
});

Deno.test("export CLI: a bad configuration or profile exits 2 naming it, leaving no output", async () => {
  await withConfig("{ not json", async (dir, path) => {
    const r = await run(["--model", "cnn-s", "--config", path, "--out", `${dir}/o`]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`error: --config ${path} is not JSON: `));
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["config.json"]);
  });
  await withConfig({ layers: { conv9: { wbits: 4, abits: 8 } } }, async (dir, path) => {
    const r = await run(["--model", "cnn-s", "--config", path, "--out", `${dir}/o`]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`error: --config ${path}: .*"conv9", not a compute layer`));
    // The user is told which layers there are, and the likely one meant.
    assert.match(r.stderr, /did you mean "conv1"\? Compute layers of "cnn-s": conv1, /);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["config.json"]);
  });
  await withConfig({ layers: {} }, async (dir, path) => {
    const args = ["--model", "cnn-s", "--config", path, "--out", `${dir}/o`];
    const r = await run([...args, "--profile", "no-such-board"]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /error: --profile no-such-board: .*shipped profiles: /);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["config.json"]);
  });
});

Deno.test("exportSettings(): a search's result.json fills in the flags not given with the search's recipe", () => {
  const given = {
    configPath: "r.json",
    out: "o",
    calib: 512,
    calibGiven: false,
    dataDir: "d",
    test: 0,
    force: false,
  };
  const origin = { model: "resnet8", profile: "cortex-m7-stm32h743", seed: 3, dataFree: false };
  // The search's model, profile and seed; its chosen candidate's steps (100 before they were
  // recorded).
  const { calibGiven: _, ...flags } = given;
  assert.deepEqual(exportSettings(given, { ...origin, finetuneSteps: 40 }), {
    ...flags,
    modelName: "resnet8",
    profile: "cortex-m7-stm32h743",
    finetuneSteps: 40,
    seed: 3,
    dataFree: false,
  });
  assert.equal(exportSettings(given, origin).finetuneSteps, 100);
  // Flags win; a data-free search exports data-free unless images are asked for.
  const mine = exportSettings({ ...given, modelName: "zoo2", finetuneSteps: 0, seed: 1 }, origin);
  assert.deepEqual([mine.modelName, mine.finetuneSteps, mine.seed], ["zoo2", 0, 1]);
  const df = { ...origin, dataFree: true };
  assert.deepEqual([exportSettings(given, df).dataFree, exportSettings(given, df).finetuneSteps], [
    true,
    0,
  ]);
  assert.equal(exportSettings({ ...given, calib: 64, calibGiven: true }, df).dataFree, false);
  // Without a result.json: post-training quantization, and --model is required.
  assert.equal(exportSettings({ ...given, modelName: "cnn-s" }).finetuneSteps, 0);
  assert.throws(() => exportSettings(given), /missing required flag --model/);
});
