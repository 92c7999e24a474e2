/**
 * `deno task monitor --nats URL [--run ID] [--prefix P] [--interval MS] [--creds FILE]
 * [--nkey-seed FILE] [--tls-ca FILE] [--tls-cert FILE] [--tls-key FILE]`:
 * a live terminal view of a Tailor cluster (workers, progress per trial, best so far per
 * budget point, ETA, log, errors) from the events and heartbeats on NATS. Credentials may
 * also come from the environment: `NATS_TOKEN`, or `NATS_USER` and `NATS_PASSWORD`.
 *
 * @module
 */
import { startMonitor } from "../actors/monitor.ts";
import { createSubjects, DEFAULT_PREFIX } from "../actors/protocol.ts";
import { intFlag, parseFlags, requireFlag, runCli, UsageError } from "./args.ts";
import { connectFromFlags, NATS_FLAGS } from "./nats_flags.ts";

const USAGE = "usage: deno task monitor --nats URL [--run ID] [--prefix P] [--interval MS]" +
  " [--creds FILE] [--nkey-seed FILE] [--tls-ca FILE] [--tls-cert FILE] [--tls-key FILE]";

/** Runs the monitor until SIGINT/SIGTERM. */
export async function main(args: string[] = Deno.args): Promise<void> {
  const flags = parseFlags(args, {
    run: { type: "string" },
    prefix: { type: "string", default: DEFAULT_PREFIX },
    interval: { type: "string" },
    ...NATS_FLAGS,
    help: { type: "boolean", short: "h" },
  });
  if (flags.help) {
    console.log(USAGE);
    return;
  }
  const url = requireFlag(flags.nats, `nats (${USAGE})`);
  let subjects;
  try {
    subjects = createSubjects({ prefix: flags.prefix });
    if (flags.run !== undefined) subjects.events(flags.run);
  } catch (e) {
    throw new UsageError((e as Error).message, { cause: e });
  }
  const bus = await connectFromFlags({ ...flags, nats: url }, "tailor-monitor");
  const monitor = startMonitor(bus, subjects, {
    ...(flags.run === undefined ? {} : { run: flags.run }),
    ...(flags.interval === undefined
      ? {}
      : { intervalMs: intFlag(flags.interval, "interval", { min: 50 })! }),
  });
  monitor.draw();
  const { promise, resolve } = Promise.withResolvers<void>();
  for (const s of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(s, resolve);
  await promise;
  monitor.draw(); // the state at the end, also when the output is a file or a pipe
  monitor.stop();
  await bus.close();
}

if (import.meta.main) await runCli(() => main());
