/**
 * `report.html`: one self-contained page (inline SVG and CSS, no script, no network) that
 * shows a search result at a glance: the front, the chosen configuration as per-layer bars
 * of bits and widths, costs against budgets, and the baseline.
 *
 * @module
 */
import {
  chosenBudgets,
  type FrontPoint,
  type ResultCosts,
  resultNotes,
  type SearchResult,
} from "./result.ts";

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const fmt = (v: number, digits = 3): string =>
  Math.abs(v) >= 1000 ? Math.round(v).toLocaleString("en-US") : v.toPrecision(digits);

/** Cost fields shown, with their budget kind and unit. */
const COSTS: readonly { key: keyof ResultCosts; kind: string; label: string; unit: string }[] = [
  { key: "latencyMs", kind: "latency", label: "latency", unit: "ms" },
  { key: "energyMj", kind: "energy", label: "energy", unit: "mJ" },
  { key: "peakSramBytes", kind: "sram", label: "peak SRAM", unit: "B" },
  { key: "flashBytes", kind: "flash", label: "flash", unit: "B" },
];

/**
 * Round tick values covering `[lo, hi]`: steps of 1, 2 or 5 times a power of ten, about
 * `count` of them.
 */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((st) => st >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
    out.push(Number(t.toPrecision(12)));
  }
  return out;
}

/** A point drawn on the front plot. */
interface PlotPoint {
  readonly x: number;
  readonly y: number;
  readonly cls: "pt" | "chosen" | "uni" | "base";
  readonly title: string;
}

/**
 * "uniform w8a8 ×1" for a configuration with one bit pair (its most common width: the logits
 * keep theirs), "N bit pairs" otherwise.
 */
function configLabel(
  layers: Readonly<Record<string, { wbits: number; abits: number; width: number }>>,
) {
  const all = Object.values(layers);
  const pairs = new Set(all.map((l) => `w${l.wbits}a${l.abits}`));
  if (pairs.size !== 1) return `${pairs.size} bit pairs`;
  const counts = new Map<number, number>();
  for (const l of all) counts.set(l.width, (counts.get(l.width) ?? 0) + 1);
  const width = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
  return `uniform ${[...pairs][0]} ×${width}`;
}

function frontSvg(result: SearchResult): string {
  const kind = result.budgets[0]?.kind ?? "latency";
  const cost = COSTS.find((c) => c.kind === kind) ?? COSTS[0]!;
  const costOf = (c: ResultCosts) => (c[cost.key] ?? NaN) as number;
  // Points without a measured accuracy (a strategy's extra front points) stay in the table.
  const measured = result.front.filter((p) =>
    p.accuracy !== undefined && Number.isFinite(p.accuracy)
  );
  const useAcc = measured.length > 0 && measured.some((p) => p.chosen);
  // Bytes read better in KiB once they reach a few KiB (budgets are written that way).
  const kib = cost.unit === "B" && Math.max(costOf(result.baseline.costs), 0) >= 4096;
  const unit = kib ? "KiB" : cost.unit;
  const X = (v: number) => (kib ? v / 1024 : v);
  const pts: PlotPoint[] = (useAcc ? measured : result.front).map((p) => ({
    x: X(costOf(p.costs)),
    y: useAcc ? p.accuracy! * 100 : -p.value,
    cls: p.chosen ? "chosen" : "pt",
    title: `${p.budget}: ${fmt(X(costOf(p.costs)))} ${unit}, ${
      useAcc ? `${(p.accuracy! * 100).toFixed(2)}%` : `predicted loss ${fmt(p.value)}`
    }`,
  }));
  if (useAcc) {
    for (const u of result.chosen.uniforms ?? []) {
      pts.push({
        x: X(costOf(u.costs)),
        y: u.accuracy * 100,
        cls: "uni",
        title: `${configLabel(u.layers)}: ${fmt(X(costOf(u.costs)))} ${unit}, ${
          (u.accuracy * 100).toFixed(2)
        }%`,
      });
    }
    const b = result.baseline;
    if (b.uniformAccuracy !== undefined) {
      pts.push({
        x: X(costOf(b.costs)),
        y: b.uniformAccuracy * 100,
        cls: "base",
        title: `uniform default (${configLabel(b.layers)}): ${fmt(X(costOf(b.costs)))} ${unit}, ${
          (b.uniformAccuracy * 100).toFixed(2)
        }%`,
      });
    }
  }
  const shown = pts.filter((q) => Number.isFinite(q.x) && Number.isFinite(q.y));
  const budgetsX = result.budgets.filter((b) => b.kind === kind).map((b) => X(b.value));
  const float = useAcc ? result.baseline.accuracy * 100 : undefined;
  const W = 560, H = 300, L = 56, B = 40, T = 14, R = 16;
  const xData = Math.max(...shown.map((q) => q.x), ...budgetsX, 1e-9) * 1.05;
  const xTicks = niceTicks(0, xData);
  const xmax = Math.max(xData, xTicks.at(-1)!);
  // The vertical range follows the front (and float); a reference point far below it is
  // drawn on the bottom edge as a triangle, its value in its tooltip.
  const core = [...shown.filter((q) => q.cls === "pt" || q.cls === "chosen").map((q) => q.y)];
  if (float !== undefined) core.push(float);
  const all = shown.map((q) => q.y);
  const span = useAcc ? 5 : Infinity;
  const lo = Math.max(Math.min(...all), Math.min(...core) - span), hi = Math.max(...all, ...core);
  const pad = (hi - lo) * 0.12 || 0.5;
  const yTicks = niceTicks(lo - pad, hi + pad, 4);
  const ymin = Math.min(lo - pad, yTicks[0]!), ymax = Math.max(hi + pad, yTicks.at(-1)!);
  const sx = (x: number) => L + (x / xmax) * (W - L - R);
  const sy = (y: number) => T + (1 - (Math.max(y, ymin) - ymin) / (ymax - ymin)) * (H - T - B);
  const marks = shown.map((q) => {
    const cx = sx(q.x).toFixed(1), cy = sy(q.y).toFixed(1);
    const title = `<title>${esc(q.title)}</title>`;
    if (q.y < ymin) {
      const x = sx(q.x), y = H - B;
      return `<path d="M${(x - 5).toFixed(1)},${y - 9} L${(x + 5).toFixed(1)},${y - 9} L${
        x.toFixed(1)
      },${y - 1} Z" class="uni">${title}</path>`;
    }
    if (q.cls === "uni") {
      return `<rect x="${(sx(q.x) - 4).toFixed(1)}" y="${
        (sy(q.y) - 4).toFixed(1)
      }" width="8" height="8" class="uni">${title}</rect>`;
    }
    if (q.cls === "base") {
      const x = sx(q.x), y = sy(q.y);
      return `<path d="M${x.toFixed(1)},${(y - 6).toFixed(1)} L${(x + 6).toFixed(1)},${
        y.toFixed(1)
      } L${x.toFixed(1)},${(y + 6).toFixed(1)} L${(x - 6).toFixed(1)},${
        y.toFixed(1)
      } Z" class="base">${title}</path>`;
    }
    return `<circle cx="${cx}" cy="${cy}" r="${
      q.cls === "chosen" ? 7 : 4.5
    }" class="${q.cls}">${title}</circle>`;
  }).join("");
  const budgetLines = budgetsX.map((b, i) => {
    const x = sx(b), right = x > (L + W - R) / 2;
    return `<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${T}" y2="${
      H - B
    }" class="budget"/>` +
      `<text x="${(right ? x - 4 : x + 4).toFixed(1)}" y="${
        H - B - 6 - 12 * (budgetsX.length - 1 - i)
      }" class="small" text-anchor="${right ? "end" : "start"}">budget ${fmt(b)} ${unit}</text>`;
  }).join("");
  const floatLine = float === undefined
    ? ""
    : `<line x1="${L}" x2="${W - R}" y1="${sy(float).toFixed(1)}" y2="${
      sy(float).toFixed(1)
    }" class="float"/><text x="${L + 4}" y="${(sy(float) - 4).toFixed(1)}" class="small">float ${
      float.toFixed(2)
    }%</text>`;
  const ticks =
    xTicks.filter((t) => t <= xmax).map((t) =>
      `<text x="${sx(t).toFixed(1)}" y="${H - B + 16}" class="small" text-anchor="middle">${
        t.toLocaleString("en-US")
      }</text>`
    ).join("") + yTicks.filter((t) =>
      t >= ymin && t <= ymax
    ).map((t) =>
      `<text x="${L - 6}" y="${(sy(t) + 4).toFixed(1)}" class="small" text-anchor="end">${
        t.toLocaleString("en-US")
      }</text>`
    ).join("");
  const legend = useAcc
    ? `<div class="legend"><span><svg width="12" height="12"><circle cx="6" cy="6" r="5" class="chosen"/></svg> chosen</span>${
      measured.length > 1
        ? `<span><svg width="12" height="12"><circle cx="6" cy="6" r="4" class="pt"/></svg> front</span>`
        : ""
    }${
      (result.chosen.uniforms ?? []).length > 0
        ? `<span><svg width="12" height="12"><rect x="2" y="2" width="8" height="8" class="uni"/></svg> uniform, measured</span>`
        : ""
    }<span><svg width="12" height="12"><path d="M6,0 L12,6 L6,12 L0,6 Z" class="base"/></svg> uniform default</span>${
      result.front.length > measured.length
        ? `<span>(${
          result.front.length - measured.length
        } more front points, not evaluated: see the table)</span>`
        : ""
    }</div>`
    : "";
  return `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img">
<rect x="${L}" y="${T}" width="${W - L - R}" height="${
    H - T - B
  }" class="frame"/>${ticks}${floatLine}${budgetLines}${marks}
<text x="${(L + W - R) / 2}" y="${H - 6}" text-anchor="middle">${esc(cost.label)} (${unit})</text>
<text x="14" y="${(T + H - B) / 2}" transform="rotate(-90 14 ${
    (T + H - B) / 2
  })" text-anchor="middle">${
    useAcc ? "test accuracy (%)" : "-(predicted loss)"
  }</text></svg>${legend}`;
}

function layerBars(result: SearchResult): string {
  const names = Object.keys(result.chosen.layers);
  const rowH = 22, W = 560, L = 150;
  const rows = names.map((name, i) => {
    const c = result.chosen.layers[name]!;
    const y = i * rowH;
    const bar = (x0: number, frac: number, cls: string, label: string) =>
      `<rect x="${x0}" y="${y + 3}" width="${(frac * 120).toFixed(1)}" height="${
        rowH - 6
      }" class="${cls}"/><text x="${x0 + 4}" y="${y + rowH - 7}" class="small">${label}</text>`;
    return `<text x="${L - 6}" y="${y + rowH - 7}" text-anchor="end" class="small">${
      esc(name)
    }</text>` + bar(L, Math.min(c.wbits, 16) / 16, "w", `w${c.wbits}`) +
      bar(L + 135, Math.min(c.abits, 16) / 16, "a", `a${c.abits}`) +
      bar(L + 270, c.width, "c", `${Math.round(c.width * 100)}%`);
  }).join("");
  const H = names.length * rowH + 24;
  return `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img">
<text x="${L}" y="${H - 6}" class="small">weight bits</text><text x="${L + 135}" y="${
    H - 6
  }" class="small">activation bits</text><text x="${L + 270}" y="${
    H - 6
  }" class="small">width</text>${rows}</svg>`;
}

function costTable(result: SearchResult): string {
  // The chosen configuration answers one budget point: compare it with that point's budgets.
  const own = chosenBudgets(result);
  const rows = COSTS.map((c) => {
    const budget = own.find((b) => b.kind === c.kind);
    const chosen = result.chosen.costs[c.key];
    const base = result.baseline.costs[c.key];
    if (chosen === null || base === null) return "";
    const ok = budget === undefined || chosen <= budget.value;
    const pct = budget ? Math.min(1.5, chosen / budget.value) : 0;
    return `<tr><td>${c.label}</td><td>${fmt(base)} ${c.unit}</td><td class="${
      ok ? "ok" : "bad"
    }">${fmt(chosen)} ${c.unit}</td><td>${
      budget ? `${fmt(budget.value)} ${c.unit}` : "—"
    }</td><td>${
      budget
        ? `<svg width="160" height="12"><rect width="${
          (pct / 1.5 * 160).toFixed(1)
        }" height="12" class="${ok ? "okbar" : "badbar"}"/><line x1="${
          (160 / 1.5).toFixed(1)
        }" x2="${(160 / 1.5).toFixed(1)}" y1="0" y2="12" class="budget"/></svg>`
        : ""
    }</td></tr>`;
  }).join("");
  return `<table><tr><th>cost</th><th>baseline (uniform)</th><th>chosen</th><th>budget</th><th>use of budget</th></tr>${rows}</table>`;
}

/**
 * The HTML report of a search result.
 *
 * @example
 * ```ts ignore
 * await Deno.writeTextFile("report.html", renderReport(result));
 * ```
 */
export function renderReport(result: SearchResult): string {
  const pct = (a: number | undefined) => (a === undefined ? "—" : `${(a * 100).toFixed(2)}%`);
  const notes = resultNotes(result).map((n) => `<li>${esc(n)}</li>`).join("");
  const infeasible = result.infeasible.map((i) => `<li>${esc(i.budget)}: ${esc(i.message)}</li>`)
    .join("");
  const byCost = COSTS.find((c) => c.kind === result.budgets[0]?.kind)?.key ?? "latencyMs";
  const front = [...result.front].sort((a, b) =>
    ((a.costs[byCost] ?? 0) as number) - ((b.costs[byCost] ?? 0) as number)
  ).map((p: FrontPoint) =>
    `<tr${p.chosen ? ' class="hl"' : ""}><td>${esc(p.budget)}</td><td>${fmt(p.value)}</td><td>${
      pct(p.accuracy)
    }</td>${
      COSTS.map((c) => `<td>${p.costs[c.key] === null ? "—" : fmt(p.costs[c.key] as number)}</td>`)
        .join("")
    }</tr>`
  ).join("");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Tailor — ${esc(result.model)} on ${esc(result.profile)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1d2330;max-width:1100px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:22px 0 8px}
.small{font-size:11px;fill:#444}.frame{fill:#fafbfc;stroke:#ccd}
.pt{fill:#4a7bd0;opacity:.8}.chosen{fill:#e0551b;stroke:#222}
.budget{stroke:#c33;stroke-dasharray:4 3}.float{stroke:#888;stroke-dasharray:2 3}
.uni{fill:#9aa3b2}.base{fill:none;stroke:#555;stroke-width:1.5}.legend{font-size:12px;color:#444}
.legend span{margin-right:14px}.notes{color:#8a4b00;margin:10px 0 0 0;padding-left:18px}.legend svg{vertical-align:-1px}.w{fill:#4a7bd0}.a{fill:#43a37a}.c{fill:#b58a2a}
table{border-collapse:collapse}td,th{padding:3px 10px;border-bottom:1px solid #e3e6ea;text-align:right}
td:first-child,th:first-child{text-align:left}.ok{color:#17803d}.bad{color:#c0262d;font-weight:bold}
.okbar{fill:#7bc493}.badbar{fill:#e07b7b}.hl{background:#fff1e6}.grid{display:flex;gap:32px;flex-wrap:wrap}
.kv span{display:inline-block;margin-right:18px}
</style></head><body>
<h1>${esc(result.model)} tailored to ${esc(result.profile)}</h1>
<div class="kv"><span>run <b>${esc(result.run)}</b></span><span>strategy <b>${
    esc(result.strategy)
  }</b>${
    result.chosen.proven ? " (proven optimum of its objective)" : ""
  }</span><span>seed ${result.seed}</span><span>${
    result.dataFree ? "data-free" : "data-driven"
  }</span><span>budgets <b>${
    esc(result.budgets.map((b) => b.text).join(", "))
  }</b></span><span>space 10^${result.spaceLog10.toFixed(1)} configurations</span></div>
<h2>Accuracy</h2>
<div class="kv"><span>float ${pct(result.baseline.accuracy)}</span><span>uniform default ${
    pct(result.baseline.uniformAccuracy)
  }${result.baseline.uniformFinetuneSteps === 0 ? " (PTQ)" : ""}</span><span>chosen <b>${
    pct(result.chosen.accuracy)
  }</b></span>${
    result.chosen.uniform
      ? `<span>best uniform within budget ${pct(result.chosen.uniform.accuracy)}</span>`
      : result.chosen.uniform === null
      ? "<span>no uniform configuration fits the budget</span>"
      : ""
  }</div>
${notes ? `<ul class="notes">${notes}</ul>` : ""}
<div class="grid"><div><h2>Front</h2>${frontSvg(result)}</div>
<div><h2>Costs against budgets</h2>${costTable(result)}</div></div>
<h2>Chosen configuration, per layer</h2>${layerBars(result)}
<h2>Front points</h2><table><tr><th>budget</th><th title="the strategy's objective: predicted accuracy loss from the sensitivities, lower is better">predicted loss</th><th>accuracy</th>${
    COSTS.map((c) => `<th>${c.label} (${c.unit})</th>`).join("")
  }</tr>${front}</table>
${infeasible ? `<h2>Infeasible budget points</h2><ul>${infeasible}</ul>` : ""}
<h2>Timings</h2><div class="kv">${
    Object.entries(result.timings).map(([k, v]) => `<span>${esc(k)} ${v.toFixed(1)} s</span>`)
      .join("")
  }</div>
</body></html>
`;
}
