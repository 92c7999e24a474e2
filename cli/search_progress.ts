/**
 * The progress display of `deno task search`: reads the run's monitoring events and keeps
 * one status line on stderr (phase, step, loss, lambda, expected cost vs budget, ETA),
 * redrawn in place on a TTY and printed every few seconds otherwise.
 *
 * @module
 */
import type { EventMessage } from "../actors/protocol.ts";
import { formatDuration, type ProgressSink } from "./progress.ts";

/** Seconds between plain (non-TTY) lines. @default 10 */
export const PLAIN_SEARCH_INTERVAL = 10;

interface PhaseClock {
  phase: string;
  start: number;
  startDone: number;
}

/** Formats one status line from a progress event. */
export function formatSearchProgress(
  e: Extract<EventMessage, { type: "progress" }>,
  etaSeconds: number | undefined,
): string {
  const m = e.metrics ?? {};
  const parts = [`[${e.trialId}] ${e.phase}`, `${e.done}/${e.total}`];
  if (m.loss !== undefined) parts.push(`loss ${m.loss.toFixed(3)}`);
  for (const [k, v] of Object.entries(m)) {
    if (k.startsWith("lambda.")) parts.push(`λ.${k.slice(7)} ${v.toFixed(3)}`);
  }
  for (const [k, v] of Object.entries(m)) {
    if (!k.startsWith("expected.")) continue;
    const kind = k.slice(9);
    const budget = m[`budget.${kind}`];
    parts.push(`E[${kind}] ${v.toPrecision(3)}${budget ? ` / ${budget.toPrecision(3)}` : ""}`);
  }
  if (m.temperature !== undefined) parts.push(`τ ${m.temperature.toFixed(2)}`);
  if (etaSeconds !== undefined && Number.isFinite(etaSeconds)) {
    parts.push(`ETA ${formatDuration(etaSeconds)}`);
  }
  return parts.join("  ");
}

/** A status display fed with events. */
export interface SearchProgressView {
  onEvent(e: EventMessage): void;
  done(): void;
}

/** Creates the display on `sink` (stderr by default). */
export function createSearchProgress(
  options: { sink?: ProgressSink; now?: () => number } = {},
): SearchProgressView {
  const sink = options.sink ?? Deno.stderr;
  const now = options.now ?? (() => performance.now() / 1000);
  const tty = sink.isTerminal();
  const enc = new TextEncoder();
  const clocks = new Map<string, PhaseClock>();
  let last = -Infinity;
  let drawn = false;
  const write = (s: string) => sink.writeSync(enc.encode(s));
  const line = (s: string) => {
    if (tty) {
      write(`\r\x1b[2K${s}`);
      drawn = true;
    } else write(`${s}\n`);
  };
  return {
    onEvent(e) {
      if (e.type === "log") {
        if (drawn) write("\n");
        drawn = false;
        write(`${e.message}\n`);
        return;
      }
      if (e.type !== "progress") return;
      const t = now();
      let c = clocks.get(e.trialId);
      if (!c || c.phase !== e.phase || e.done < c.startDone) {
        c = { phase: e.phase, start: t, startDone: e.done };
        clocks.set(e.trialId, c);
      }
      const rate = (e.done - c.startDone) / Math.max(t - c.start, 1e-9);
      const eta = rate > 0 ? (e.total - e.done) / rate : undefined;
      const end = e.done >= e.total;
      if (!end && t - last < (tty ? 0.1 : PLAIN_SEARCH_INTERVAL)) return;
      last = t;
      line(formatSearchProgress(e, eta));
    },
    done() {
      if (tty && drawn) write("\n");
      drawn = false;
    },
  };
}
