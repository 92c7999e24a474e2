/**
 * Averages of a table over layers and groups, for monotonicity checks.
 *
 * @module
 */
import type { SensitivityTable } from "../../../engine/sensitivity/table.ts";

/** Mean value over every layer's entries matching `pred`. */
export function meanBits(
  t: SensitivityTable,
  pred: (e: { wbits: number; abits: number }) => boolean,
): number {
  const vs = Object.values(t.bits).flatMap((es) => es.filter(pred).map((e) => e.value));
  return vs.reduce((a, b) => a + b, 0) / vs.length;
}

/** Mean value over groups at `width`. */
export function meanWidth(t: SensitivityTable, width: number): number {
  const vs = t.groups.map((g) => g.entries.find((e) => e.width === width)!.value);
  return vs.reduce((a, b) => a + b, 0) / vs.length;
}

/** The monotonicity the tests expect: fewer bits or a narrower width costs more. */
export function monotoneViolations(t: SensitivityTable): string[] {
  const out: string[] = [];
  const w = [2, 4, 8].map((b) => meanBits(t, (e) => e.wbits === b && e.abits === 32));
  const a = [2, 4, 8].map((b) => meanBits(t, (e) => e.abits === b && e.wbits === 32));
  const widths = [0.25, 0.5, 0.75].map((x) => meanWidth(t, x));
  if (!(w[0]! > w[1]! && w[1]! > w[2]!)) out.push(`wbits 2/4/8: ${w}`);
  if (!(a[0]! > a[1]! && a[1]! > a[2]!)) out.push(`abits 2/4/8: ${a}`);
  if (!(widths[0]! > widths[1]! && widths[1]! > widths[2]!)) out.push(`widths: ${widths}`);
  return out;
}
