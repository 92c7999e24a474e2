/**
 * The interface every benchmark suite implements. A suite lives in `bench/suites/<name>.ts`
 * and is listed once in `bench/suites.ts`.
 *
 * @module
 */
import type { BenchRecord } from "./record.ts";

/** Options the CLI hands to every suite; suites ignore what does not apply to them. */
export interface SuiteOptions {
  /** Restrict the suite to these cases (e.g. zoo model names); all cases when absent. */
  readonly cases?: readonly string[];
  /** Untimed runs per case (suite default when absent). */
  readonly warmup?: number;
  /** Timed runs per case (suite default when absent). */
  readonly reps?: number;
  /** Wall-clock budget per case, ms (suite default when absent). */
  readonly budgetMs?: number;
  /** Skip peers (PyTorch, ...) even when available. */
  readonly noPeer?: boolean;
  /** Progress and notes (stderr in the CLI). */
  readonly log: (line: string) => void;
}

/** A named benchmark suite. */
export interface Suite {
  /** Name used on the command line (`--suite NAME`). */
  readonly name: string;
  /** One line for `--list`. */
  readonly description: string;
  /** Whether `--suite all` runs it. @default true */
  readonly inAll?: boolean;
  /**
   * Checks the names `--models` gave, before anything runs: throws a RangeError naming one
   * this suite cannot select, and the ones it can. Absent: the suite has no cases to select.
   */
  checkCases?(cases: readonly string[]): void | Promise<void>;
  /** Runs the suite; a failing case yields an error record rather than a throw. */
  run(options: SuiteOptions): Promise<BenchRecord[]>;
}
