/**
 * The `scale` benchmark suite: data-parallel training of a zoo model (default `resnet8`,
 * random init, synthetic data, batch 64 per worker) through a parameter server on a real
 * `nats-server`, with 1, 2 and 4 worker processes (`bench/scale_worker.ts`, spawned with
 * `deno run -A --v8-flags=--single-threaded`, as `deno task worker` runs). The server shards run in this process.
 *
 * The machine's speed drifts by 10-20% over minutes, so the measurement is repeated in
 * `rounds` (default 3), each running every worker count in turn: per worker count, every
 * figure is the median over rounds, and `speedup_vs_1_worker` is the median of each round's
 * ratio to the one-worker run of the same round (adjacent in time).
 *
 * Per worker count it reports gradient steps per second (every worker's accepted push is
 * one step of one batch; measured from the first timed step's start to the last worker's
 * end), examples per second, and the parameter-server overhead as a share of step time:
 * (pull + push + wait for the ack) / (pull + compute + push), summed over the timed steps of
 * every worker. `worker_cpu_share` is the CPU time each worker process got per second of
 * wall time (1 = a whole core): below 1 the workers were starved by other load. The machine's
 * load average is attached to every record. `steps_per_cpu_s` (accepted steps per CPU-second
 * of all workers) stays flat across worker counts when the system scales and only the cores
 * are missing.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { startNatsServer } from "../actors/nats_server.ts";
import { connectNatsBus } from "../actors/bus/nats.ts";
import { startParamServers } from "../actors/param_server.ts";
import type { ParamMode, ParamTensor } from "../actors/param_store.ts";
import { createSubjects } from "../actors/protocol.ts";
import { initBackend } from "../engine/backend.ts";
import type { ZooName } from "../engine/models/zoo.ts";
import { type BenchRecord, errorRecord } from "./record.ts";
import { summarize } from "./stats.ts";
import { type WorkerReport, zooParams } from "./scale_worker.ts";

/** Worker counts measured. @default [1, 2, 4] */
export const SCALE_WORKERS: readonly number[] = [1, 2, 4];

/** Options of {@linkcode benchScale}. */
export interface BenchScaleOptions {
  /** @default SCALE_WORKERS */
  readonly workers?: readonly number[];
  /** Timed steps per worker and round. @default 20 */
  readonly steps?: number;
  /** Untimed steps per worker first (start-up, compilation). @default 3 */
  readonly warmup?: number;
  /** @default 64 */
  readonly batchSize?: number;
  /** @default "resnet8" */
  readonly model?: ZooName;
  /** Synchronous averaging or asynchronous with staleness bound = worker count. @default "sync" */
  readonly mode?: "sync" | "async";
  /** Parameter-server shards. @default 1 */
  readonly shards?: number;
  /** fp16 gradients. @default false */
  readonly fp16?: boolean;
  /**
   * Rounds: each measures every worker count in turn, so that each count's figure is the
   * median over rounds and each speed-up compares runs adjacent in time. @default 3
   */
  readonly rounds?: number;
  readonly log?: (line: string) => void;
}

const WORKER_SCRIPT = new URL("./scale_worker.ts", import.meta.url);

/**
 * V8 flags of the worker processes, as `deno task worker` runs them: no background threads
 * (concurrent GC and compilation), so that two workers on two cores do not steal cycles from
 * each other's single-threaded wasm compute. Measured 2026-11-29, resnet8, 3 rounds, A/B then
 * B/A on a quiet machine: speed-up 1.89x and 1.87x with the flag, 1.84x and 1.74x without;
 * parameter-server share at 2 workers 6% against 11%; one worker's step 244-253 ms against
 * 274-307 ms.
 */
export const WORKER_V8_FLAGS = "--single-threaded";

function spawnWorker(args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `--v8-flags=${WORKER_V8_FLAGS}`, WORKER_SCRIPT.pathname, ...args],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
}

async function reportOf(child: Deno.ChildProcess): Promise<WorkerReport> {
  const out = await child.output();
  const text = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1) ?? "";
  if (!out.success || !text.startsWith("{")) {
    const err = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-5).join(" | ");
    throw new Error(`scale worker exited with ${out.code}: ${err}`);
  }
  return JSON.parse(text) as WorkerReport;
}

function load(): number {
  return Deno.loadavg()[0] ?? NaN;
}

/**
 * Runs the suite; a failing worker count yields error records.
 *
 * @example
 * ```ts ignore
 * import { benchScale } from "./bench/scale.ts";
 * const records = await benchScale({ workers: [1, 2], steps: 5 });
 * console.table(records.map((r) => [r.case, r.metric, r.value]));
 * ```
 */
export async function benchScale(options: BenchScaleOptions = {}): Promise<BenchRecord[]> {
  const log = options.log ?? (() => {});
  const model = options.model ?? "resnet8";
  const steps = options.steps ?? 20;
  const warmup = options.warmup ?? 3;
  const batchSize = options.batchSize ?? 64;
  const shards = options.shards ?? 1;
  const rounds = options.rounds ?? 3;
  const modeName = options.mode ?? "sync";
  const counts = options.workers ?? SCALE_WORKERS;
  await initBackend("wasm");
  const params = zooParams(model);
  const nats = await startNatsServer();
  const bus = await connectNatsBus({ servers: nats.url, name: "scale-ps" });
  const subjects = createSubjects();
  const runs = new Map<number, RoundResult[]>(counts.map((n) => [n, []]));
  const failures = new Map<number, unknown>();
  try {
    for (let round = 0; round < rounds; round++) {
      for (const n of counts) {
        if (failures.has(n)) continue;
        try {
          const r = await measureRound(bus, nats.url, subjects, params, {
            n,
            round,
            model,
            modeName,
            steps,
            warmup,
            batchSize,
            shards,
            fp16: !!options.fp16,
          });
          runs.get(n)!.push(r);
          log(
            `scale ${model} ${modeName} x${n} round ${round + 1}/${rounds}: ` +
              `${r.stepsPerS.toFixed(2)} steps/s, step ${r.stepMs.toFixed(0)} ms (compute ${
                r.computeMs.toFixed(0)
              }, pull ${r.pullMs.toFixed(1)}, push ${r.pushMs.toFixed(1)} ms), cpu/worker ${
                (r.cpuShare * 100).toFixed(0)
              }%, load ${r.loadBefore.toFixed(1)}`,
          );
        } catch (err) {
          failures.set(n, err);
          log(`scale ${model} x${n} failed: ${(err as Error).message}`);
        }
      }
    }
  } finally {
    await bus.close();
    await nats.stop();
  }
  const records: BenchRecord[] = [];
  const base = runs.get(1) ?? [];
  for (const n of counts) {
    const extra = { model, batchSize, mode: modeName, shards, workers: n, fp16: !!options.fp16 };
    const key = (metric: string, unit: string) => ({
      suite: "scale",
      case: `${model}-w${n}-${modeName}`,
      metric,
      unit,
    });
    const err = failures.get(n);
    if (err !== undefined) {
      records.push(errorRecord(key("grad_steps_per_s", "steps/s"), err, { extra }));
      continue;
    }
    const rs = runs.get(n)!;
    const ctx = {
      ...extra,
      rounds: rs.length,
      loadBefore: rs.map((r) => r.loadBefore),
      perRound: rs.map((r) => r.stepsPerS),
      cpuShare: median(rs.map((r) => r.cpuShare)),
    };
    const one = (metric: string, unit: string, values: number[]): BenchRecord => {
      const s = summarize(values);
      return {
        ...ctx,
        ...key(metric, unit),
        value: s.median,
        min: s.min,
        p90: s.p90,
        peer: null,
        peerValue: null,
        ratio: null,
        n: values.length,
      };
    };
    const all = (f: (r: RoundResult) => number[]) => rs.flatMap(f);
    records.push(
      one("grad_steps_per_s", "steps/s", rs.map((r) => r.stepsPerS)),
      one("examples_per_s", "examples/s", rs.map((r) => r.stepsPerS * batchSize)),
      one("ps_overhead_share", "share", rs.map((r) => r.share)),
      one("worker_cpu_share", "share", rs.map((r) => r.cpuShare)),
      one("steps_per_cpu_s", "steps/cpu-s", rs.map((r) => r.stepsPerS / (r.cpuShare * n))),
      one("step_ms", "ms", all((r) => r.samples.step)),
      one("compute_ms", "ms", all((r) => r.samples.compute)),
      one("pull_ms", "ms", all((r) => r.samples.pull)),
      one("push_ms", "ms", all((r) => r.samples.push)),
    );
    if (n !== 1 && base.length > 0) {
      // Ratio of each round to the one-worker run of the same round (adjacent in time, so a
      // drift of the machine's speed cancels), then the median over rounds.
      const ratios = rs.map((r, i) => r.stepsPerS / (base[i] ?? base.at(-1)!).stepsPerS);
      records.push({ ...one("speedup_vs_1_worker", "x", ratios), perRoundRatio: ratios });
    }
  }
  return records;
}

/** One measurement of `n` workers. */
interface RoundResult {
  readonly stepsPerS: number;
  readonly share: number;
  readonly cpuShare: number;
  readonly loadBefore: number;
  readonly stepMs: number;
  readonly computeMs: number;
  readonly pullMs: number;
  readonly pushMs: number;
  readonly samples: { step: number[]; compute: number[]; pull: number[]; push: number[] };
}

function median(values: readonly number[]): number {
  return summarize([...values]).median;
}

async function measureRound(
  bus: Awaited<ReturnType<typeof connectNatsBus>>,
  url: string,
  subjects: ReturnType<typeof createSubjects>,
  params: Record<string, ParamTensor>,
  o: {
    n: number;
    round: number;
    model: ZooName;
    modeName: "sync" | "async";
    steps: number;
    warmup: number;
    batchSize: number;
    shards: number;
    fp16: boolean;
  },
): Promise<RoundResult> {
  const { n } = o;
  const run = `scale-${o.modeName}-${n}-r${o.round}-${Date.now()}`;
  const mode: ParamMode = o.modeName === "sync"
    ? { kind: "sync", workers: n }
    : { kind: "async", staleness: n };
  const servers = startParamServers(bus, {
    run,
    trialId: "t0",
    subjects,
    params,
    optimizer: { kind: "sgd", lr: 0.01, momentum: 0.9 },
    mode,
    shards: o.shards,
  });
  const loadBefore = load();
  try {
    const children = Array.from({ length: n }, (_, i) =>
      spawnWorker([
        ...["--nats", url, "--run", run, "--worker", `w${i}`, "--index", String(i)],
        ...["--model", o.model, "--batch", String(o.batchSize), "--steps", String(o.steps)],
        ...["--warmup", String(o.warmup), "--shards", String(o.shards)],
        ...(o.fp16 ? ["--fp16"] : []),
      ]));
    const reports = await Promise.all(children.map(reportOf));
    const all = reports.flatMap((r) => r.steps);
    const accepted = all.filter((s) => s.accepted).length;
    const seconds = (Math.max(...reports.map((r) => r.end)) -
      Math.min(...all.map((s) => s.start))) / 1000;
    const sum = (f: (s: (typeof all)[number]) => number) => all.reduce((a, s) => a + f(s), 0);
    const ps = sum((s) => s.pullMs + s.pushMs);
    const samples = {
      step: all.map((s) => s.pullMs + s.computeMs + s.pushMs),
      compute: all.map((s) => s.computeMs),
      pull: all.map((s) => s.pullMs),
      push: all.map((s) => s.pushMs),
    };
    return {
      stepsPerS: accepted / seconds,
      share: ps / (ps + sum((s) => s.computeMs)),
      cpuShare: reports.reduce((a, r) => a + r.cpuMs, 0) / (1000 * seconds * n),
      loadBefore,
      stepMs: median(samples.step),
      computeMs: median(samples.compute),
      pullMs: median(samples.pull),
      pushMs: median(samples.push),
      samples,
    };
  } finally {
    for (const s of servers) s.stop();
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      mode: { type: "string", default: "sync" },
      workers: { type: "string", default: SCALE_WORKERS.join(",") },
      steps: { type: "string", default: "20" },
      rounds: { type: "string", default: "3" },
      shards: { type: "string", default: "1" },
      fp16: { type: "boolean", default: false },
    },
  });
  const records = await benchScale({
    mode: values.mode === "async" ? "async" : "sync",
    workers: values.workers.split(",").map(Number),
    steps: Number(values.steps),
    rounds: Number(values.rounds),
    shards: Number(values.shards),
    fp16: values.fp16,
    log: (l) => console.error(l),
  });
  console.log(JSON.stringify(records, null, 2));
}
