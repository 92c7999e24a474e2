import assert from "node:assert/strict";
import { quantCliOptions, runQuantCli } from "../../bench/quant_run.ts";

Deno.test("quant_run: --finetune-seed takes 0 (the default seed) and any integer >= 0", () => {
  assert.equal(quantCliOptions(["--finetune-seed", "0"]).prune?.finetuneSeed, 0);
  assert.equal(quantCliOptions(["--finetune-seed", "2"]).prune?.finetuneSeed, 2);
  assert.equal(quantCliOptions([]).prune?.finetuneSeed, undefined);
  for (const bad of ["-1", "1.5", "one"]) {
    assert.throws(
      () => quantCliOptions([`--finetune-seed=${bad}`]),
      new RegExp(`--finetune-seed must be an integer >= 0, got "${bad}"`),
    );
  }
});

Deno.test("quant_run: --finetune-epochs sets the pruning modes' fine-tune length, 0 for none", () => {
  assert.equal(quantCliOptions(["--finetune-epochs", "3"]).finetuneEpochs, 3);
  assert.equal(quantCliOptions(["--finetune-epochs", "0"]).finetuneEpochs, 0);
  assert.equal(quantCliOptions([]).finetuneEpochs, undefined);
  assert.throws(
    () => quantCliOptions(["--finetune-epochs", "1.5"]),
    /--finetune-epochs must be an integer >= 0, got "1.5"/,
  );
});

Deno.test("quant_run: --validation N holds out N training images", () => {
  assert.equal(quantCliOptions(["--validation", "5000"]).validation, 5000);
  assert.equal(quantCliOptions([]).validation, undefined);
  assert.throws(() => quantCliOptions(["--validation=-5"]), /--validation must be an integer/);
});

Deno.test("quant_run: a bad value names its flag; the run stops before loading anything", async () => {
  assert.throws(() => quantCliOptions(["--lr", "0"]), /--lr must be a positive number, got "0"/);
  assert.throws(() => quantCliOptions(["--modes", "nope"]), /Cannot run mode "nope"/);
  assert.throws(() => quantCliOptions(["--no-such-flag"]), TypeError);
  assert.equal(quantCliOptions(["--no-dropout"]).prune?.dropout, false);
  assert.equal(quantCliOptions(["--dropout"]).prune?.dropout, true);
  assert.equal(quantCliOptions(["--no-flip"]).prune?.flip, false);
  assert.equal(quantCliOptions(["--flip"]).prune?.flip, true);
  assert.equal(quantCliOptions([]).prune?.flip, undefined);
  assert.throws(() => quantCliOptions(["--flip", "--no-flip"]), /both --flip and --no-flip/);
  assert.equal(quantCliOptions(["--ema", "0.998"]).prune?.ema, 0.998);
  assert.throws(
    () => quantCliOptions(["--ema", "1"]),
    /--ema must be a decay in \(0, 1\), got "1"/,
  );
  assert.equal(quantCliOptions([]).prune?.dropout, undefined);
  assert.throws(
    () => quantCliOptions(["--dropout", "--no-dropout"]),
    /both --dropout and --no-dropout/,
  );
  const opts = quantCliOptions(["--models", "resnet8", "--lr", "8e-3", "--json", "out.json"]);
  assert.deepEqual([opts.models, opts.finetuneLr, opts.json], [["resnet8"], 8e-3, "out.json"]);
  const errors: string[] = [];
  const error = console.error;
  console.error = (line: string) => errors.push(line);
  try {
    assert.equal(await runQuantCli(["--batch=-64"]), 2);
  } finally {
    console.error = error;
  }
  assert.deepEqual(errors, ['quant_run: --batch must be a positive number, got "-64"']);
});
