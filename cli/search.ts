/**
 * `deno task search [--model NAME|DIR] [--profile NAME|FILE] [--budget SPEC]...
 * [--strategy dnas|mckp|evolution|random|exhaustive] [--data-free] [--seed S] [--out DIR]
 * [--run ID] [--workers N] [--nats URL] [--data DIR] [--calibration N] [--finetune-steps N]
 * [--test-limit N] [--compare-uniform N] [--force]`
 *
 * Tailors a trained network to a hardware profile under budgets and writes `DIR/result.json`,
 * `DIR/model/` (the compressed model) and `DIR/report.html`. The coordinator and the
 * workers talk over an in-process bus (or NATS with `--nats`), exactly as in a cluster.
 * Without `--nats`, the jobs run in `--workers N` Web Workers (default: one per core), each
 * bridged onto the in-process bus; `--workers 0` runs one worker on the main thread instead.
 *
 * @module
 */
import { coordinateSearch } from "../actors/coordinator.ts";
import type { Bus } from "../actors/bus/bus.ts";
import { InProcessBus } from "../actors/bus/in_process.ts";
import { decode } from "../actors/codec.ts";
import { jetStreamJobQueue } from "../actors/jetstream_queue.ts";
import { jetStreamJobSource } from "../actors/jetstream_source.ts";
import { busJobQueue, type JobQueue } from "../actors/job_queue.ts";
import { resumableQueue } from "../actors/resumable_jobs.ts";
import { runStore } from "../actors/run_store.ts";
import { createSubjects } from "../actors/protocol.ts";
import { searchHandlers } from "../actors/search_handlers.ts";
import { startWorker, type WorkerHandle } from "../actors/worker.ts";
import { startWebWorkerPool, type WebWorkerPool } from "../actors/web_worker_pool.ts";
import { initBackend } from "../engine/backend.ts";
import { checkFashionMnistDir } from "../engine/data/fashion_mnist.ts";
import { renderReport } from "../engine/search/report.ts";
import { resultNotes } from "../engine/search/result.ts";
import { closeSessions } from "../engine/search/session.ts";
import {
  DEFAULT_BUDGETS,
  DEFAULT_CALIBRATION,
  DEFAULT_FINETUNE_STEPS,
  DEFAULT_MODEL,
  DEFAULT_PROFILE,
  DEFAULT_STRATEGY,
  makeSearchSpec,
  type SearchSpec,
} from "../engine/search/spec.ts";
import { runCandidateJob } from "../engine/search/jobs.ts";
import { loadSearchStatic } from "../engine/search/static.ts";
import { intFlag, parseFlags, runCli, UsageError } from "./args.ts";
import { commitDir, prepareOutDir, removeOnSignal } from "./out_dir.ts";
import { connectFromFlags, NATS_FLAGS } from "./nats_flags.ts";
import { createSearchProgress } from "./search_progress.ts";

/** Usage text (`--help`). */
export const SEARCH_USAGE = "usage: deno task search [--model NAME|DIR] [--profile NAME|FILE] " +
  "[--budget KIND=VALUE[,VALUE...]]... [--strategy dnas|mckp|evolution|random|exhaustive] " +
  "[--data-free] [--seed S] [--out DIR] [--run ID] [--workers N] [--nats URL] [--data DIR] " +
  "[--calibration N] [--finetune-steps N] [--test-limit N] [--compare-uniform N] [--force]\n" +
  `  --model      a zoo model (cnn-s, resnet8, mobilenet-tiny) or a tfjs model directory ` +
  `(default ${DEFAULT_MODEL})\n` +
  `  --profile    a shipped profile name (profiles/) or a profile file ` +
  `(default ${DEFAULT_PROFILE})\n` +
  `  --budget     KIND=VALUE with KIND latency|energy|sram|flash and units s ms us, J mJ uJ, ` +
  `B kB KB MB (1000), KiB MiB GiB (1024); repeat for several kinds; several values of one ` +
  `kind are budget points, one trial each (default ${DEFAULT_BUDGETS.join(" ")})\n` +
  `  --strategy   dnas (gradient), mckp (exact), evolution (NSGA-II), random, exhaustive ` +
  `(default ${DEFAULT_STRATEGY})\n` +
  "  --data-free  no training image: data-free sensitivities, calibration and pruning " +
  "compensation, no fine-tuning (the test set still scores the result)\n" +
  `  --finetune-steps N  fine-tuning steps of each evaluated candidate ` +
  `(default ${DEFAULT_FINETUNE_STEPS}; 0 with --data-free)\n` +
  `  --calibration N  calibration images (default ${DEFAULT_CALIBRATION})\n` +
  "  --test-limit N   score on the first N test images (default all 10,000)\n" +
  "  --compare-uniform N  measure the N uniform configurations within the budget with the " +
  "least predicted loss " +
  "(default 1)\n" +
  "  --out DIR    where result.json, report.html and model/ go (default runs/<run>); " +
  "--force replaces it\n" +
  "  --workers N  without --nats: N Web Workers run the jobs (default: one per core, " +
  "navigator.hardwareConcurrency); 0: one worker on the main thread.\n" +
  "               with --nats: N workers in this process (default 0: coordinator only).";

/**
 * Makes sure `dir` holds the chosen model. The chosen candidate's job exports it there; a
 * worker on another machine writes to its own disk, and a job finished before a resume
 * wrote into its first coordinator's directory: then this process exports it again, as
 * the job did (same recipe and seed: the same bytes). Returns false, with a note on how to
 * make it, when that fails (no training data here, say).
 */
export async function ensureModel(
  dir: string,
  spec: SearchSpec,
  layers: Parameters<typeof runCandidateJob>[0]["layers"],
  out = "OUT",
): Promise<boolean> {
  try {
    if ((await Deno.stat(`${dir}/tailor.json`)).isFile) return true;
  } catch { /* not there: export it below */ }
  console.error(
    "tailor: the chosen model is not in the output (a worker on another machine, or a job " +
      "finished before a resume, exported it): exporting it here",
  );
  try {
    await runCandidateJob({ search: spec, layers, exportDir: dir });
    return true;
  } catch (e) {
    console.error(
      `tailor: note: could not export the chosen model here (${(e as Error).message}); ` +
        `deno task export --config ${out}/result.json --out DIR makes it`,
    );
    return false;
  }
}

/**
 * A fresh run id: `run-<UTC date>-<time>-s<seed>-<4 random hex digits>`. The random part
 * keeps two searches started in the same second with the same seed apart: the id names
 * the run's subjects, its run-store key, and the temporary directory beside `--out`, which
 * two such runs writing into the same parent directory would otherwise share.
 */
export function runId(seed: number, now: Date = new Date()): string {
  const t = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  const r = crypto.getRandomValues(new Uint8Array(2));
  const hex = Array.from(r, (b) => b.toString(16).padStart(2, "0")).join("");
  return `run-${t}-s${seed}-${hex}`;
}

/** What a coordinator stores in the run store, so `--resume RUN` can continue. */
interface StoredSearch {
  readonly spec: SearchSpec;
  readonly out: string;
  readonly compareUniform: number;
}

/**
 * `deno task search` (and, with `coordinator: true`, `deno task coordinator`, which needs
 * `--nats` and accepts `--resume RUN`).
 */
export async function main(mode: { coordinator?: boolean } = {}): Promise<void> {
  const f = parseFlags(Deno.args, {
    ...NATS_FLAGS,
    resume: { type: "string" },
    run: { type: "string" },
    model: { type: "string" },
    profile: { type: "string" },
    budget: { type: "string", multiple: true },
    strategy: { type: "string" },
    "data-free": { type: "boolean" },
    seed: { type: "string" },
    out: { type: "string" },
    workers: { type: "string" },
    data: { type: "string" },
    calibration: { type: "string" },
    "finetune-steps": { type: "string" },
    "test-limit": { type: "string" },
    "compare-uniform": { type: "string" },
    force: { type: "boolean" },
    help: { type: "boolean" },
  });
  if (f.help) {
    console.log(SEARCH_USAGE);
    return;
  }
  let spec: SearchSpec;
  try {
    spec = makeSearchSpec({
      ...(f.model ? { model: f.model } : {}),
      ...(f.profile ? { profile: f.profile } : {}),
      ...(f.budget ? { budgets: f.budget } : {}),
      ...(f.strategy ? { strategy: f.strategy } : {}),
      dataFree: f["data-free"] ?? false,
      seed: intFlag(f.seed, "seed", { fallback: 0 })!,
      ...(f.data ? { dataDir: f.data } : {}),
      ...(f.calibration ? { calibration: intFlag(f.calibration, "calibration", { min: 1 })! } : {}),
      ...(f["finetune-steps"]
        ? { finetuneSteps: intFlag(f["finetune-steps"], "finetune-steps")! }
        : {}),
      ...(f["test-limit"]
        ? { testLimit: intFlag(f["test-limit"], "test-limit", { min: 1 })! }
        : {}),
    });
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError((e as Error).message, { cause: e });
  }
  const workers = intFlag(f.workers, "workers", {
    min: 0,
    fallback: f.nats ? 0 : navigator.hardwareConcurrency,
  })!;
  const compareUniform = intFlag(f["compare-uniform"], "compare-uniform", { fallback: 1 })!;
  if (mode.coordinator && !f.nats) throw new UsageError("deno task coordinator needs --nats URL");
  if (f.resume && !mode.coordinator) throw new UsageError("--resume is for deno task coordinator");
  if (f.resume && f.run) throw new UsageError("--run and --resume exclude each other");
  let run = f.resume ?? f.run ?? runId(spec.seed);
  try {
    createSubjects().events(run); // one subject token
  } catch (e) {
    throw new UsageError((e as Error).message, { cause: e });
  }
  let out = f.out ?? `runs/${run}`;
  let compare = compareUniform;
  const bus: Bus = f.nats
    ? await connectFromFlags(f, `tailor-${mode.coordinator ? "coordinator" : "search"}-${run}`)
    : new InProcessBus();
  const subjects = createSubjects();
  let queue: JobQueue = busJobQueue(bus, subjects);
  let afterValidation: () => Promise<unknown> = () => Promise.resolve();
  if (f.nats) {
    const nats = bus as Awaited<ReturnType<typeof connectFromFlags>>;
    const store = await runStore(nats);
    if (f.resume) {
      const stored = await store.get(f.resume);
      if (!stored) throw new UsageError(`no run "${f.resume}" in the run store`);
      const s = stored.state as unknown as StoredSearch;
      spec = makeSearchSpec(s.spec);
      out = f.out ?? s.out;
      compare = s.compareUniform;
      run = f.resume;
      console.error(`tailor: resuming run ${run}`);
    } else {
      const state: StoredSearch = { spec, out, compareUniform: compare };
      const put = () =>
        store.put(run, state as unknown as Parameters<typeof store.put>[1], { revision: 0 });
      afterValidation = put;
    }
    queue = resumableQueue(await jetStreamJobQueue(nats, subjects), store);
  }

  await initBackend();
  let st: Awaited<ReturnType<typeof loadSearchStatic>>;
  try {
    st = await loadSearchStatic(spec); // bad model / profile / budget: one line, nothing written
    // This process runs jobs: its data must be there before any work (a cluster's
    // coordinator alone does not read it; its workers report a missing --data).
    if (!f.nats || workers > 0) await checkFashionMnistDir(spec.dataDir);
  } catch (e) {
    await bus.close();
    throw new UsageError((e as Error).message, { cause: e });
  }
  await afterValidation();
  // Named after the run: a resumed coordinator finds there what its killed predecessor's
  // jobs wrote (the chosen candidate's job exports into it).
  const tmp = await prepareOutDir(out, {
    force: (f.force ?? false) || f.resume !== undefined,
    tmpName: `.tmp-search-${run}`,
    reuse: f.resume !== undefined,
  });
  const stopListening = removeOnSignal(tmp);
  const view = createSearchProgress();
  const events = bus.subscribe(subjects.events(run), (m) => {
    try {
      const e = decode(m.data);
      if (e.type === "progress" || e.type === "log") view.onEvent(e);
    } catch { /* not ours to judge: the monitor reports garbage */ }
  });
  const handles: WorkerHandle[] = [];
  let pool: WebWorkerPool | undefined; // without --nats: the jobs run in Web Workers
  for (let i = 0; i < (f.nats ? workers : workers === 0 ? 1 : 0); i++) {
    const source = f.nats
      ? {
        source: await jetStreamJobSource(bus as Awaited<ReturnType<typeof connectFromFlags>>, {
          subjects,
        }),
      }
      : {};
    handles.push(startWorker(bus, {
      ...source,
      id: `${run}-w${i}`,
      subjects,
      handlers: searchHandlers(bus, subjects),
      heartbeatMs: f.nats ? 2000 : 0,
    }));
  }
  const t0 = performance.now();
  let failed = false;
  try {
    console.error(
      `tailor: ${spec.model} on ${st.profile.name}, budgets ${
        st.budgets.map((b) => b.text).join(", ")
      }, ` +
        `strategy ${spec.strategy}${spec.dataFree ? " (data-free)" : ""}, run ${run}`,
    );
    if (!f.nats && workers > 0) {
      pool = await startWebWorkerPool(bus, {
        subjects,
        workers,
        idPrefix: run,
        onError: (e) => console.error(`tailor: ${e.message}`),
      });
    }
    const result = await Promise.race([
      coordinateSearch({
        bus,
        queue,
        subjects,
        run,
        spec,
        static: st,
        exportDir: `${tmp}/model`,
        compareUniform: compare,
      }),
      ...(pool ? [pool.failure.then((e) => Promise.reject(e))] : []), // a crash ends the run
    ]);
    const timings = { ...result.timings, total: (performance.now() - t0) / 1000 };
    const final = { ...result, timings };
    const wrote = ["result.json", "report.html"];
    if (await ensureModel(`${tmp}/model`, spec, final.chosen.layers, out)) wrote.push("model/");
    await Deno.writeTextFile(`${tmp}/result.json`, JSON.stringify(final, null, 2) + "\n");
    await Deno.writeTextFile(`${tmp}/report.html`, renderReport(final));
    await commitDir(tmp, out);
    view.done();
    for (const note of resultNotes(final)) console.error(`tailor: note: ${note}`);
    const pct = (a: number) => (Number.isFinite(a) ? `${(a * 100).toFixed(2)}%` : "n/a");
    console.error(
      `tailor: chosen accuracy ${pct(final.chosen.accuracy)} (float ${
        pct(final.baseline.accuracy)
      }` +
        `${
          final.chosen.uniform
            ? `, best uniform in budget ${pct(final.chosen.uniform.accuracy)}`
            : ""
        }), ` +
        `latency ${
          final.chosen.costs.latencyMs.toFixed(2)
        } ms, peak SRAM ${final.chosen.costs.peakSramBytes} B, ` +
        `flash ${final.chosen.costs.flashBytes} B; wrote ${out}/${wrote.join(", ")} in ` +
        `${timings.total.toFixed(0)} s`,
    );
  } catch (e) {
    failed = true;
    view.done();
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    if ((e as Error).name === "BudgetInfeasibleError") {
      throw new UsageError((e as Error).message, { cause: e });
    }
    throw e;
  } finally {
    stopListening();
    events.unsubscribe();
    await Promise.all(handles.map((h) => h.drain()));
    await pool?.drain(failed ? { timeoutMs: 0 } : {}); // after a failure, stop running jobs
    await bus.close();
    await closeSessions();
  }
}

if (import.meta.main) await runCli(() => main());
