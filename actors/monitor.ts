/**
 * The live monitor: listens to a run's (or every run's) events and every worker's
 * heartbeats, folds them into a `MonitorState` with the pure reducer, and draws it: a
 * screen redrawn in place when the output is a terminal, one summary line per period
 * otherwise. Garbage on the subjects is counted as rejected and never stops it.
 *
 * @module
 */
import type { Bus, Subscription } from "./bus/bus.ts";
import {
  initialMonitorState,
  type MonitorInput,
  monitorInput,
  type MonitorState,
  reduceMonitor,
} from "./monitor_model.ts";
import { renderMonitor, renderSummary } from "./monitor_render.ts";
import type { Subjects } from "./protocol.ts";

/** Redraw period on a terminal. @default 500 */
export const TTY_REDRAW_MS = 500;
/** Summary-line period otherwise. @default 10000 */
export const PLAIN_LINE_MS = 10_000;

/** Where the monitor draws (`Deno.stdout` fits). */
export interface MonitorSink {
  writeSync(bytes: Uint8Array): number;
  isTerminal(): boolean;
}

/** Options of {@linkcode startMonitor}. */
export interface MonitorOptions {
  /** Watch this run only. @default every run */
  readonly run?: string;
  /** @default Deno.stdout */
  readonly out?: MonitorSink;
  /** Draw period (0: only on `draw()`). @default TTY_REDRAW_MS or PLAIN_LINE_MS */
  readonly intervalMs?: number;
  /** Silence after which a worker counts as lost. @default LOST_AFTER_MS */
  readonly lostAfterMs?: number;
  /** Clock, ms. @default Date.now */
  readonly now?: () => number;
}

/** A running monitor. */
export interface Monitor {
  state(): MonitorState;
  /** Draws now. */
  draw(): void;
  /** Stops listening and drawing (leaves the bus open). */
  stop(): void;
}

const te = new TextEncoder();
const CLEAR = "\x1b[H\x1b[2J";

/**
 * Starts watching `bus`.
 *
 * @example
 * ```ts ignore
 * const bus = await connectNatsBus({ servers: "nats://127.0.0.1:4222" });
 * const monitor = startMonitor(bus, createSubjects(), { run: "run1" });
 * ```
 */
export function startMonitor(bus: Bus, subjects: Subjects, options: MonitorOptions = {}): Monitor {
  const now = options.now ?? Date.now;
  const out = options.out ?? Deno.stdout;
  const tty = out.isTerminal();
  let state = initialMonitorState(options.run ?? null, now());
  const apply = (input: MonitorInput) => {
    state = reduceMonitor(state, input);
  };
  const listen = (subject: string): Subscription =>
    bus.subscribe(subject, (m) => apply(monitorInput(m.subject, m.data, now())));
  const subs = [
    listen(options.run === undefined ? subjects.allEvents() : subjects.events(options.run)),
    listen(subjects.allHeartbeats()),
  ];
  const draw = () => {
    apply({
      kind: "tick",
      now: now(),
      ...(options.lostAfterMs === undefined ? {} : { lostAfterMs: options.lostAfterMs }),
    });
    const text = tty ? CLEAR + renderMonitor(state) : renderSummary(state) + "\n";
    try {
      out.writeSync(te.encode(text));
    } catch { /* output closed: keep listening */ }
  };
  const every = options.intervalMs ?? (tty ? TTY_REDRAW_MS : PLAIN_LINE_MS);
  const timer = every > 0 ? setInterval(draw, every) : undefined;
  return {
    state: () => state,
    draw,
    stop() {
      clearInterval(timer);
      for (const s of subs) s.unsubscribe();
    },
  };
}
