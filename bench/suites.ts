/**
 * The suite registry. To add a suite: write `bench/suites/<name>.ts` exporting a `Suite`,
 * and add it to `SUITES` below. Suites load heavy dependencies inside `run()`, so listing
 * and selecting suites stays cheap.
 *
 * @module
 */
import { quantSuite } from "./quant.ts";
import type { Suite } from "./suite.ts";
import { busSuite } from "./suites/bus.ts";
import { costSuite } from "./suites/cost.ts";
import { scaleSuite } from "./suites/scale.ts";
import { searchSuite } from "./suites/search.ts";
import { selftestSuite } from "./suites/selftest.ts";
import { trainSuite } from "./suites/train.ts";

/** Every registered suite, in run order for `--suite all`. */
export const SUITES: readonly Suite[] = [
  trainSuite,
  costSuite,
  busSuite,
  scaleSuite,
  quantSuite,
  searchSuite,
  selftestSuite,
];

/** Thrown for a suite name that is not registered; the CLI maps it to exit code 2. */
export class UnknownSuiteError extends RangeError {
  /** The name that was asked for. */
  readonly suite: string;
  constructor(suite: string, known: readonly string[]) {
    super(`Unknown bench suite "${suite}": known suites are ${known.join(", ")}, or "all"`);
    this.name = "UnknownSuiteError";
    this.suite = suite;
  }
}

/**
 * The suites `name` selects: one suite, or every `inAll` suite for `"all"`.
 * Throws `UnknownSuiteError` for anything else.
 *
 * @example
 * ```ts
 * import { selectSuites } from "./bench/suites.ts";
 * console.assert(selectSuites("train")[0]?.name === "train");
 * ```
 */
export function selectSuites(name: string, registry: readonly Suite[] = SUITES): Suite[] {
  if (name === "all") return registry.filter((s) => s.inAll !== false);
  const found = registry.find((s) => s.name === name);
  if (!found) throw new UnknownSuiteError(name, registry.map((s) => s.name));
  return [found];
}
