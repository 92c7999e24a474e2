/**
 * Renders bench records as a plain-text table for stdout.
 *
 * @module
 */
import type { BenchRecord } from "./record.ts";

function num(x: number | null | undefined, digits = 2): string {
  return x === null || x === undefined ? "-" : x.toFixed(digits);
}

/**
 * One row per record: suite, case, metric, value, min, p90, n, peer, peer value, ratio;
 * failed cases show their error instead of numbers.
 *
 * @example
 * ```ts
 * import { formatTable } from "./bench/table.ts";
 * const text = formatTable([{ suite: "s", case: "c", metric: "m", value: 1, unit: "ms",
 *   peer: null, peerValue: null, ratio: null }]);
 * console.assert(text.includes("1.00"));
 * ```
 */
export function formatTable(records: readonly BenchRecord[]): string {
  const header = [
    "suite",
    "case",
    "metric",
    "value",
    "min",
    "p90",
    "n",
    "peer",
    "peerValue",
    "ratio",
  ];
  const rows = records.map((r) =>
    r.value === null ? [r.suite, r.case, r.metric, `ERROR ${(r.error ?? "").split("\n")[0]}`] : [
      r.suite,
      r.case,
      `${r.metric}`,
      `${num(r.value)} ${r.unit}`,
      num(r.min),
      num(r.p90),
      String(r.n ?? "-"),
      r.peer ?? "-",
      num(r.peerValue),
      num(r.ratio, 3),
    ]
  );
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.filter((row) => row.length > 4).map((row) => row[i]!.length))
  );
  const line = (cells: readonly string[]) =>
    cells.length === header.length
      ? cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")
      : cells.slice(0, 3).map((c, i) => c.padEnd(widths[i]!)).join("  ") + "  " + cells[3];
  return [line(header), line(header.map((_, i) => "-".repeat(widths[i]!))), ...rows.map(line)]
    .join("\n");
}
