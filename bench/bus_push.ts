/**
 * The gradient push cases of the `bus` suite: a worker pushes a 4 MiB float32 gradient to a
 * parameter-server stand-in and waits for its ack, through a real `nats-server`.
 *
 * The tensor is split into chunks below the server's max payload, each encoded as a
 * `grad-push` frame; all but the last are published back to back and the last is sent as a
 * request. The responder decodes every chunk (zero-copy views), checks the transfer arrived
 * whole and replies with an encoded `grad-ack`. Peer: the npm `nats` client in Node.js moving
 * the same bytes in the same chunks (raw, without our codec), alternating with our rounds.
 * A raw floor (`bus_floor.ts`: bare sockets, no client, no codec, the payload in the same
 * number of messages) runs in the same rounds and is recorded as `rawFloorMedianMs` /
 * `rawFloorMinMs`. So do the same pushes with each frame first copied into one buffer
 * (`encode`, the path before frames went out as parts), alternating with ours push by push:
 * `joinedMedianMs` / `joinedMeanMs` / `joinedMinMs`.
 *
 * @module
 */
import type { NatsBus } from "../actors/bus/nats.ts";
import { splitTensors } from "../actors/chunks.ts";
import { decode, encode, encodeParts } from "../actors/codec.ts";
import { compressTensor } from "../actors/fp16.ts";
import {
  type GradAckMessage,
  type GradPushMessage,
  PROTOCOL_VERSION,
  type WireTensor,
} from "../actors/protocol.ts";
import { openRawFloor, type RawFloor, rawFloorFields } from "./bus_floor.ts";
import { type BenchRecord, makeRecord, type PeerMeasurement, type RecordKey } from "./record.ts";
import { summarize } from "./stats.ts";
import { measure, MIN_REPS } from "./timing.ts";
import process from "node:process";
import { TUNED_MALLOC_ENV } from "./allocator.ts";

/** Bytes of the pushed gradient. @default 4 MiB */
export const PUSH_BYTES = 4 << 20;
/** Bytes left for the frame header when chunks are sized from the max payload. @default 4 KiB */
export const CHUNK_HEADROOM_BYTES = 4 << 10;
/** Our timed runs and the peer's alternate in this many rounds. @default 3 */
export const PEER_ROUNDS = 3;

const PEER_SCRIPT = new URL("./node_peer/peer.mjs", import.meta.url);

/** One push case: where, how and against whom. */
export interface PushCase {
  readonly key: RecordKey;
  /** The pushing connection and the parameter-server stand-in's, on the same server. */
  readonly pusher: NatsBus;
  /** Subject the stand-in (`servePushes`) listens on. */
  readonly subject: string;
  /** The server's URL, for the Node.js peer. */
  readonly url: string;
  readonly fp16: boolean;
  /** Run the Node.js peer in alternation with our rounds. */
  readonly withPeer: boolean;
  /** Context recorded with the case (server max payload, chunking, transport). */
  readonly extra: Readonly<Record<string, unknown>>;
  readonly timing: { readonly warmup: number; readonly reps: number; readonly budgetMs: number };
  readonly log: (line: string) => void;
}

/** Data bytes per chunk on a bus with this max payload. */
export function pushChunkBytes(maxPayload: number): number {
  return maxPayload - CHUNK_HEADROOM_BYTES;
}

function ack(m: GradPushMessage): Uint8Array {
  const a: GradAckMessage = {
    type: "grad-ack",
    v: PROTOCOL_VERSION,
    run: m.run,
    trialId: m.trialId,
    shard: m.shard,
    transfer: m.chunk.transfer,
    step: m.step,
    version: m.baseVersion + 1,
    accepted: true,
  };
  return encode(a);
}

/**
 * Subscribes a parameter-server stand-in on `subject`: decodes and validates every chunk
 * (tensor data as zero-copy views where aligned), checks each transfer arrives whole, and
 * acks it. It does not aggregate: summing gradients is compute, not bus cost, and the peer
 * does none either.
 */
export function servePushes(bus: NatsBus, subject: string): void {
  const received = new Map<string, { chunks: number; elements: number }>();
  bus.subscribe(subject, (msg) => {
    const m = decode(msg.data) as GradPushMessage;
    const t = received.get(m.chunk.transfer) ?? { chunks: 0, elements: 0 };
    t.chunks++;
    for (const p of m.parts) t.elements += p.slice.data.length;
    received.set(m.chunk.transfer, t);
    if (msg.reply) {
      received.delete(m.chunk.transfer);
      if (t.chunks !== m.chunk.count) throw new Error(`transfer ${m.chunk.transfer} lost chunks`);
      msg.respond(ack(m));
    }
  });
}

let transferSeq = 0;

/**
 * One push: every chunk's frame as parts (`encodeParts`: tensor bytes sent uncopied), or,
 * with `joined`, copied into one buffer first (`encode`, as before parts existed).
 */
async function push(
  c: PushCase,
  tensor: WireTensor,
  chunkBytes: number,
  joined = false,
): Promise<void> {
  const t = c.fp16 ? compressTensor(tensor) : tensor;
  const chunks = splitTensors({ grad: t }, chunkBytes);
  const transfer = `x${++transferSeq}`;
  const frame = (index: number) =>
    (joined ? encode : encodeParts)({
      type: "grad-push",
      v: PROTOCOL_VERSION,
      run: "bench",
      trialId: "t0",
      shard: 0,
      workerId: "w0",
      step: transferSeq,
      baseVersion: 0,
      chunk: { transfer, index, count: chunks.length },
      parts: chunks[index]!,
    });
  for (let i = 0; i < chunks.length - 1; i++) c.pusher.publish(c.subject, frame(i));
  const reply = decode(
    await c.pusher.request(c.subject, frame(chunks.length - 1), { timeoutMs: 10_000 }),
  );
  if (reply.type !== "grad-ack" || !reply.accepted) throw new Error("push was not acknowledged");
}

async function nodePeer(
  url: string,
  chunkBytes: number,
  warmup: number,
  reps: number,
): Promise<{ samples: number[]; cpuMs: number }> {
  const args = [PEER_SCRIPT.pathname, url, PUSH_BYTES, chunkBytes, warmup, reps].map(String);
  const out = await new Deno.Command("node", { args, env: TUNED_MALLOC_ENV, stdin: "null" })
    .output();
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-3).join(" ");
    throw new Error(`node peer failed (run npm install in bench/node_peer): ${err}`);
  }
  return JSON.parse(new TextDecoder().decode(out.stdout)) as { samples: number[]; cpuMs: number };
}

/**
 * The raw floor of a push (`bus_floor.ts`): the same bytes in the same number of messages
 * (`chunks` of at most `chunkBytes` each) from a bare socket, read whole by another that
 * answers the last with 64 bytes; null when it cannot open (logged).
 */
async function rawPushFloor(
  c: PushCase,
  bytes: number,
  chunkBytes: number,
): Promise<RawFloor | null> {
  const payloads = [];
  for (let at = 0; at < bytes; at += chunkBytes) {
    payloads.push(new Uint8Array(Math.min(chunkBytes, bytes - at)));
  }
  try {
    return await openRawFloor(c.url, `${c.subject}.floor`, payloads, 64);
  } catch (err) {
    c.log(`bus: raw floor failed: ${err instanceof Error ? err.message : err}`);
    return null;
  }
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Means beside the medians (push times here fall in a fast and a slow mode, so the median
 * can jump between them), and the joined-frame pushes' figures: `pushMeanMs`, `joinedMedianMs`,
 * `joinedMeanMs`, `joinedMinMs`, `joinedSamples`.
 */
function meanAndJoinedFields(
  samples: readonly number[],
  joined: readonly number[],
): Record<string, number> {
  const s = summarize(joined);
  return {
    pushMeanMs: mean(samples),
    joinedMedianMs: s.median,
    joinedMeanMs: mean(joined),
    joinedMinMs: s.min,
    joinedSamples: s.n,
  };
}

/**
 * Times one push case (wall time per push and client CPU per push, both with the peer's
 * figures when it ran) and returns its two records.
 */
export async function benchPush(c: PushCase, tensor: WireTensor): Promise<BenchRecord[]> {
  const chunkBytes = pushChunkBytes(c.pusher.maxPayload);
  const rounds = c.withPeer ? PEER_ROUNDS : 1;
  const per = Math.max(1, Math.ceil(c.timing.reps / rounds));
  const samples: number[] = [];
  const peerSamples: number[] = [];
  let cpuMs = 0;
  let peerCpuMs = 0;
  let peerFailed = false;
  const sent = c.fp16 ? compressTensor(tensor) : tensor;
  const floor = await rawPushFloor(c, sent.data.byteLength, chunkBytes);
  const floorSamples: number[] = [];
  const joinedSamples: number[] = [];
  // Alternate our rounds with the peer's (and the raw floor's) so all see the same load.
  for (let r = 0; r < rounds; r++) {
    const run = () => push(c, tensor, chunkBytes);
    const joined = () => push(c, tensor, chunkBytes, true);
    for (let w = 0; w < (r ? 2 : c.timing.warmup); w++) {
      await run();
      await joined();
    }
    // One of ours, then one joined, and so on: both see the same moments of the machine.
    const start = performance.now();
    for (let i = 0; i < per; i++) {
      if (i >= Math.min(per, MIN_REPS) && performance.now() - start > c.timing.budgetMs) break;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await run();
      samples.push(performance.now() - t0);
      const cpu = process.cpuUsage(cpu0);
      cpuMs += (cpu.user + cpu.system) / 1000;
      const t1 = performance.now();
      await joined();
      joinedSamples.push(performance.now() - t1);
    }
    if (floor) {
      for (let w = 0; w < 2; w++) await floor.roundTrip();
      floorSamples.push(...await measure(floor.roundTrip, { ...c.timing, reps: per, warmup: 0 }));
    }
    if (!c.withPeer || peerFailed) continue;
    try {
      const p = await nodePeer(c.url, chunkBytes, c.timing.warmup, per);
      peerSamples.push(...p.samples);
      peerCpuMs += p.cpuMs;
    } catch (err) {
      peerFailed = true;
      c.log(`bus: node peer failed: ${err instanceof Error ? err.message : err}`);
    }
  }
  const peer: PeerMeasurement | null = peerSamples.length > 0 && !peerFailed
    ? { peer: "nats-node", summary: summarize(peerSamples) }
    : null;
  floor?.close();
  const extra = {
    ...c.extra,
    chunkBytes,
    chunks: splitTensors({ grad: sent }, chunkBytes).length,
    ...(floorSamples.length > 0 ? rawFloorFields(floorSamples, "Ms") : {}),
    ...meanAndJoinedFields(samples, joinedSamples),
  };
  // CPU per push of both client connections: steadier than wall time on a busy machine.
  const cpuKey = { ...c.key, metric: "client_cpu_ms", unit: "ms" };
  const one = (v: number, n: number) => ({ median: v, min: v, p90: v, n });
  const cpuPeer = peer
    ? { peer: peer.peer, summary: one(peerCpuMs / peerSamples.length, peerSamples.length) }
    : null;
  return [
    makeRecord(c.key, summarize(samples), { peer, extra }),
    makeRecord(cpuKey, one(cpuMs / samples.length, samples.length), { peer: cpuPeer, extra }),
  ];
}
