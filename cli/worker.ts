/**
 * `deno task worker --nats URL [--concurrency N] [--id ID] [--prefix P] [NATS flags]`
 *
 * A long-lived worker: pulls search jobs from the JetStream work queue, runs them, sends
 * heartbeats every 2 s, prints each job it starts on stderr, and on SIGTERM / SIGINT finishes
 * (or gives back) its job and exits.
 *
 * @module
 */
import { jetStreamJobSource } from "../actors/jetstream_source.ts";
import { createSubjects, type JobKind, type JobMessage } from "../actors/protocol.ts";
import { searchHandlers } from "../actors/search_handlers.ts";
import { runWorkerProcess } from "../actors/worker_process.ts";
import type { JobHandler } from "../actors/worker.ts";
import { initBackend } from "../engine/backend.ts";
import { closeSessions } from "../engine/search/session.ts";
import { intFlag, parseFlags, requireFlag, runCli } from "./args.ts";
import { connectFromFlags, NATS_FLAGS } from "./nats_flags.ts";

/** Usage text. */
export const WORKER_USAGE =
  "usage: deno task worker --nats URL [--concurrency N] [--id ID] [--prefix P] " +
  "[--creds FILE] [--nkey-seed FILE] [--tls-ca FILE] [--tls-cert FILE] [--tls-key FILE]";

/** The handlers, each printing `worker ID: job JOB of run RUN (attempt N)` as it starts. */
function logged(
  id: string,
  handlers: Partial<Record<JobKind, JobHandler>>,
): Partial<Record<JobKind, JobHandler>> {
  return Object.fromEntries(
    Object.entries(handlers).map(([kind, h]) => [kind, (job: JobMessage) => {
      console.error(`worker ${id}: job ${job.jobId} of run ${job.run} (attempt ${job.attempt})`);
      return h(job);
    }]),
  );
}

async function main(): Promise<void> {
  const f = parseFlags(Deno.args, {
    ...NATS_FLAGS,
    concurrency: { type: "string" },
    id: { type: "string" },
    prefix: { type: "string" },
    help: { type: "boolean" },
  });
  if (f.help) {
    console.log(WORKER_USAGE);
    return;
  }
  requireFlag(f.nats, "nats");
  const concurrency = intFlag(f.concurrency, "concurrency", { min: 1, fallback: 1 })!;
  const id = f.id ?? `w-${Deno.hostname().replace(/[^A-Za-z0-9_-]/g, "_")}-${Deno.pid}`;
  await initBackend();
  const bus = await connectFromFlags(f, `tailor-worker-${id}`);
  const subjects = createSubjects(f.prefix ? { prefix: f.prefix } : {});
  const source = await jetStreamJobSource(bus, { subjects });
  const proc = runWorkerProcess(bus, {
    id,
    subjects,
    handlers: logged(id, searchHandlers(bus, subjects)),
    concurrency,
    source,
    onSignal: (s) => console.error(`worker ${id}: ${s}, draining`),
  });
  console.error(`worker ${id}: ready (concurrency ${concurrency})`);
  await proc.done;
  await closeSessions();
  console.error(`worker ${id}: stopped`);
}

if (import.meta.main) await runCli(main);
