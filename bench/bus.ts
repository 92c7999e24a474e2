/**
 * The `bus` benchmark suite: message costs through real `nats-server`s the suite starts.
 *
 * - `grad-push-4mb`: a worker pushes a 4 MiB float32 gradient to a parameter-server stand-in
 *   and waits for its ack (see `bus_push.ts`), on a server with the deployment's max payload
 *   (`DEPLOY_MAX_PAYLOAD`, 8 MiB as in `deploy/nats-server.conf`): one message per push.
 *   Peer: the npm `nats` client in Node.js moving the same bytes in the same chunks.
 * - `grad-push-4mb-1mib-chunks`: the same on a server with NATS's default max payload
 *   (1 MiB): five chunks published back to back, the last as a request, so the two hops
 *   through the server overlap. Same peer.
 * - `grad-push-4mb-fp16`: the first case with fp16 compression (conversion included).
 * - `request-reply-small`: an encoded `param-pull` request answered by an encoded `grad-ack`
 *   (see `bus_request.ts`). Peer: the stock nats.js v3 client in this process, doing the same
 *   codec work, alternating with ours request by request.
 *
 * Every record says which server max payload (`serverMaxPayload`), chunk size and chunk
 * count it used.
 *
 * @module
 */
import { connectNatsBus, type NatsBus } from "../actors/bus/nats.ts";
import { type NatsServer, startNatsServer } from "../actors/nats_server.ts";
import type { WireTensor } from "../actors/protocol.ts";
import { benchPush, PUSH_BYTES, servePushes } from "./bus_push.ts";
import { benchRequest, serveSmallPulls } from "./bus_request.ts";
import { type BenchRecord, errorRecord } from "./record.ts";

export { CHUNK_HEADROOM_BYTES, PEER_ROUNDS, PUSH_BYTES } from "./bus_push.ts";

/** Max payload of the main server: the deployment's (`deploy/nats-server.conf`). @default 8 MiB */
export const DEPLOY_MAX_PAYLOAD = 8 << 20;
/** NATS's default max payload, for the chunked case. @default 1 MiB */
export const DEFAULT_SERVER_MAX_PAYLOAD = 1 << 20;

/** Options of `benchBus`. */
export interface BenchBusOptions {
  readonly warmup?: number;
  readonly reps?: number;
  readonly budgetMs?: number;
  /** Skip the peers (the Node.js client, and the stock nats.js client for request/reply). */
  readonly noPeer?: boolean;
  readonly log?: (line: string) => void;
}

const GRAD = "bench.tailor.grad";
const PULL = "bench.tailor.pull";

/** A server with a pusher and a parameter-server stand-in connected to it. */
interface Site {
  readonly server: NatsServer;
  readonly pusher: NatsBus;
  readonly ps: NatsBus;
  readonly maxPayload: number;
}

async function openSite(maxPayload: number): Promise<Site> {
  const server = await startNatsServer({ maxPayload });
  try {
    const pusher = await connectNatsBus({ servers: server.url, name: "bench-pusher" });
    const ps = await connectNatsBus({ servers: server.url, name: "bench-param-server" });
    servePushes(ps, GRAD);
    serveSmallPulls(ps, PULL);
    await ps.flush();
    return { server, pusher, ps, maxPayload };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

async function closeSite(site: Site): Promise<void> {
  await site.pusher.close().catch(() => {});
  await site.ps.close().catch(() => {});
  await site.server.stop();
}

/**
 * Runs the bus suite against nats-servers it starts and stops.
 *
 * @example
 * ```ts ignore
 * import { benchBus } from "./bench/bus.ts";
 * const records = await benchBus({ reps: 20, noPeer: true });
 * console.log(records.map((r) => `${r.case} ${r.value} ${r.unit}`));
 * ```
 */
export async function benchBus(options: BenchBusOptions = {}): Promise<BenchRecord[]> {
  const o: Required<BenchBusOptions> = {
    warmup: options.warmup ?? 10,
    reps: options.reps ?? 50,
    budgetMs: options.budgetMs ?? 30_000,
    noPeer: options.noPeer ?? false,
    log: options.log ?? (() => {}),
  };
  const timing = { warmup: o.warmup, reps: o.reps, budgetMs: o.budgetMs };
  const data = Float32Array.from({ length: PUSH_BYTES / 4 }, (_, i) => Math.sin(i));
  const tensor: WireTensor = { dtype: "float32", shape: [data.length], data };
  const cases = [
    { name: "grad-push-4mb", maxPayload: DEPLOY_MAX_PAYLOAD, fp16: false },
    { name: "grad-push-4mb-1mib-chunks", maxPayload: DEFAULT_SERVER_MAX_PAYLOAD, fp16: false },
    { name: "grad-push-4mb-fp16", maxPayload: DEPLOY_MAX_PAYLOAD, fp16: true },
  ];
  const records: BenchRecord[] = [];
  const sites = new Map<number, Site>();
  try {
    for (const c of cases) {
      const key = { suite: "bus", case: c.name, metric: "push_ack_ms", unit: "ms" };
      const extra = { transport: "deno-tcp", serverMaxPayload: c.maxPayload };
      try {
        o.log(`bus: ${c.name} (server max_payload ${c.maxPayload})`);
        let site = sites.get(c.maxPayload);
        if (!site) sites.set(c.maxPayload, site = await openSite(c.maxPayload));
        records.push(
          ...await benchPush({
            key,
            pusher: site.pusher,
            subject: GRAD,
            url: site.server.url,
            fp16: c.fp16,
            withPeer: !c.fp16 && !o.noPeer,
            extra,
            timing,
            log: o.log,
          }, tensor),
        );
      } catch (err) {
        records.push(errorRecord(key, err, { extra }));
      }
    }
    const site = sites.get(DEPLOY_MAX_PAYLOAD) ?? await openSite(DEPLOY_MAX_PAYLOAD);
    sites.set(DEPLOY_MAX_PAYLOAD, site);
    o.log("bus: request-reply-small");
    records.push(
      await benchRequest({
        requester: site.pusher,
        subject: PULL,
        url: site.server.url,
        withPeer: !o.noPeer,
        extra: { transport: "deno-tcp", serverMaxPayload: site.maxPayload },
        // Small round trips are cheap: many more of them than pushes.
        timing: { warmup: o.warmup * 10, reps: o.reps * 20, budgetMs: o.budgetMs },
        log: o.log,
      }),
    );
  } finally {
    for (const site of sites.values()) await closeSite(site);
  }
  return records;
}

if (import.meta.main) {
  const records = await benchBus({ log: (l) => console.error(l) });
  console.log(JSON.stringify(records, null, 2));
}
