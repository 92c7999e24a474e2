import assert from "node:assert/strict";
import { ProfileError } from "../../../engine/profile/errors.ts";
import {
  formatProfile,
  listShippedProfiles,
  loadProfile,
  parseProfileText,
  resolveProfilePath,
} from "../../../engine/profile/load.ts";
import { tinyProfile } from "./fixtures.ts";

Deno.test("loadProfile() resolves a bare name to profiles/NAME.json", async () => {
  const p = await loadProfile("cortex-m7-stm32h743");
  assert.equal(p.name, "cortex-m7-stm32h743");
  assert.match(resolveProfilePath("nvidia-t4"), /\/profiles\/nvidia-t4\.json$/);
});

Deno.test("loadProfile() reads a file path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/mine.json`;
    await Deno.writeTextFile(path, formatProfile(tinyProfile()));
    assert.equal((await loadProfile(path)).name, "tiny-test");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadProfile() of a missing profile names the path and the shipped profiles", async () => {
  await assert.rejects(loadProfile("cortex-m99"), (e: unknown) => {
    assert.ok(e instanceof RangeError);
    assert.match(e.message, /no file at \S*\/profiles\/cortex-m99\.json/);
    assert.match(e.message, /shipped profiles: .*cortex-m4-stm32f412.*nvidia-t4/);
    return true;
  });
});

Deno.test("listShippedProfiles() lists the profiles without the schema", async () => {
  const names = await listShippedProfiles();
  assert.ok(!names.includes("schema"));
  for (const n of ["bitfusion-45nm", "cortex-a72-rpi4", "cortex-m4-stm32f412", "nvidia-t4"]) {
    assert.ok(names.includes(n), n);
  }
});

Deno.test("parseProfileText() reports invalid JSON as a ProfileError at the root", () => {
  assert.throws(
    () => parseProfileText("{ nope", "x.json"),
    (e: unknown) =>
      e instanceof ProfileError && e.issues[0]?.path === "" && /x\.json/.test(e.message),
  );
});

Deno.test("formatProfile() round-trips and keeps bit pairs on one line", () => {
  const text = formatProfile(tinyProfile());
  assert.deepEqual(parseProfileText(text), tinyProfile());
  assert.match(text, /"conv2d": \[\[8, 8\], \[4, 8\]\]/);
  assert.ok(text.endsWith("}\n"));
});
