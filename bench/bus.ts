/**
 * The `bus` benchmark suite: message costs through a real `nats-server` the suite starts.
 *
 * - `grad-push-4mb`: a worker pushes a 4 MiB float32 gradient to a parameter-server stand-in
 *   and waits for its ack. The tensor is split into chunks below the server's max payload,
 *   each encoded as a `grad-push` frame; all but the last are published back to back and the
 *   last is sent as a request, so the two hops through the server overlap. The responder
 *   decodes every chunk (zero-copy views), reassembles the tensor and replies with an encoded
 *   `grad-ack`. Peer: the npm `nats` client in Node.js moving the same bytes in the same
 *   chunks (raw, without our codec).
 * - `grad-push-4mb-fp16`: the same with fp16 compression (conversion included).
 * - `request-reply-small`: an encoded `param-pull` request answered by an encoded `grad-ack`.
 *
 * @module
 */
import { connectNatsBus, type NatsBus } from "../actors/bus/nats.ts";
import { splitTensors } from "../actors/chunks.ts";
import { decode, encode } from "../actors/codec.ts";
import { compressTensor } from "../actors/fp16.ts";
import { startNatsServer } from "../actors/nats_server.ts";
import {
  type GradAckMessage,
  type GradPushMessage,
  type ParamPullMessage,
  PROTOCOL_VERSION,
  type WireTensor,
} from "../actors/protocol.ts";
import { type BenchRecord, errorRecord, makeRecord, type PeerMeasurement } from "./record.ts";
import { summarize } from "./stats.ts";
import { measure } from "./timing.ts";
import process from "node:process";

/** Bytes of the pushed gradient. @default 4 MiB */
export const PUSH_BYTES = 4 << 20;
/** Bytes left for the frame header when chunks are sized from the max payload. @default 4 KiB */
export const CHUNK_HEADROOM_BYTES = 4 << 10;

/** Our timed runs and the peer's alternate in this many rounds. @default 3 */
export const PEER_ROUNDS = 3;

/** Options of `benchBus`. */
export interface BenchBusOptions {
  readonly warmup?: number;
  readonly reps?: number;
  readonly budgetMs?: number;
  /** Skip the Node.js peer. */
  readonly noPeer?: boolean;
  /** Data bytes per chunk. @default the server's max payload - CHUNK_HEADROOM_BYTES */
  readonly chunkBytes?: number;
  readonly log?: (line: string) => void;
}

const SUBJECT = "bench.tailor.grad";
const PULL = "bench.tailor.pull";
const PEER_SCRIPT = new URL("./node_peer/peer.mjs", import.meta.url);

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
 * Subscribes a parameter-server stand-in: decodes and validates every chunk (tensor data as
 * zero-copy views where aligned), checks each transfer arrives whole, and acks it. It does
 * not aggregate: summing gradients is compute, not bus cost, and the peer does none either.
 */
function serve(bus: NatsBus): void {
  const received = new Map<string, { chunks: number; elements: number }>();
  bus.subscribe(SUBJECT, (msg) => {
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
  bus.subscribe(PULL, (msg) => {
    const p = decode(msg.data) as ParamPullMessage;
    msg.respond(ack({
      ...p,
      type: "grad-push",
      step: 0,
      baseVersion: 0,
      chunk: { transfer: "p", index: 0, count: 1 },
      parts: [],
    }));
  });
}

let transferSeq = 0;

async function push(bus: NatsBus, tensor: WireTensor, chunkBytes: number, fp16: boolean) {
  const t = fp16 ? compressTensor(tensor) : tensor;
  const chunks = splitTensors({ grad: t }, chunkBytes);
  const transfer = `x${++transferSeq}`;
  const frames = chunks.map((parts, index) =>
    encode({
      type: "grad-push",
      v: PROTOCOL_VERSION,
      run: "bench",
      trialId: "t0",
      shard: 0,
      workerId: "w0",
      step: transferSeq,
      baseVersion: 0,
      chunk: { transfer, index, count: chunks.length },
      parts,
    })
  );
  for (let i = 0; i < frames.length - 1; i++) bus.publish(SUBJECT, frames[i]!);
  const reply = decode(
    await bus.request(SUBJECT, frames[frames.length - 1]!, { timeoutMs: 10_000 }),
  );
  if (reply.type !== "grad-ack" || !reply.accepted) throw new Error("push was not acknowledged");
}

async function nodePeer(
  url: string,
  chunkBytes: number,
  warmup: number,
  reps: number,
): Promise<{ samples: number[]; cpuMs: number }> {
  const out = await new Deno.Command("node", {
    args: [
      PEER_SCRIPT.pathname,
      url,
      String(PUSH_BYTES),
      String(chunkBytes),
      String(warmup),
      String(reps),
    ],
    stdin: "null",
  }).output();
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-3).join(" ");
    throw new Error(`node peer failed (run npm install in bench/node_peer): ${err}`);
  }
  return JSON.parse(new TextDecoder().decode(out.stdout)) as { samples: number[]; cpuMs: number };
}

/**
 * Runs the bus suite against a nats-server it starts and stops.
 *
 * @example
 * ```ts ignore
 * import { benchBus } from "./bench/bus.ts";
 * const records = await benchBus({ reps: 20, noPeer: true });
 * console.log(records.map((r) => `${r.case} ${r.value} ${r.unit}`));
 * ```
 */
export async function benchBus(options: BenchBusOptions = {}): Promise<BenchRecord[]> {
  const log = options.log ?? (() => {});
  const warmup = options.warmup ?? 10;
  const reps = options.reps ?? 50;
  const timing = { warmup, reps, budgetMs: options.budgetMs ?? 30_000 };
  const server = await startNatsServer();
  const records: BenchRecord[] = [];
  try {
    const pusher = await connectNatsBus({ servers: server.url, name: "bench-pusher" });
    const ps = await connectNatsBus({ servers: server.url, name: "bench-param-server" });
    const chunkBytes = options.chunkBytes ?? pusher.maxPayload - CHUNK_HEADROOM_BYTES;
    const extra = { payloadBytes: PUSH_BYTES, chunkBytes, transport: "deno-tcp" };
    try {
      serve(ps);
      await ps.flush();
      const data = Float32Array.from({ length: PUSH_BYTES / 4 }, (_, i) => Math.sin(i));
      const tensor: WireTensor = { dtype: "float32", shape: [data.length], data };
      for (const fp16 of [false, true]) {
        const key = {
          suite: "bus",
          case: fp16 ? "grad-push-4mb-fp16" : "grad-push-4mb",
          metric: "push_ack_ms",
          unit: "ms",
        };
        try {
          log(`bus: ${key.case}`);
          const withPeer = !fp16 && !options.noPeer;
          const rounds = withPeer ? PEER_ROUNDS : 1;
          const per = Math.max(1, Math.ceil(reps / rounds));
          const samples: number[] = [];
          const peerSamples: number[] = [];
          let cpuMs = 0;
          let peerCpuMs = 0;
          let peerFailed = false;
          // Alternate our rounds with the peer's so both see the same machine load.
          for (let r = 0; r < rounds; r++) {
            const run = () => push(pusher, tensor, chunkBytes, fp16);
            for (let w = 0; w < (r ? 2 : warmup); w++) await run();
            const cpu0 = process.cpuUsage();
            samples.push(...await measure(run, { ...timing, reps: per, warmup: 0 }));
            const cpu = process.cpuUsage(cpu0);
            cpuMs += (cpu.user + cpu.system) / 1000;
            if (!withPeer || peerFailed) continue;
            try {
              const p = await nodePeer(server.url, chunkBytes, warmup, per);
              peerSamples.push(...p.samples);
              peerCpuMs += p.cpuMs;
            } catch (err) {
              peerFailed = true;
              log(`bus: node peer failed: ${err instanceof Error ? err.message : err}`);
            }
          }
          const peer: PeerMeasurement | null = peerSamples.length > 0 && !peerFailed
            ? { peer: "nats-node", summary: summarize(peerSamples) }
            : null;
          records.push(makeRecord(key, summarize(samples), { peer, extra }));
          // CPU per push of both client connections: steadier than wall time on a busy machine.
          const cpuKey = { ...key, metric: "client_cpu_ms", unit: "ms" };
          const one = (v: number, n: number) => ({ median: v, min: v, p90: v, n });
          const cpuPeer = peer
            ? { peer: peer.peer, summary: one(peerCpuMs / peerSamples.length, peerSamples.length) }
            : null;
          records.push(
            makeRecord(cpuKey, one(cpuMs / samples.length, samples.length), {
              peer: cpuPeer,
              extra,
            }),
          );
        } catch (err) {
          records.push(errorRecord(key, err, { extra }));
        }
      }
      const key = {
        suite: "bus",
        case: "request-reply-small",
        metric: "round_trip_us",
        unit: "us",
      };
      try {
        log(`bus: ${key.case}`);
        const pull = encode({
          type: "param-pull",
          v: PROTOCOL_VERSION,
          run: "bench",
          trialId: "t0",
          shard: 0,
          workerId: "w0",
          haveVersion: 3,
          chunk: 0,
        });
        const samples = await measure(async () => {
          decode(await pusher.request(PULL, pull, { timeoutMs: 5000 }));
        }, { warmup: warmup * 10, reps: reps * 20, budgetMs: timing.budgetMs });
        records.push(
          makeRecord(key, summarize(samples.map((ms) => ms * 1000)), {
            extra: { transport: "deno-tcp" },
          }),
        );
      } catch (err) {
        records.push(errorRecord(key, err));
      }
    } finally {
      await pusher.close();
      await ps.close();
    }
  } finally {
    await server.stop();
  }
  return records;
}

if (import.meta.main) {
  const records = await benchBus({ log: (l) => console.error(l) });
  console.log(JSON.stringify(records, null, 2));
}
