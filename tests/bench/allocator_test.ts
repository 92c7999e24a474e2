import assert from "node:assert/strict";
import { allocatorSetting, TUNED_MALLOC_ENV } from "../../bench/allocator.ts";

Deno.test("allocatorSetting() is tuned only when every tuned variable has its value", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assert.equal(allocatorSetting(env({ ...TUNED_MALLOC_ENV })), "tuned");
  assert.equal(allocatorSetting(env({})), "default");
  const [first] = Object.keys(TUNED_MALLOC_ENV);
  assert.equal(allocatorSetting(env({ ...TUNED_MALLOC_ENV, [first!]: "131072" })), "default");
});

Deno.test("every deno task that runs compute or the bus starts deno with the tuned allocator", async () => {
  const config = JSON.parse(
    await Deno.readTextFile(new URL("../../deno.json", import.meta.url)),
  ) as { tasks: Record<string, string> };
  const prefix = Object.entries(TUNED_MALLOC_ENV).map(([k, v]) => `${k}=${v}`).join(" ");
  const heavy = ["test", "search", "train", "eval", "bench", "worker", "coordinator", "profile"];
  for (const task of heavy) {
    const last = config.tasks[task]!.split("&&").at(-1)!.trim();
    // Other variables (the caller's directory) may follow the allocator's.
    assert.match(last, new RegExp(`^${prefix} (\\w+=\\S+ )*deno `), `task ${task}: ${last}`);
  }
});
