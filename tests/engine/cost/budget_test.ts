import assert from "node:assert/strict";
import {
  BudgetInfeasibleError,
  budgetPoints,
  checkFeasible,
  formatBudgetValue,
  infeasibleBudgets,
  parseBudgets,
} from "../../../engine/cost/budget.ts";

const valueOf = (spec: string) => parseBudgets(spec)[0]?.value;

Deno.test("parseBudgets() converts latency units to milliseconds", () => {
  assert.equal(valueOf("latency=5ms"), 5);
  assert.equal(valueOf("latency=250us"), 0.25);
  assert.equal(valueOf("latency=250µs"), 0.25);
  assert.equal(valueOf("latency=1.5s"), 1500);
});

Deno.test("parseBudgets() converts energy units to millijoules", () => {
  assert.equal(valueOf("energy=2mJ"), 2);
  assert.equal(valueOf("energy=500uJ"), 0.5);
  assert.equal(valueOf("energy=0.5J"), 500);
});

Deno.test("parseBudgets() reads KB/MB/GB as SI (1000) and KiB/MiB/GiB as IEC (1024)", () => {
  assert.equal(valueOf("sram=512B"), 512);
  assert.equal(valueOf("sram=256kB"), 256_000);
  assert.equal(valueOf("sram=256KB"), 256_000);
  assert.equal(valueOf("sram=256KiB"), 262_144);
  assert.equal(valueOf("flash=1MB"), 1_000_000);
  assert.equal(valueOf("flash=1MiB"), 1_048_576);
  assert.equal(valueOf("flash=1.5MiB"), 1_572_864);
  assert.equal(valueOf("flash=2GB"), 2e9);
  assert.equal(valueOf("flash=1GiB"), 2 ** 30);
});

Deno.test("parseBudgets() reads several kinds and lists of points, keeping the text", () => {
  const budgets = parseBudgets("latency=2ms, 4ms,8ms,sram=256KiB,energy=1mJ");
  assert.deepEqual(budgets.map((b) => [b.kind, b.value, b.text]), [
    ["latency", 2, "latency=2ms"],
    ["latency", 4, "latency=4ms"],
    ["latency", 8, "latency=8ms"],
    ["sram", 262144, "sram=256KiB"],
    ["energy", 1, "energy=1mJ"],
  ]);
});

Deno.test("parseBudgets() accepts one spec per --budget flag as an array", () => {
  const budgets = parseBudgets(["latency=2ms,4ms", "sram=256KiB", "flash=1MiB"]);
  assert.deepEqual(budgets.map((b) => b.kind), ["latency", "latency", "sram", "flash"]);
});

Deno.test("parseBudgets() rejects bad kinds, units and values, naming the input", () => {
  const cases: [string, RegExp][] = [
    ["latency=5", /"latency=5" in "latency=5": value "5" needs a unit \(s, ms, us, µs\)/],
    [
      "sram=512k",
      /"sram=512k".*unknown unit "k" for sram \(use B, kB, KB, MB, GB, KiB, MiB, GiB\)/,
    ],
    ["sram=1.5B", /not a whole number of bytes/],
    ["latency=5mJ", /unknown unit "mJ" for latency/],
    ["energy=-2mJ", /value "-2mJ" is not a positive number/],
    ["energy=0mJ", /must be positive/],
    ["speed=5ms", /unknown budget kind "speed" \(use latency, energy, sram, flash\)/],
    ["5ms", /"5ms" in "5ms": expected KIND=VALUE/],
    ["latency=5ms,,6ms", /empty item/],
    ["latency=5ms,5ms", /"5ms" in "latency=5ms,5ms": duplicates latency=5ms/],
  ];
  for (const [spec, pattern] of cases) {
    assert.throws(
      () => parseBudgets(spec),
      (e: unknown) => e instanceof RangeError && pattern.test(e.message),
      spec,
    );
  }
});

Deno.test("budgetPoints() forms the cartesian product of each kind's values", () => {
  const points = budgetPoints(parseBudgets("latency=2ms,4ms,sram=64KiB,128KiB"));
  assert.deepEqual(points.map((p) => p.map((b) => b.text).join(" ")), [
    "latency=2ms sram=64KiB",
    "latency=2ms sram=128KiB",
    "latency=4ms sram=64KiB",
    "latency=4ms sram=128KiB",
  ]);
  assert.deepEqual(budgetPoints([]), [[]]);
});

Deno.test("checkFeasible() passes when every budget is at or above the minimum", () => {
  checkFeasible({ latency: 3.2, sram: 65536 }, parseBudgets("latency=3.2ms,sram=64KiB"));
});

Deno.test("checkFeasible() throws BudgetInfeasibleError naming the smallest achievable value", () => {
  const budgets = parseBudgets("latency=2ms,8ms,sram=64KiB,flash=1MiB");
  let err: unknown;
  try {
    checkFeasible({ latency: 3.41, sram: 83456, flash: 500_000 }, budgets);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof BudgetInfeasibleError);
  assert.equal(err.name, "BudgetInfeasibleError");
  assert.deepEqual(err.violations.map((v) => [v.budget.text, v.minAchievable]), [
    ["latency=2ms", 3.41],
    ["sram=64KiB", 83456],
  ]);
  assert.equal(
    err.message,
    "No configuration meets the budget: latency=2ms (smallest achievable latency: 3.41 ms); " +
      "sram=64KiB (smallest achievable sram: 83456 B (81.5 KiB))",
  );
});

Deno.test("infeasibleBudgets() refuses a budget whose kind has no minimum", () => {
  assert.throws(
    () => infeasibleBudgets({ latency: 1 }, parseBudgets("energy=1mJ")),
    /Cannot check budget energy=1mJ: no smallest achievable energy/,
  );
});

Deno.test("formatBudgetValue() prints canonical units", () => {
  assert.equal(formatBudgetValue("latency", 0.123456), "0.1235 ms");
  assert.equal(formatBudgetValue("energy", 2), "2 mJ");
  assert.equal(formatBudgetValue("flash", 512), "512 B");
  assert.equal(formatBudgetValue("flash", 3 * 1024 * 1024), "3145728 B (3 MiB)");
});
