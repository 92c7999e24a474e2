/**
 * A training progress bar on stderr: one updating line on a TTY, periodic plain lines
 * otherwise (logs, CI). Formatting is a pure function; the clock is injectable.
 *
 * @module
 */
import type { TrainProgress } from "../engine/train.ts";

/** Seconds between plain lines when the output is not a TTY. @default 15 */
export const PLAIN_INTERVAL_SECONDS = 15;

/** Seconds between redraws on a TTY. */
export const TTY_INTERVAL_SECONDS = 0.1;

/** `1h02m03s` / `2m03s` / `3s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  if (h > 0) return `${h}h${pad(m)}m${pad(sec)}s`;
  if (m > 0) return `${m}m${pad(sec)}s`;
  return `${sec}s`;
}

/**
 * One progress line: epoch, step, mean loss, steps/s and ETA over the whole run.
 *
 * @example
 * ```ts
 * import { formatProgress } from "./progress.ts";
 * const line = formatProgress({
 *   epoch: 1, epochs: 2, step: 50, stepsPerEpoch: 100, loss: 0.5, lr: 1e-3, elapsedSeconds: 10,
 * });
 * console.assert(line.includes("ETA 30s"));
 * ```
 */
export function formatProgress(p: TrainProgress): string {
  const done = (p.epoch - 1) * p.stepsPerEpoch + p.step;
  const total = p.epochs * p.stepsPerEpoch;
  const rate = p.elapsedSeconds > 0 ? done / p.elapsedSeconds : 0;
  const eta = rate > 0 ? (total - done) / rate : NaN;
  const width = String(p.stepsPerEpoch).length;
  return `epoch ${p.epoch}/${p.epochs}  step ${String(p.step).padStart(width)}/${p.stepsPerEpoch}` +
    `  loss ${p.loss.toFixed(4)}  lr ${p.lr.toExponential(2)}  ${rate.toFixed(2)} steps/s` +
    `  ETA ${formatDuration(eta)}`;
}

/** Where a progress bar writes. */
export interface ProgressSink {
  writeSync(bytes: Uint8Array): number;
  isTerminal(): boolean;
}

/** A progress reporter for {@linkcode TrainProgress} events. */
export interface ProgressBar {
  /** Reports one step (cheap: redraws are throttled). */
  update(p: TrainProgress): void;
  /** Ends the bar (a final newline on a TTY). */
  done(): void;
}

/**
 * Creates a progress bar on `sink` (default stderr). On a TTY it redraws one line at most
 * every {@linkcode TTY_INTERVAL_SECONDS}; otherwise it prints a line every
 * {@linkcode PLAIN_INTERVAL_SECONDS} and at the end of each epoch.
 */
export function createProgressBar(
  options: { sink?: ProgressSink; now?: () => number; intervalSeconds?: number } = {},
): ProgressBar {
  const sink = options.sink ?? Deno.stderr;
  const now = options.now ?? (() => performance.now() / 1000);
  const tty = sink.isTerminal();
  const interval = options.intervalSeconds ??
    (tty ? TTY_INTERVAL_SECONDS : PLAIN_INTERVAL_SECONDS);
  const encoder = new TextEncoder();
  let last = -Infinity;
  let drawn = false;
  const write = (s: string) => sink.writeSync(encoder.encode(s));
  return {
    update(p) {
      const t = now();
      const epochEnd = p.step === p.stepsPerEpoch;
      if (t - last < interval && !epochEnd) return;
      last = t;
      if (tty) {
        write(`\r\x1b[2K${formatProgress(p)}`);
        drawn = true;
        if (epochEnd) {
          write("\n");
          drawn = false;
        }
      } else {
        write(`${formatProgress(p)}\n`);
      }
    },
    done() {
      if (tty && drawn) write("\n");
      drawn = false;
    },
  };
}
