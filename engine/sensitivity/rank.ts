/**
 * Spearman rank correlation between two sensitivity tables over the entries both hold
 * (bit pairs and widths), to compare estimators.
 *
 * @module
 */
import type { SensitivityTable } from "./table.ts";

function ranks(xs: readonly number[]): number[] {
  const order = xs.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const r = new Array<number>(xs.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let k = i; k <= j; k++) r[order[k]![1]] = (i + j) / 2;
    i = j + 1;
  }
  return r;
}

/** Spearman correlation of two equally long samples (average ranks for ties). */
export function spearman(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length || a.length < 2) {
    throw new RangeError(`Cannot correlate samples of sizes ${a.length} and ${b.length}`);
  }
  const ra = ranks(a), rb = ranks(b);
  const ma = ra.reduce((s, v) => s + v, 0) / ra.length;
  const mb = rb.reduce((s, v) => s + v, 0) / rb.length;
  let sab = 0, saa = 0, sbb = 0;
  ra.forEach((v, i) => {
    sab += (v - ma) * (rb[i]! - mb);
    saa += (v - ma) ** 2;
    sbb += (rb[i]! - mb) ** 2;
  });
  return saa === 0 || sbb === 0 ? 0 : sab / Math.sqrt(saa * sbb);
}

/**
 * Spearman correlation between the entries of `a` and `b` that are not float / full width
 * and appear in both, optionally only bits or only widths.
 *
 * @example
 * ```ts ignore
 * console.log(rankCorrelation(dataDriven, dataFree)); // e.g. 0.7
 * ```
 */
export function rankCorrelation(
  a: SensitivityTable,
  b: SensitivityTable,
  opts: { readonly only?: "bits" | "widths" } = {},
): number {
  const xa: number[] = [], xb: number[] = [];
  if (opts.only !== "widths") {
    for (const [layer, entries] of Object.entries(a.bits)) {
      for (const e of entries) {
        const f = b.bits[layer]?.find((x) => x.wbits === e.wbits && x.abits === e.abits);
        if (f && (e.wbits < 32 || e.abits < 32)) xa.push(e.value), xb.push(f.value);
      }
    }
  }
  if (opts.only !== "bits") {
    for (const g of a.groups) {
      const h = b.groups.find((x) => x.layers[0] === g.layers[0]);
      for (const e of g.entries) {
        const f = h?.entries.find((x) => x.width === e.width);
        if (f && e.width < 1) xa.push(e.value), xb.push(f.value);
      }
    }
  }
  return spearman(xa, xb);
}
