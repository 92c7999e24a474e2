import assert from "node:assert/strict";
import { TUNED_MALLOC_ENV } from "../../bench/allocator.ts";
import { assertBenchRecord } from "../../bench/record.ts";

const MAIN = new URL("../../bench/main.ts", import.meta.url).pathname;

async function bench(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("bench --suite selftest --json writes a valid JSON array of records", async () => {
  const file = await Deno.makeTempFile({ suffix: ".json" });
  try {
    const { code, stdout } = await bench("--suite", "selftest", "--reps", "3", "--json", file);
    assert.equal(code, 0);
    assert.match(stdout, /selftest\s+sum_1e5\s+loop_ms/);
    const records = JSON.parse(await Deno.readTextFile(file));
    assert.ok(Array.isArray(records) && records.length === 1);
    for (const r of records) assertBenchRecord(r);
    assert.equal(records[0].n, 3);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("bench with an unknown suite says so and exits 2", async () => {
  const { code, stderr } = await bench("--suite", "nope");
  assert.equal(code, 2);
  assert.match(stderr, /Unknown bench suite "nope"/);
});

Deno.test("bench with a bad option value or no --suite exits 2", async () => {
  assert.equal((await bench("--suite", "selftest", "--reps", "0")).code, 2);
  assert.equal((await bench()).code, 2);
});

Deno.test("bench --list names every registered suite", async () => {
  const { code, stdout } = await bench("--list");
  assert.equal(code, 0);
  assert.match(stdout, /^train /m);
  assert.match(stdout, /^selftest /m);
});

Deno.test("bench --suite train --models cnn-s fills the PyTorch peer when torch imports", async () => {
  const file = await Deno.makeTempFile({ suffix: ".json" });
  try {
    const { code, stderr } = await bench(
      ...["--suite", "train", "--models", "cnn-s", "--reps", "1", "--warmup", "0"],
      ...["--json", file],
    );
    assert.equal(code, 0, stderr);
    const records = JSON.parse(await Deno.readTextFile(file));
    assert.equal(records.length, 2);
    for (const r of records) {
      assertBenchRecord(r);
      if (/PyTorch peer unavailable/.test(stderr)) {
        assert.equal(r.peer, null);
      } else {
        assert.equal(r.peer, "pytorch-cpu");
        assert.ok((r.peerValue ?? 0) > 0 && (r.ratio ?? 0) > 0);
      }
    }
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("bench records say whether our process ran with the tuned allocator", async () => {
  const file = await Deno.makeTempFile({ suffix: ".json" });
  const run = async (env: Record<string, string>) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, "--suite", "selftest", "--reps", "1", "--json", file],
      env,
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0);
    const [record] = JSON.parse(await Deno.readTextFile(file));
    return { allocator: record.allocator, stderr: new TextDecoder().decode(out.stderr) };
  };
  try {
    const tuned = await run({ ...TUNED_MALLOC_ENV });
    assert.equal(tuned.allocator, "tuned");
    assert.doesNotMatch(tuned.stderr, /default malloc settings/);
    const untuned = await run({ MALLOC_MMAP_THRESHOLD_: "", MALLOC_TRIM_THRESHOLD_: "" });
    assert.equal(untuned.allocator, "default");
    assert.match(untuned.stderr, /default malloc settings .* deno task bench/);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("bench refuses --models a suite cannot select, before running and writing anything", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const json = ["--json", `${dir}/b.json`];
    const train = await bench("--suite", "train", "--models", "nosuch", ...json);
    assert.equal(train.code, 2);
    assert.match(train.stderr, /Cannot bench model "nosuch" in suite train: known models are/);
    const cost = await bench("--suite", "cost", "--models", "cnn-s", ...json);
    assert.equal(cost.code, 2);
    assert.match(cost.stderr, /"cnn-s" in suite cost: known models are resnet8, mobilenet-tiny/);
    const selftest = await bench("--suite", "selftest", "--models", "x", ...json);
    assert.equal(selftest.code, 2);
    assert.match(selftest.stderr, /suite selftest has no cases for --models to select/);
    const search = await bench("--suite", "search", "--models", "cnn-s/nope", ...json);
    assert.equal(search.code, 2);
    assert.match(search.stderr, /Unknown search case "cnn-s\/nope"/);
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bench checks that --json can be written before any suite runs", async () => {
  const file = await Deno.makeTempFile();
  try {
    const r = await bench("--suite", "selftest", "--json", `${file}/b.json`);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot write --json .*b\.json: a part of its path is a file/);
    assert.doesNotMatch(r.stdout, /sum_1e5/, "the suite did not run");
  } finally {
    await Deno.remove(file);
  }
});
