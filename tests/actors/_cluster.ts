/**
 * Helpers of the end-to-end distributed tests: a real `nats-server` with JetStream, worker /
 * coordinator / monitor processes (`deno run -A cli/...`) whose output is collected, and a
 * quickly trained model with a budget only a mixed configuration meets.
 */
import { connectNatsBus, type NatsBus } from "../../actors/bus/nats.ts";
import { ensureJobStreams } from "../../actors/jetstream_stream.ts";
import { type NatsServer, startNatsServer } from "../../actors/nats_server.ts";
import { createSubjects } from "../../actors/protocol.ts";
import { initBackend } from "../../engine/backend.ts";
import { networkCost } from "../../engine/cost/network.ts";
import { makeSearchSpec } from "../../engine/search/spec.ts";
import { loadSearchStatic } from "../../engine/search/static.ts";
import { tinyTrainedModelDir } from "../engine/search/_model.ts";

/** The subjects every process of the tests uses (default prefix). */
export const subjects = createSubjects();

const cli = (name: string) => new URL(`../../cli/${name}`, import.meta.url).pathname;
const root = new URL("../../", import.meta.url).pathname;

/** A child `deno run -A` process with its stdout and stderr collected. */
export class Proc {
  readonly name: string;
  readonly child: Deno.ChildProcess;
  /** Exit code once exited (128 + n when killed by a signal), else null. */
  code: number | null = null;
  readonly exited: Promise<number>;
  #out = "";

  constructor(
    name: string,
    script: string,
    args: readonly string[],
    denoFlags: readonly string[] = [],
  ) {
    this.name = name;
    this.child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", ...denoFlags, script, ...args],
      cwd: root,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const verbose = Deno.env.get("TAILOR_E2E_VERBOSE") !== undefined;
    const pump = async (s: ReadableStream<Uint8Array>) => {
      for await (const text of s.pipeThrough(new TextDecoderStream())) {
        this.#out += text;
        if (verbose) {
          for (const l of text.split("\n")) if (l) console.error(`[${name}] ${l}`);
        }
      }
    };
    const pumped = Promise.all([pump(this.child.stdout), pump(this.child.stderr)]);
    this.exited = this.child.status.then(async (s) => {
      await pumped.catch(() => {});
      this.code = s.code;
      return s.code;
    });
  }

  /** Everything printed so far (stdout and stderr interleaved). */
  output(): string {
    return this.#out;
  }

  /** Whether the process is still running. */
  running(): boolean {
    return this.code === null;
  }

  /** Sends `signal` (if still running) and waits for the exit. */
  async kill(signal: Deno.Signal = "SIGKILL"): Promise<number> {
    if (this.code === null) {
      try {
        this.child.kill(signal);
      } catch { /* already gone */ }
    }
    return await this.exited;
  }

  /** The last lines of output, for failure messages. */
  tail(lines = 25): string {
    return `--- ${this.name} (exit ${this.code}) ---\n` +
      this.#out.split("\n").slice(-lines).join("\n");
  }
}

/**
 * Polls `probe` every 50 ms until it returns something other than undefined/false, or
 * throws naming `what` after `timeoutMs`. `probe` may throw to fail early.
 */
export async function until<T>(
  what: string,
  probe: () => T | undefined | false,
  timeoutMs: number,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Throws with `p`'s output when it has exited (for `until` probes). */
export function alive(p: Proc): void {
  if (p.code !== null) throw new Error(`${p.name} exited unexpectedly\n${p.tail()}`);
}

/**
 * How many times `worker ...: job JOB_ID of run RUN (attempt N)` appears in `text`; with
 * `firstAttempts`, only first deliveries count (a job submitted again counts, a job
 * redelivered after an ack wait does not).
 */
export function jobStarts(
  text: string,
  run: string,
  jobId: string,
  o: { firstAttempts?: boolean } = {},
): number {
  const line = `: job ${jobId} of run ${run} (attempt ${o.firstAttempts ? "1)" : ""}`;
  return text.split("\n").filter((l) => l.includes(line)).length;
}

/** A quickly trained cnn-s and the search flags of the tests (mckp, tiny settings). */
export interface QuickSearch {
  readonly model: string;
  /** 60% of the uniform-int8 latency, e.g. `latency=23.144ms`. */
  readonly budget: string;
  flags(out: string, seed?: number): string[];
}

let quick: Promise<QuickSearch> | undefined;

/** The quick search inputs (trained once per test process). */
export function quickSearch(): Promise<QuickSearch> {
  quick ??= (async () => {
    await initBackend();
    const model = await tinyTrainedModelDir();
    const st = await loadSearchStatic(makeSearchSpec({ model, strategy: "mckp" }));
    const full = networkCost(st.graph, st.profile, { layers: {} }).totals.latencyMs;
    const budget = `latency=${(full * 0.6).toFixed(3)}ms`;
    return {
      model,
      budget,
      flags: (out, seed = 1) => [
        ...["--strategy", "mckp", "--model", model, "--budget", budget, "--seed", String(seed)],
        ...["--test-limit", "300", "--calibration", "128", "--finetune-steps", "3"],
        ...["--compare-uniform", "1", "--out", out],
      ],
    };
  })();
  return quick;
}

/** `deno run -A cli/search.ts ARGS`. */
export function searchProc(name: string, args: readonly string[]): Proc {
  return new Proc(name, cli("search.ts"), args);
}

/** `deno run -A cli/coordinator.ts ARGS`. */
export function coordinatorProc(name: string, args: readonly string[]): Proc {
  return new Proc(name, cli("coordinator.ts"), args);
}

/** `deno run -A cli/monitor.ts ARGS`. */
export function monitorProc(name: string, args: readonly string[]): Proc {
  return new Proc(name, cli("monitor.ts"), args);
}

/** Waits for `p` to exit 0 (or throws with its output). */
export async function succeeds(p: Proc): Promise<void> {
  const code = await p.exited;
  if (code !== 0) throw new Error(`${p.name} failed\n${p.tail(40)}`);
}

/** `OUT/result.json`'s chosen per-layer configuration. */
export async function chosenLayers(out: string): Promise<unknown> {
  return JSON.parse(await Deno.readTextFile(`${out}/result.json`)).chosen.layers;
}

/** A nats-server, a client of the test, worker processes; `close()` kills everything. */
export interface Cluster {
  readonly server: NatsServer;
  readonly url: string;
  readonly bus: NatsBus;
  readonly workers: Proc[];
  /** Every process started through the cluster (killed by `close()`). */
  readonly procs: Proc[];
  /** A temporary directory for outputs (removed by `close()`). */
  readonly dir: string;
  /** Tracks a process so that `close()` kills it. */
  track(p: Proc): Proc;
  close(): Promise<void>;
}

/**
 * Starts nats-server (JetStream, free loopback port), creates the job streams with the given
 * ack wait, and starts `workers` worker processes (`w1`, `w2`, ...), waiting until ready.
 */
export async function startCluster(
  o: { workers: number; ackWaitMs: number },
): Promise<Cluster> {
  const server = await startNatsServer({ jetstream: true });
  const procs: Proc[] = [];
  const dir = await Deno.makeTempDir({ prefix: "tailor-e2e-" });
  let bus: NatsBus | undefined;
  const close = async () => {
    await Promise.all(procs.map((p) => p.kill("SIGKILL")));
    await bus?.close().catch(() => {});
    await server.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    bus = await connectNatsBus({ servers: server.url, name: "tailor-e2e-test" });
    await ensureJobStreams(bus, subjects, { ackWaitMs: o.ackWaitMs });
    const workers: Proc[] = [];
    for (let i = 1; i <= o.workers; i++) {
      // As `deno task worker` runs them (deno.json).
      const w = new Proc(`w${i}`, cli("worker.ts"), ["--nats", server.url, "--id", `w${i}`], [
        "--v8-flags=--single-threaded",
      ]);
      procs.push(w);
      workers.push(w);
    }
    await until("the workers to be ready", () => {
      workers.forEach(alive);
      return workers.every((w) => /: ready/.test(w.output()));
    }, 180_000);
    return {
      server,
      url: server.url,
      bus,
      workers,
      procs,
      dir,
      track: (p) => (procs.push(p), p),
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
