/**
 * The `scale` benchmark suite: data-parallel training of a zoo model (default `resnet8`,
 * random init, synthetic data, batch 64 per worker) through a parameter server on a real
 * `nats-server`, with 1, 2 and 4 worker processes (`bench/scale_worker.ts`, spawned with
 * `deno run -A`). The server shards run in this process.
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
import type { ParamMode } from "../actors/param_store.ts";
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
  /** Timed steps per worker. @default 10 */
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
  readonly log?: (line: string) => void;
}

const WORKER_SCRIPT = new URL("./scale_worker.ts", import.meta.url);

function spawnWorker(args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", WORKER_SCRIPT.pathname, ...args],
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
  const steps = options.steps ?? 10;
  const warmup = options.warmup ?? 3;
  const batchSize = options.batchSize ?? 64;
  const shards = options.shards ?? 1;
  const modeName = options.mode ?? "sync";
  await initBackend("wasm");
  const params = zooParams(model);
  const records: BenchRecord[] = [];
  const nats = await startNatsServer();
  const bus = await connectNatsBus({ servers: nats.url, name: "scale-ps" });
  const subjects = createSubjects();
  try {
    for (const n of options.workers ?? SCALE_WORKERS) {
      const run = `scale-${modeName}-${n}-${Date.now()}`;
      const mode: ParamMode = modeName === "sync"
        ? { kind: "sync", workers: n }
        : { kind: "async", staleness: n };
      const servers = startParamServers(bus, {
        run,
        trialId: "t0",
        subjects,
        params,
        optimizer: { kind: "sgd", lr: 0.01, momentum: 0.9 },
        mode,
        shards,
      });
      const extra = { model, batchSize, mode: modeName, shards, workers: n, fp16: !!options.fp16 };
      const key = (metric: string, unit: string) => ({
        suite: "scale",
        case: `${model}-w${n}-${modeName}`,
        metric,
        unit,
      });
      const loadBefore = load();
      try {
        const children = Array.from({ length: n }, (_, i) =>
          spawnWorker([
            ...["--nats", nats.url, "--run", run, "--worker", `w${i}`, "--index", String(i)],
            ...["--model", model, "--batch", String(batchSize), "--steps", String(steps)],
            ...["--warmup", String(warmup), "--shards", String(shards)],
            ...(options.fp16 ? ["--fp16"] : []),
          ]));
        const reports = await Promise.all(children.map(reportOf));
        const all = reports.flatMap((r) => r.steps);
        const accepted = all.filter((s) => s.accepted).length;
        const seconds = (Math.max(...reports.map((r) => r.end)) -
          Math.min(...all.map((s) => s.start))) / 1000;
        const sum = (f: (s: (typeof all)[number]) => number) => all.reduce((a, s) => a + f(s), 0);
        const ps = sum((s) => s.pullMs + s.pushMs);
        const share = ps / (ps + sum((s) => s.computeMs));
        const cpuShare = reports.reduce((a, r) => a + r.cpuMs, 0) / (1000 * seconds * n);
        const ctx = { ...extra, loadBefore, loadAfter: load(), seconds, accepted, cpuShare };
        const one = (metric: string, unit: string, value: number): BenchRecord => ({
          ...ctx,
          ...key(metric, unit),
          value,
          peer: null,
          peerValue: null,
          ratio: null,
          n: all.length,
        });
        const stepMs = summarize(all.map((s) => s.pullMs + s.computeMs + s.pushMs));
        const computeMs = summarize(all.map((s) => s.computeMs));
        records.push(
          one("grad_steps_per_s", "steps/s", accepted / seconds),
          one("examples_per_s", "examples/s", (accepted * batchSize) / seconds),
          one("ps_overhead_share", "share", share),
          one("worker_cpu_share", "share", cpuShare),
          one("steps_per_cpu_s", "steps/cpu-s", accepted / (cpuShare * n * seconds)),
          { ...one("step_ms", "ms", stepMs.median), min: stepMs.min, p90: stepMs.p90 },
          { ...one("compute_ms", "ms", computeMs.median), min: computeMs.min, p90: computeMs.p90 },
        );
        log(
          `scale ${model} ${modeName} x${n}: ${(accepted / seconds).toFixed(2)} steps/s, ` +
            `ps share ${(share * 100).toFixed(1)}%, step ${stepMs.median.toFixed(0)} ms ` +
            `(compute ${computeMs.median.toFixed(0)} ms), cpu/worker ${
              (cpuShare * 100).toFixed(0)
            }%, ` +
            `load ${loadBefore.toFixed(1)}`,
        );
      } catch (err) {
        records.push(errorRecord(key("grad_steps_per_s", "steps/s"), err, { extra }));
        log(`scale ${model} x${n} failed: ${(err as Error).message}`);
      } finally {
        for (const s of servers) s.stop();
      }
    }
  } finally {
    await bus.close();
    await nats.stop();
  }
  const base = records.find((r) => r.metric === "grad_steps_per_s" && r.workers === 1);
  for (const r of [...records]) {
    if (r.metric !== "grad_steps_per_s" || r.value === null || !base?.value || r === base) {
      continue;
    }
    records.push({
      ...r,
      metric: "speedup_vs_1_worker",
      unit: "x",
      value: r.value / base.value,
    });
  }
  return records;
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      mode: { type: "string", default: "sync" },
      workers: { type: "string", default: SCALE_WORKERS.join(",") },
      steps: { type: "string", default: "10" },
      shards: { type: "string", default: "1" },
      fp16: { type: "boolean", default: false },
    },
  });
  const records = await benchScale({
    mode: values.mode === "async" ? "async" : "sync",
    workers: values.workers.split(",").map(Number),
    steps: Number(values.steps),
    shards: Number(values.shards),
    fp16: values.fp16,
    log: (l) => console.error(l),
  });
  console.log(JSON.stringify(records, null, 2));
}
