/**
 * `selftest`: times trivial work, so the harness itself can be tested in milliseconds.
 * Not part of `--suite all`.
 *
 * @module
 */
import { makeRecord } from "../record.ts";
import { summarize } from "../stats.ts";
import type { Suite } from "../suite.ts";
import { measure } from "../timing.ts";

function sumTo(n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += i;
  return s;
}

/** The self-test suite: one case, `sum_1e5`, metric `loop_ms`, no peer. */
export const selftestSuite: Suite = {
  name: "selftest",
  description: "times a trivial loop (harness self-test)",
  inAll: false,
  async run(options) {
    const samples = await measure(() => sumTo(100_000), {
      warmup: options.warmup ?? 1,
      reps: options.reps ?? 5,
      budgetMs: options.budgetMs ?? 1_000,
    });
    const key = { suite: "selftest", case: "sum_1e5", metric: "loop_ms", unit: "ms" };
    return [makeRecord(key, summarize(samples))];
  },
};
