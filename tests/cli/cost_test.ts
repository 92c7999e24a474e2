import assert from "node:assert/strict";
import { main } from "../../cli/cost.ts";

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

Deno.test("cost --json prints per-layer rows and totals for a zoo model", async () => {
  const { code, out } = await run([
    "--model",
    "resnet8",
    "--profile",
    "cortex-m7-stm32h743",
    "--json",
  ]);
  assert.equal(code, 0);
  const r = JSON.parse(out);
  assert.equal(r.layers.length, 10); // 9 convs + the logits dense
  for (
    const key of [
      "name",
      "op",
      "wbits",
      "abits",
      "width",
      "latencyMs",
      "energyMj",
      "flashBytes",
      "bops",
    ]
  ) {
    assert.ok(key in r.layers[0], `layer field ${key}`);
  }
  for (const key of ["latencyMs", "energyMj", "flashBytes", "peakSramBytes", "bops"]) {
    assert.ok(key in r.totals, `total field ${key}`);
  }
  assert.deepEqual([r.layers[0].wbits, r.layers[0].abits, r.layers[0].width], [8, 8, 1]);
  // at block1_add: the block input, the block output and the sum, 28x28x16 bytes each
  assert.equal(r.totals.peakSramBytes, 3 * 28 * 28 * 16);
  const flash = r.layers.reduce((s: number, l: { flashBytes: number }) => s + l.flashBytes, 0);
  assert.equal(r.totals.flashBytes, flash);
});

Deno.test("cost applies a --config file and prints a table without --json", async () => {
  const path = await Deno.makeTempFile({ suffix: ".json" });
  await Deno.writeTextFile(
    path,
    JSON.stringify({ layers: { conv2: { wbits: 4, abits: 8, width: 0.5 } } }),
  );
  const { code, out } = await run([
    "--model",
    "cnn-s",
    "--profile",
    "cortex-m7-stm32h743",
    "--config",
    path,
  ]);
  await Deno.remove(path);
  assert.equal(code, 0);
  assert.match(out, /conv2\s+conv2d\s+4\s+8\s+0\.50\s+32>32/);
  assert.match(out, /peak SRAM/);
});

Deno.test("cost reports bad input on one stderr line with exit code 2", async () => {
  const cases = [
    ["--model", "resnet8"],
    ["--model", "resnet8", "--profile", "no-such-profile"],
    ["--model", "no-such-model", "--profile", "cortex-m7-stm32h743"],
    ["--model", "resnet8", "--profile", "cortex-m7-stm32h743", "--config", "/no/such.json"],
    ["--model", "resnet8", "--profile", "cortex-m7-stm32h743", "--frobnicate"],
  ];
  for (const args of cases) {
    const { code, err } = await run(args);
    assert.equal(code, 2, args.join(" "));
    assert.equal(err.split("\n").length, 1, err);
    // The prefix every Tailor CLI prints its errors with (runCli).
    assert.match(err, /^error: /, err);
  }
});
