/**
 * The monitor's views, pure functions of its state: `renderMonitor` (the full terminal
 * screen: workers, progress per trial, best so far per budget point, front, log, errors)
 * and `renderSummary` (one line, for logs and CI).
 *
 * @module
 */
import {
  type BestCandidate,
  type MonitorState,
  overallEtaSeconds,
  trialEtaSeconds,
} from "./monitor_model.ts";

/** Width of the progress bars. @default 20 */
export const BAR_WIDTH = 20;

/** `1h02m03s` / `2m03s` / `3s`; `?` when unknown. */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  const [h, m, sec] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const pad = (n: number) => String(n).padStart(2, "0");
  if (h > 0) return `${h}h${pad(m)}m${pad(sec)}s`;
  if (m > 0) return `${m}m${pad(sec)}s`;
  return `${sec}s`;
}

function bar(done: number, total: number): string {
  const f = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const n = Math.round(f * BAR_WIDTH);
  return `[${"#".repeat(n)}${" ".repeat(BAR_WIDTH - n)}] ${
    String(Math.round(f * 100)).padStart(3)
  }%`;
}

function metric(name: string, v: number): string {
  const shown = Number.isInteger(v)
    ? String(v)
    : Math.abs(v) >= 100
    ? v.toFixed(1)
    : v.toPrecision(4);
  return `${name} ${shown}`;
}

function metrics(c: BestCandidate): string {
  const order = ["accuracy", "value", "latencyMs", "sramBytes", "flashBytes"];
  const names = Object.keys(c.metrics).sort((a, b) =>
    (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99) || a.localeCompare(b)
  );
  return names.map((n) => metric(n, c.metrics[n]!)).join("  ");
}

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19);
const pad = (s: string, n: number) => s.length >= n ? s : s + " ".repeat(n - s.length);

/**
 * The full screen.
 *
 * @example
 * ```ts
 * import { initialMonitorState } from "./monitor_model.ts";
 * import { renderMonitor } from "./monitor_render.ts";
 * console.assert(renderMonitor(initialMonitorState("run1")).includes("run run1"));
 * ```
 */
export function renderMonitor(s: MonitorState): string {
  const out: string[] = [];
  const live = [...s.workers.values()].filter((w) => w.state !== "lost").length;
  out.push(
    `tailor monitor  run ${s.run ?? (s.runs.join(",") || "(all)")}  events ${s.events}` +
      `  rejected ${s.rejected}  running ETA ${formatSeconds(overallEtaSeconds(s))}`,
  );
  out.push(`workers: ${live} live, ${s.workers.size - live} lost`);
  for (const w of [...s.workers.values()].sort((a, b) => a.workerId.localeCompare(b.workerId))) {
    const ago = formatSeconds((s.now - w.lastSeen) / 1000);
    out.push(
      `  ${pad(w.workerId, 16)} ${pad(w.state, 8)} ${w.jobs.length}/${w.concurrency} jobs` +
        `  seen ${ago} ago`,
    );
  }
  // One row per progress stream: "setup" (sensitivities), a trial ("t0"), an evaluation
  // ("eval-t0"); jobs not started yet have none, hence "running" in the ETAs.
  out.push("tasks:");
  for (const [key, t] of [...s.trials].sort(([a], [b]) => a.localeCompare(b))) {
    out.push(
      `  ${pad(key, 16)} ${pad(t.phase, 12)} ${bar(t.done, t.total)} ${t.done}/${t.total}` +
        `  ETA ${formatSeconds(trialEtaSeconds(t))}`,
    );
  }
  out.push("best so far:");
  for (const [key, c] of [...s.best].sort(([a], [b]) => a.localeCompare(b))) {
    out.push(`  ${pad(key, 16)} ${pad(c.candidateId, 8)} ${metrics(c)}`);
  }
  if (s.front) out.push(`front: ${s.front.size} points (run ${s.front.run}, ${clock(s.front.at)})`);
  if (s.logs.length > 0) out.push("log:");
  for (const l of s.logs) out.push(`  ${clock(l.at)} ${l.level} ${l.source}: ${l.message}`);
  if (s.errorCount > 0) out.push(`errors: ${s.errorCount}`);
  for (const e of s.errors) out.push(`  ${clock(e.at)} ${e.source} [${e.level}] ${e.message}`);
  if (s.lastRejection) out.push(`last rejected: ${s.lastRejection}`);
  return out.join("\n") + "\n";
}

/**
 * One line: workers, tasks done (progress streams: the sensitivity job, each trial, each
 * evaluation), best count, errors, rejected, and the ETA of the running tasks (tasks not
 * started yet are unknown to it).
 */
export function renderSummary(s: MonitorState): string {
  const live = [...s.workers.values()].filter((w) => w.state !== "lost").length;
  const tasks = [...s.trials.values()];
  const done = tasks.filter((t) => t.done >= t.total).length;
  return `${clock(s.now)} workers ${live}/${s.workers.size}  tasks ${done}/${tasks.length} done` +
    `  best ${s.best.size}  errors ${s.errorCount}  rejected ${s.rejected}` +
    `  running ETA ${formatSeconds(overallEtaSeconds(s))}`;
}
