/**
 * Pulling one parameter-server shard into buffers that are reused across pulls: the first
 * chunk tells the version and chunk count, the other chunks are requested at once (pinned
 * to that version) and copied into place. A pull that races past the versions the server
 * keeps starts over.
 *
 * @module
 */
import type { Bus } from "./bus/bus.ts";
import { RequestTimeoutError } from "./bus/bus.ts";
import { decode, encode } from "./codec.ts";
import { ParamServerError } from "./param_wire.ts";
import { type ParamReplyMessage, PROTOCOL_VERSION } from "./protocol.ts";

/** Attempts of a pull whose version went away in the middle. @default 3 */
export const PULL_ATTEMPTS = 3;

/** What a client keeps per shard. */
export interface ShardBuffers {
  /** Version held (-1 before the first pull). */
  version: number;
  /** Names the shard sent. */
  names: string[];
}

/** Where and what to pull. */
export interface PullShardOptions {
  readonly run: string;
  readonly trialId: string;
  readonly shard: number;
  readonly workerId: string;
  readonly subject: string;
  /** Buffers by name, updated in place (new ones are added). */
  readonly params: Record<string, Float32Array>;
  readonly shapes: Record<string, readonly number[]>;
  readonly timeoutMs: number;
}

async function ask(
  bus: Bus,
  o: PullShardOptions,
  have: number,
  chunk: number,
  version?: number,
): Promise<ParamReplyMessage> {
  const req = encode({
    type: "param-pull",
    v: PROTOCOL_VERSION,
    run: o.run,
    trialId: o.trialId,
    shard: o.shard,
    workerId: o.workerId,
    haveVersion: have,
    chunk,
    ...(version === undefined ? {} : { version }),
  });
  let bytes: Uint8Array;
  try {
    bytes = await bus.request(o.subject, req, { timeoutMs: o.timeoutMs });
  } catch (err) {
    if (!(err instanceof RequestTimeoutError)) throw err;
    throw new ParamServerError("timeout", `no param-reply within ${o.timeoutMs} ms`, {
      cause: err,
    });
  }
  const m = decode(bytes);
  if (m.type === "error") throw new ParamServerError(m.reason, m.message);
  if (m.type !== "param-reply" || m.shard !== o.shard || (version ?? m.version) !== m.version) {
    throw new ParamServerError("unexpected-reply", `got ${m.type} for shard ${o.shard}`);
  }
  return m;
}

function place(m: ParamReplyMessage, o: PullShardOptions, filled: Map<string, number>): void {
  for (const p of m.parts) {
    const n = p.shape.reduce((a, b) => a * b, 1);
    let buf = o.params[p.name];
    if (!buf || buf.length !== n) o.params[p.name] = buf = new Float32Array(n);
    o.shapes[p.name] = p.shape;
    if (p.slice.dtype !== "float32") {
      throw new ParamServerError("unexpected-reply", `"${p.name}" came as ${p.slice.dtype}`);
    }
    buf.set(p.slice.data as Float32Array, p.offset);
    filled.set(p.name, (filled.get(p.name) ?? 0) + p.slice.data.length);
  }
}

/** Pulls shard `o.shard` into `o.params`; resolves with whether anything changed. */
export async function pullShard(bus: Bus, s: ShardBuffers, o: PullShardOptions): Promise<boolean> {
  for (let attempt = 1;; attempt++) {
    const first = await ask(bus, o, s.version, 0);
    if (first.version === s.version) return false;
    try {
      const rest = await Promise.all(
        Array.from(
          { length: first.chunk.count - 1 },
          (_, i) => ask(bus, o, s.version, i + 1, first.version),
        ),
      );
      const filled = new Map<string, number>();
      for (const m of [first, ...rest]) place(m, o, filled);
      for (const [name, n] of filled) {
        if (n !== o.params[name]!.length) {
          throw new ParamServerError("incomplete", `"${name}" got ${n} values`);
        }
      }
      s.version = first.version;
      s.names = [...filled.keys()].sort();
      return true;
    } catch (err) {
      if (
        !(err instanceof ParamServerError && err.reason === "version-gone") ||
        attempt >= PULL_ATTEMPTS
      ) throw err;
    }
  }
}
