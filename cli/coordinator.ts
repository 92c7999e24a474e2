/**
 * `deno task coordinator --nats URL [search flags] | --nats URL --resume RUN`
 *
 * Runs a search on a cluster: jobs go to the JetStream work queue (taken by
 * `deno task worker` processes), finished job results and the run's spec go to the KV run
 * store, so a stopped coordinator continues with `--resume RUN` without redoing finished jobs.
 *
 * @module
 */
import { main } from "./search.ts";
import { runCli } from "./args.ts";

if (import.meta.main) await runCli(() => main({ coordinator: true }));
