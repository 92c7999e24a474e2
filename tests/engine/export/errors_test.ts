import assert from "node:assert/strict";
import { initBackend } from "../../../engine/backend.ts";
import { buildExport } from "../../../engine/export/build.ts";
import { sha256Hex } from "../../../engine/export/checksum.ts";
import { exportModel, loadExport } from "../../../engine/export/disk.ts";
import { parseExport } from "../../../engine/export/parse.ts";
import { ExportFormatError, type ExportProblem } from "../../../engine/export/errors.ts";
import { tinyConfig, tinyGraph, tinyQuant, tinyWeights } from "./_fixture.ts";

await initBackend("cpu");

const weights = tinyWeights();
const input = { graph: tinyGraph, weights, config: tinyConfig, quant: tinyQuant(weights) };

async function withExport(f: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tailor-export-" });
  try {
    await exportModel(dir, input);
    await f(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function edit(path: string, f: (b: Uint8Array) => Uint8Array): Promise<void> {
  await Deno.writeFile(path, f(await Deno.readFile(path)));
}

async function assertFails(dir: string, file: string, problem: ExportProblem, re: RegExp) {
  try {
    await loadExport(dir);
  } catch (err) {
    assert.ok(err instanceof ExportFormatError, `expected ExportFormatError, got ${err}`);
    assert.equal(err.file, file);
    assert.equal(err.problem, problem);
    assert.match(err.message, new RegExp(`^Cannot load export: ${file}: `));
    assert.match(err.message, re);
    return;
  }
  assert.fail("loadExport() did not throw");
}

const flip = (at: (b: Uint8Array) => number) => (b: Uint8Array) => {
  const c = b.slice();
  c[at(c)]! ^= 0x10;
  return c;
};

Deno.test("loadExport() of an intact export gives the same result as parseExport", async () => {
  await withExport(async (dir) => {
    const loaded = await loadExport(dir);
    assert.deepEqual(loaded.graph, tinyGraph);
  });
});

Deno.test("loadExport() names weights.bin and the damaged tensor when a byte flips", async () => {
  await withExport(async (dir) => {
    await edit(`${dir}/weights.bin`, flip(() => 2)); // inside conv/kernel codes
    await assertFails(dir, "weights.bin", "checksum", /checksum mismatch.*conv\/kernel codes/);
  });
});

Deno.test("loadExport() rejects a flipped byte in the float32 tail of weights.bin", async () => {
  await withExport(async (dir) => {
    await edit(`${dir}/weights.bin`, flip((b) => b.length - 1)); // fc/bias
    await assertFails(dir, "weights.bin", "checksum", /fc\/bias/);
  });
});

Deno.test("loadExport() rejects a flipped byte in model.json", async () => {
  await withExport(async (dir) => {
    await edit(`${dir}/model.json`, flip((b) => b.length >> 1));
    await assertFails(dir, "model.json", "checksum", /checksum mismatch/);
  });
});

Deno.test("loadExport() rejects a changed digit in tailor.json (e.g. a scale)", async () => {
  await withExport(async (dir) => {
    await edit(`${dir}/tailor.json`, (b) => {
      const text = new TextDecoder().decode(b);
      const i = text.indexOf('"scale":[') + 12; // a digit inside the first scale
      const d = text[i]!;
      const swapped = text.slice(0, i) + (d === "1" ? "2" : "1") + text.slice(i + 1);
      return new TextEncoder().encode(swapped);
    });
    await assertFails(dir, "tailor.json", "checksum", /body SHA-256/);
  });
});

Deno.test("loadExport() rejects a truncated weights.bin as truncated", async () => {
  await withExport(async (dir) => {
    await edit(`${dir}/weights.bin`, (b) => b.subarray(0, b.length - 5));
    await assertFails(dir, "weights.bin", "truncated", /truncated: \d+ bytes, tailor.json records/);
  });
});

Deno.test("loadExport() rejects a weights.bin with extra bytes", async () => {
  await withExport(async (dir) => {
    await edit(`${dir}/weights.bin`, (b) => Uint8Array.from([...b, 0]));
    await assertFails(dir, "weights.bin", "malformed", /extra data/);
  });
});

Deno.test("loadExport() rejects a truncated tailor.json as malformed", async () => {
  await withExport(async (dir) => {
    await edit(`${dir}/tailor.json`, (b) => b.subarray(0, b.length >> 1));
    await assertFails(dir, "tailor.json", "malformed", /not valid JSON/);
  });
});

Deno.test("loadExport() rejects a truncated model.json", async () => {
  await withExport(async (dir) => {
    await edit(`${dir}/model.json`, (b) => b.subarray(0, 10));
    await assertFails(dir, "model.json", "truncated", /truncated/);
  });
});

for (const file of ["tailor.json", "model.json", "weights.bin"]) {
  Deno.test(`loadExport() names a missing ${file}`, async () => {
    await withExport(async (dir) => {
      await Deno.remove(`${dir}/${file}`);
      await assertFails(dir, file, "missing", /file not found/);
    });
  });
}

Deno.test("loadExport() rejects another format version, naming it", async () => {
  await withExport(async (dir) => {
    await edit(`${dir}/tailor.json`, (b) => {
      const text = new TextDecoder().decode(b).replace("tailor-export/v1", "tailor-export/v2");
      return new TextEncoder().encode(text);
    });
    await assertFails(dir, "tailor.json", "version", /"tailor-export\/v2" is not supported/);
  });
});

Deno.test("loadExport() rejects a file name that leaves the export directory", async () => {
  await withExport(async (dir) => {
    await edit(`${dir}/tailor.json`, (b) => {
      const json = JSON.parse(new TextDecoder().decode(b));
      json.body.files[0].path = "../model.json";
      return new TextEncoder().encode(JSON.stringify(json));
    });
    // The body changed, so its checksum fails first: never a silent read elsewhere.
    await assertFails(dir, "tailor.json", "checksum", /body SHA-256/);
  });
});

Deno.test("parseExport() detects every single flipped byte of weights.bin and model.json", async () => {
  const { files } = await buildExport(input);
  for (const file of ["weights.bin", "model.json"]) {
    const original = files.get(file)!;
    const step = file === "model.json" ? 97 : 1;
    for (let i = 0; i < original.length; i += step) {
      const damaged = new Map(files);
      damaged.set(file, flip(() => i)(original));
      await assert.rejects(() => parseExport(damaged), (e: unknown) => {
        assert.ok(e instanceof ExportFormatError && e.file === file, `byte ${i} of ${file}`);
        return true;
      });
    }
  }
});

Deno.test("parseExport() rejects a recorded file name with a path, even with a valid checksum", async () => {
  const { files } = await buildExport(input);
  const json = JSON.parse(new TextDecoder().decode(files.get("tailor.json")!));
  json.body.files[0].path = "../model.json";
  json.bodySha256 = await sha256Hex(new TextEncoder().encode(JSON.stringify(json.body)));
  const damaged = new Map(files).set("tailor.json", new TextEncoder().encode(JSON.stringify(json)));
  await assert.rejects(() => parseExport(damaged), /tailor.json: file name "..\/model.json"/);
});
