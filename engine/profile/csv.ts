/**
 * Importing a hardware team's measurements: a pure CSV parser into {@link MeasuredRow}s
 * (merge them into a profile with `mergeMeasurements()` of `merge.ts`).
 *
 * CSV format (UTF-8, comma-separated, no quoting; blank lines and lines starting with `#`
 * are ignored). The first other line is a header naming the columns, in any order:
 *
 * | column              | required | meaning                                           |
 * |---------------------|----------|---------------------------------------------------|
 * | `op`                | yes      | conv2d, depthwise, dense, add or pool             |
 * | `in_h`, `in_w`      | yes      | input height and width                            |
 * | `cin`, `cout`       | yes      | input and output channels                         |
 * | `kernel`            | yes      | square kernel / pool window (1 for dense and add) |
 * | `stride`            | yes      | stride (1 for dense and add)                      |
 * | `groups`            | yes      | 1 for conv2d/dense, `cin` for depthwise           |
 * | `wbits`, `abits`    | yes      | weight / activation bits, 1..32 (32 = float)      |
 * | `latency_ms_mean`   | yes      | mean (or median) latency of one call, ms          |
 * | `latency_ms_std`    | no       | standard deviation, ms (default 0)                |
 * | `count`             | no       | timed repetitions (default 1)                     |
 * | `energy_mj`         | no       | energy of one call, mJ (empty = not measured)     |
 * | `batch`             | no       | examples per call (default 1)                     |
 * | `latency_ms_median` | no       | median latency, ms (informative; costs use means) |
 *
 * ```csv
 * op,in_h,in_w,cin,cout,kernel,stride,groups,wbits,abits,latency_ms_mean,latency_ms_std,count,energy_mj
 * conv2d,32,32,16,32,3,1,1,8,8,1.92,0.03,50,0.41
 * depthwise,16,16,32,32,3,2,32,8,8,0.35,0.01,50,
 * ```
 *
 * @module
 */

import {
  checkBits,
  checkNonNegative,
  checkOneOf,
  checkPositive,
  checkPositiveInt,
  type Issues,
} from "./_check.ts";
import { type MeasuredRow, PROFILE_OPS } from "./types.ts";

/** Columns that must be present, in the documented order. */
export const CSV_REQUIRED_COLUMNS = [
  "op",
  "in_h",
  "in_w",
  "cin",
  "cout",
  "kernel",
  "stride",
  "groups",
  "wbits",
  "abits",
  "latency_ms_mean",
] as const;

/** Columns that may be present. */
export const CSV_OPTIONAL_COLUMNS = [
  "latency_ms_std",
  "count",
  "energy_mj",
  "batch",
  "latency_ms_median",
] as const;

/** One problem of a CSV file: 1-based line, column name (or `""`), reason. */
export interface CsvIssue {
  /** 1-based line number in the file. */
  readonly line: number;
  /** Column name, `""` for whole-line problems. */
  readonly column: string;
  /** Why the value is wrong, naming it. */
  readonly message: string;
}

/** A measurements CSV is malformed; carries every issue with its line and column. */
export class MeasurementsCsvError extends Error {
  /** Every problem found. */
  readonly issues: readonly CsvIssue[];

  /** Builds the error; the message lists each issue as `source:line: column: reason`. */
  constructor(issues: readonly CsvIssue[], source = "measurements.csv") {
    const lines = issues.map((i) =>
      `  ${source}:${i.line}: ${i.column === "" ? "" : `column ${i.column}: `}${i.message}`
    );
    const count = `${issues.length} issue${issues.length === 1 ? "" : "s"}`;
    super(`Invalid measurements CSV ${source} (${count}):\n${lines.join("\n")}`);
    this.name = "MeasurementsCsvError";
    this.issues = issues;
  }
}

const ALL_COLUMNS: readonly string[] = [...CSV_REQUIRED_COLUMNS, ...CSV_OPTIONAL_COLUMNS];

/** Converts a cell for the checks: empty -> undefined, numeric-looking -> number. */
function cellValue(text: string): unknown {
  return text === "" ? undefined : /^[-+.\d]/.test(text) ? Number(text) : text;
}

const SHAPE_COLUMNS = [
  ["inH", "in_h"],
  ["inW", "in_w"],
  ["cin", "cin"],
  ["cout", "cout"],
  ["kernel", "kernel"],
  ["stride", "stride"],
  ["groups", "groups"],
] as const;

/** Parses one data line; issue paths are column names. Returns undefined when invalid. */
function parseRow(header: readonly string[], cells: readonly string[], issues: Issues) {
  const get = (name: string) => cellValue(cells[header.indexOf(name)] ?? "");
  const op = cells[header.indexOf("op")];
  checkOneOf(issues, op, "op", PROFILE_OPS);
  const shape: Record<string, unknown> = {};
  for (const [key, column] of SHAPE_COLUMNS) {
    shape[key] = get(column);
    checkPositiveInt(issues, shape[key], column);
  }
  const [wbits, abits, meanMs] = [get("wbits"), get("abits"), get("latency_ms_mean")];
  checkBits(issues, wbits, "wbits");
  checkBits(issues, abits, "abits");
  checkPositive(issues, meanMs, "latency_ms_mean");
  const medianMs = get("latency_ms_median");
  if (medianMs !== undefined) checkPositive(issues, medianMs, "latency_ms_median");
  const [stdMs, count] = [get("latency_ms_std") ?? 0, get("count") ?? 1];
  const [batch, energyMj] = [get("batch"), get("energy_mj")];
  checkNonNegative(issues, stdMs, "latency_ms_std");
  checkPositiveInt(issues, count, "count");
  if (batch !== undefined) checkPositiveInt(issues, batch, "batch");
  if (energyMj !== undefined) checkPositive(issues, energyMj, "energy_mj");
  if (issues.length > 0) return undefined;
  return {
    op,
    shape,
    wbits,
    abits,
    ...(batch !== undefined ? { batch } : {}),
    latency: { meanMs, ...(medianMs !== undefined ? { medianMs } : {}), stdMs, count },
    ...(energyMj !== undefined ? { energyMj } : {}),
  } as unknown as MeasuredRow;
}

/**
 * Parses measurement rows from CSV text (format in the module doc). `source` names the
 * file in messages. Throws a {@link MeasurementsCsvError} listing every bad cell.
 *
 * @example
 * ```ts
 * import { parseMeasurementsCsv } from "./csv.ts";
 * const rows = parseMeasurementsCsv(
 *   "op,in_h,in_w,cin,cout,kernel,stride,groups,wbits,abits,latency_ms_mean\n" +
 *     "conv2d,8,8,4,8,3,1,1,8,8,0.25\n",
 *   "board.csv",
 * );
 * console.log(rows[0]?.latency); // { meanMs: 0.25, stdMs: 0, count: 1 }
 * ```
 */
export function parseMeasurementsCsv(text: string, source?: string): MeasuredRow[] {
  const problems: CsvIssue[] = [];
  const rows: MeasuredRow[] = [];
  let header: string[] | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === "" || raw.trimStart().startsWith("#")) return;
    const cells = raw.split(",").map((c) => c.trim());
    if (!header) {
      header = cells;
      if (!cells.some((c) => ALL_COLUMNS.includes(c))) {
        const message = "the header line is missing: the first line names no column " +
          `(expected ${CSV_REQUIRED_COLUMNS.join(",")}, then optional columns)`;
        // Every later line would be read against a header that is not one: stop here.
        throw new MeasurementsCsvError([{ line, column: "", message }], source);
      }
      for (const column of cells.filter((c) => !ALL_COLUMNS.includes(c))) {
        const message = `unknown column (known: ${ALL_COLUMNS.join(", ")})`;
        problems.push({ line, column, message });
      }
      for (const column of CSV_REQUIRED_COLUMNS.filter((c) => !cells.includes(c))) {
        problems.push({ line, column, message: "required column is missing" });
      }
      return;
    }
    if (cells.length !== header.length) {
      const message = `has ${cells.length} cells, the header has ${header.length}`;
      problems.push({ line, column: "", message });
      return;
    }
    const issues: Issues = [];
    const row = parseRow(header, cells, issues);
    if (row) rows.push(row);
    for (const is of issues) problems.push({ line, column: is.path, message: is.message });
  });
  if (!header) problems.push({ line: 1, column: "", message: "no header line" });
  if (problems.length > 0) throw new MeasurementsCsvError(problems, source);
  return rows;
}
