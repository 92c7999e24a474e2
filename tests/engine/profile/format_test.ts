import assert from "node:assert/strict";
import { formatProfile, loadProfile } from "../../../engine/profile/load.ts";
import { buildLocalProfile, type LocalRunInfo } from "../../../engine/profile/local_profile.ts";
import type { MeasuredRow } from "../../../engine/profile/types.ts";

const CONFIG = new URL("../../../deno.json", import.meta.url).pathname;

/** `text` after `deno fmt` with the project's settings (JSON on stdin). */
async function denoFmt(text: string): Promise<string> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--config", CONFIG, "--ext", "json", "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const out = await child.output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
}

const INFO: LocalRunInfo = {
  device: "Test CPU (2 logical cores)",
  runtimeVersion: "4.22.0 (XNNPACK, SIMD, 1 thread), Deno 2",
  date: "2025-01-15",
  clockHz: 2e9,
  clockSource: "test",
  reps: 2,
  warmup: 0,
  burst: 1,
  models: ["m"],
  widths: [1],
  command: "deno task profile --model m --out local-wasm.json",
};

// Its shape line is 100 columns without the comma that follows it, 101 with it.
const EDGE: MeasuredRow = {
  op: "conv2d",
  shape: { inH: 28, inW: 28, cin: 1, cout: 16, kernel: 3, stride: 1, groups: 1 },
  wbits: 32,
  abits: 32,
  latency: { meanMs: 0.03, medianMs: 0.029, stdMs: 0.001, count: 400 },
};

Deno.test("formatProfile() output is unchanged by deno fmt, a 100-column line plus comma too", async () => {
  const text = formatProfile(buildLocalProfile([EDGE], INFO));
  assert.ok(text.includes(`      "shape": {\n        "inH": 28,`)); // expanded: 101 columns
  assert.equal(await denoFmt(text), text);
});

Deno.test("formatProfile() of the shipped local-wasm profile is fmt-clean", async () => {
  const text = formatProfile(await loadProfile("local-wasm"));
  assert.equal(await denoFmt(text), text);
  // Only lines holding one long string may pass 100 columns (JSON cannot break a string).
  const long = text.split("\n").filter((l) => l.length > 100);
  assert.ok(long.every((l) => /^\s*"[^"]+": ".*",?$/.test(l)), long[0]);
});
