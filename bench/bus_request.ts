/**
 * The `request-reply-small` case of the `bus` suite: an encoded `param-pull` request answered
 * by an encoded `grad-ack`, through our `NatsBus` on both ends.
 *
 * Peer: the stock nats.js v3 client (`@nats-io/nats-core` over `@nats-io/transport-node`, its
 * published transport) in this process, doing the same codec work on both ends with its own
 * `request` and `subscribe`: the ratio is the cost of our bus layers against the client's.
 * Our requests and the peer's alternate one by one (the order rotating every round) so that
 * both see the same machine load; so do the round trips of a raw floor (`bus_floor.ts`: two
 * bare sockets through the same server, no client and no codec), recorded in `extra` as
 * `rawFloorMedianUs` / `rawFloorMinUs`: what the kernel, the event loop and the server cost;
 * and of a Python floor (`bus_floor_python.ts`: the same bare protocol with blocking sockets,
 * two processes), recorded as `pythonFloorMedianUs` / `pythonFloorMinUs`: the server and the
 * loopback without any event loop; and of the same floor in C (`bus_floor_c.ts`, compiled on
 * the spot; skipped with a log line when there is no C compiler), once with a blocking read
 * (`cFloorMedianUs` / `cFloorMinUs`) and once with a requester that polls its socket without
 * ever sleeping (`cSpinFloorMedianUs` / `cSpinFloorMinUs`): the gap between the two is the
 * wake-up of a sleeping thread, which every event-loop client pays on each reply.
 *
 * @module
 */
import { connect as connectStock } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/nats-core";
import type { Bus } from "../actors/bus/bus.ts";
import { decode, encode } from "../actors/codec.ts";
import { type ParamPullMessage, PROTOCOL_VERSION } from "../actors/protocol.ts";
import { type BenchRecord, errorRecord, makeRecord, type PeerMeasurement } from "./record.ts";
import { summarize } from "./stats.ts";
import { MIN_REPS } from "./timing.ts";
import { openRawFloor, type RawFloor, rawFloorFields } from "./bus_floor.ts";
import { openPythonFloor, type PythonFloor } from "./bus_floor_python.ts";
import { type CFloor, type CFloorMode, openCFloor } from "./bus_floor_c.ts";

/** Peer name recorded with the case. */
export const REQUEST_PEER = "nats-core";
/** Request timeout of the case, ours and the peer's. @default 5000 */
export const REQUEST_TIMEOUT_MS = 5000;

/** The small request/reply case: where, and how often. */
export interface RequestCase {
  /** The requesting bus; something on the same server answers `subject` (`serveSmallPulls`). */
  readonly requester: Bus;
  readonly subject: string;
  /** The server's URL, for the peer's connections. */
  readonly url: string;
  /** Time the stock client in alternation with ours. */
  readonly withPeer: boolean;
  /** Context recorded with the case (transport, server max payload). */
  readonly extra: Readonly<Record<string, unknown>>;
  readonly timing: { readonly warmup: number; readonly reps: number; readonly budgetMs: number };
  readonly log: (line: string) => void;
}

/** The request every round trip sends. */
export function smallPull(): Uint8Array {
  return encode({
    type: "param-pull",
    v: PROTOCOL_VERSION,
    run: "bench",
    trialId: "t0",
    shard: 0,
    workerId: "w0",
    haveVersion: 3,
    chunk: 0,
  });
}

/** Decodes a `param-pull` and encodes the `grad-ack` that answers it. */
export function answerPull(data: Uint8Array): Uint8Array {
  const p = decode(data) as ParamPullMessage;
  return encode({
    type: "grad-ack",
    v: PROTOCOL_VERSION,
    run: p.run,
    trialId: p.trialId,
    shard: p.shard,
    transfer: "p",
    step: 0,
    version: 1,
    accepted: true,
  });
}

/** Subscribes the responder of the case on `subject`. */
export function serveSmallPulls(bus: Bus, subject: string): void {
  bus.subscribe(subject, (msg) => void msg.respond(answerPull(msg.data)));
}

/** The stock client's requester and responder; `close` closes both. */
interface StockPeer {
  readonly roundTrip: () => Promise<unknown>;
  readonly close: () => Promise<void>;
}

async function openStockPeer(url: string, subject: string, pull: Uint8Array): Promise<StockPeer> {
  const opened: NatsConnection[] = [];
  const close = async () => {
    for (const nc of opened) await nc.close().catch(() => {});
  };
  try {
    const responder = await connectStock({ servers: url, name: "bench-peer-responder" });
    opened.push(responder);
    const requester = await connectStock({ servers: url, name: "bench-peer-requester" });
    opened.push(requester);
    responder.subscribe(subject, { callback: (_err, m) => void m.respond(answerPull(m.data)) });
    await responder.flush();
    const roundTrip = async () =>
      decode((await requester.request(subject, pull, { timeout: REQUEST_TIMEOUT_MS })).data);
    return { roundTrip, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * Times the case (and the peer, when asked) and returns its record: `round_trip_us`, with
 * the peer's figures when it ran.
 */
export async function benchRequest(c: RequestCase): Promise<BenchRecord> {
  const key = { suite: "bus", case: "request-reply-small", metric: "round_trip_us", unit: "us" };
  const pull = smallPull();
  const ours = async () =>
    decode(await c.requester.request(c.subject, pull, { timeoutMs: REQUEST_TIMEOUT_MS }));
  let peer: StockPeer | null = null;
  const closers: (() => Promise<void>)[] = [];
  const peerSamples: number[] = [];
  const dropPeer = async (err: unknown) => {
    c.log(`bus: ${key.case} peer failed: ${err instanceof Error ? err.message : err}`);
    await peer?.close();
    peer = null;
    peerSamples.length = 0;
  };
  /** Runs `fn` once; its time in ms, pushed to `into` in us when given. */
  const time = async (fn: () => Promise<unknown>, into?: number[]) => {
    const t0 = performance.now();
    await fn();
    const dt = performance.now() - t0;
    into?.push(dt * 1000);
    return dt;
  };
  /** One peer round trip (timed into `into` when given); 0 once the peer has failed. */
  const peerOnce = async (into?: number[]) => {
    if (!peer) return 0;
    try {
      return await time(peer.roundTrip, into);
    } catch (err) {
      await dropPeer(err);
      return 0;
    }
  };
  try {
    if (c.withPeer) {
      try {
        peer = await openStockPeer(c.url, `${c.subject}.peer`, pull);
      } catch (err) {
        await dropPeer(err);
      }
    }
    const floor = await reference<RawFloor>(
      (err) => c.log(`bus: ${key.case} raw floor failed: ${message(err)}`),
      () => openRawFloor(c.url, `${c.subject}.floor`, pull, answerPull(pull).length),
      async (f) => {
        const t0 = performance.now();
        await f.roundTrip();
        return (performance.now() - t0) * 1000;
      },
      (f) => f.close(),
    );
    const python = await reference<PythonFloor>(
      (err) => c.log(`bus: ${key.case} Python floor failed: ${message(err)}`),
      () => openPythonFloor(c.url, `${c.subject}.pyfloor`, pull.length, answerPull(pull).length),
      (f) => f.roundTrip(),
      (f) => f.close(),
    );
    const cFloor = (mode: CFloorMode) =>
      reference<CFloor>(
        (err) => c.log(`bus: ${key.case} C floor (${mode}) skipped: ${message(err)}`),
        () =>
          openCFloor(
            c.url,
            `${c.subject}.cfloor.${mode}`,
            pull.length,
            answerPull(pull).length,
            mode,
          ),
        (f) => f.roundTrip(),
        (f) => f.close(),
      );
    const cBlock = await cFloor("block");
    const cSpin = await cFloor("spin");
    const references = [floor, python, cBlock, cSpin];
    closers.push(...references.map((r) => r.close));
    for (let i = 0; i < c.timing.warmup; i++) {
      await ours();
      await peerOnce();
      for (const r of references) await r.once(false);
    }
    const samples: number[] = [];
    const runs = [
      () => time(ours, samples),
      () => peerOnce(peerSamples),
      ...references.map((r) => () => r.once(true)),
    ];
    let spent = 0;
    while (samples.length < c.timing.reps) {
      // The order rotates every round, so that none of the runs always goes first.
      const first = samples.length % runs.length;
      for (let k = 0; k < runs.length; k++) spent += await runs[(first + k) % runs.length]!();
      if (spent >= c.timing.budgetMs && samples.length >= Math.min(c.timing.reps, MIN_REPS)) {
        break;
      }
    }
    const ran = peerSamples.length > 0;
    const peerResult: PeerMeasurement | null = ran
      ? { peer: REQUEST_PEER, summary: summarize(peerSamples) }
      : null;
    const extra = {
      ...c.extra,
      ...(ran ? { peerTransport: "node" } : {}),
      ...(floor.samples.length > 0 ? rawFloorFields(floor.samples, "Us") : {}),
      ...floorFields("pythonFloor", python.samples),
      ...floorFields("cFloor", cBlock.samples),
      ...floorFields("cSpinFloor", cSpin.samples),
    };
    return makeRecord(key, summarize(samples), { peer: peerResult, extra });
  } catch (err) {
    return errorRecord(key, err, { extra: c.extra });
  } finally {
    await (peer as StockPeer | null)?.close();
    for (const f of closers) await f();
  }
}

/** `{<name>MedianUs, <name>MinUs, <name>Samples}` of a floor that ran; nothing otherwise. */
function floorFields(name: string, samples: readonly number[]): Record<string, number> {
  if (samples.length === 0) return {};
  const s = summarize(samples);
  return { [`${name}MedianUs`]: s.median, [`${name}MinUs`]: s.min, [`${name}Samples`]: s.n };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A reference timed in the rounds of the case, dropped with its samples at its first failure. */
interface Reference {
  /** Microseconds of each recorded round trip. */
  readonly samples: number[];
  /** One round trip (its time recorded when asked); its time in ms, 0 once dropped. */
  readonly once: (record: boolean) => Promise<number>;
  readonly close: () => Promise<void>;
}

/** Opens a reference; a failure to open or to run is passed to `fail` once. */
async function reference<T>(
  fail: (err: unknown) => void,
  open: () => Promise<T>,
  roundTripUs: (r: T) => Promise<number>,
  close: (r: T) => void | Promise<void>,
): Promise<Reference> {
  let r: T | null = null;
  try {
    r = await open();
  } catch (err) {
    fail(err);
  }
  const samples: number[] = [];
  const drop = async () => {
    const was = r;
    r = null;
    if (was !== null) await close(was);
  };
  return {
    samples,
    once: async (record) => {
      if (r === null) return 0;
      try {
        const us = await roundTripUs(r);
        if (record) samples.push(us);
        return us / 1000;
      } catch (err) {
        fail(err);
        await drop();
        samples.length = 0;
        return 0;
      }
    },
    close: drop,
  };
}
