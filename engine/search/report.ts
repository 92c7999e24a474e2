/**
 * `report.html`: one self-contained page (inline SVG and CSS, no script, no network) that
 * shows a search result at a glance: the front, the chosen configuration as per-layer bars
 * of bits and widths, costs against budgets, and the baseline.
 *
 * @module
 */
import type { FrontPoint, ResultCosts, SearchResult } from "./result.ts";

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

function frontSvg(result: SearchResult): string {
  const kind = result.budgets[0]?.kind ?? "latency";
  const key = COSTS.find((c) => c.kind === kind)?.key ?? "latencyMs";
  const unit = COSTS.find((c) => c.kind === kind)?.unit ?? "";
  const pts = result.front.map((p) => ({
    x: (p.costs[key] ?? 0) as number,
    y: p.accuracy ?? NaN,
    v: p.value,
    p,
  }));
  const useAcc = pts.length > 0 && pts.every((q) => Number.isFinite(q.y));
  const ys = pts.map((q) => (useAcc ? q.y * 100 : -q.v));
  const xs = pts.map((q) => q.x);
  const budgetsX = result.budgets.filter((b) => b.kind === kind).map((b) => b.value);
  const W = 560, H = 300, L = 60, B = 40, T = 14, R = 14;
  const xmin = 0, xmax = Math.max(...xs, ...budgetsX, 1e-9) * 1.08;
  const ylo = Math.min(...ys), yhi = Math.max(...ys);
  const pad = (yhi - ylo) * 0.15 || 1;
  const ymin = ylo - pad, ymax = yhi + pad;
  const sx = (x: number) => L + ((x - xmin) / (xmax - xmin)) * (W - L - R);
  const sy = (y: number) => T + (1 - (y - ymin) / (ymax - ymin)) * (H - T - B);
  const dots = pts.map((q, i) => {
    const chosen = q.p.chosen === true;
    return `<circle cx="${sx(q.x).toFixed(1)}" cy="${sy(ys[i]!).toFixed(1)}" r="${
      chosen ? 7 : 4.5
    }" class="${chosen ? "chosen" : "pt"}"><title>${esc(q.p.budget)}: ${fmt(q.x)} ${unit}, ${
      useAcc ? `${(q.y * 100).toFixed(2)}%` : `value ${fmt(q.v)}`
    }</title></circle>`;
  }).join("");
  const lines = budgetsX.map((b) =>
    `<line x1="${sx(b).toFixed(1)}" x2="${sx(b).toFixed(1)}" y1="${T}" y2="${
      H - B
    }" class="budget"/>` +
    `<text x="${(sx(b) + 3).toFixed(1)}" y="${T + 10}" class="small">budget ${
      fmt(b)
    } ${unit}</text>`
  ).join("");
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const x = xmin + f * (xmax - xmin), y = ymin + f * (ymax - ymin);
    return `<text x="${sx(x).toFixed(1)}" y="${H - B + 16}" class="small" text-anchor="middle">${
      fmt(x)
    }</text><text x="${L - 6}" y="${(sy(y) + 4).toFixed(1)}" class="small" text-anchor="end">${
      y.toFixed(useAcc ? 1 : 2)
    }</text>`;
  }).join("");
  return `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img">
<rect x="${L}" y="${T}" width="${W - L - R}" height="${
    H - T - B
  }" class="frame"/>${ticks}${lines}${dots}
<text x="${(L + W - R) / 2}" y="${H - 6}" text-anchor="middle">${esc(kind)} (${unit})</text>
<text x="14" y="${(T + H - B) / 2}" transform="rotate(-90 14 ${
    (T + H - B) / 2
  })" text-anchor="middle">${useAcc ? "test accuracy (%)" : "-(predicted loss)"}</text></svg>`;
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
  const rows = COSTS.map((c) => {
    const budget = result.budgets.find((b) => b.kind === c.kind);
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
  const infeasible = result.infeasible.map((i) => `<li>${esc(i.budget)}: ${esc(i.message)}</li>`)
    .join("");
  const front = result.front.map((p: FrontPoint) =>
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
.budget{stroke:#c33;stroke-dasharray:4 3}.w{fill:#4a7bd0}.a{fill:#43a37a}.c{fill:#b58a2a}
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
<div class="grid"><div><h2>Front</h2>${frontSvg(result)}</div>
<div><h2>Costs against budgets</h2>${costTable(result)}</div></div>
<h2>Chosen configuration, per layer</h2>${layerBars(result)}
<h2>Front points</h2><table><tr><th>budget</th><th>value</th><th>accuracy</th>${
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
