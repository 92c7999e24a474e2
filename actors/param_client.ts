/**
 * The worker side of the parameter server: pulls a trial's parameters from every shard into
 * buffers it keeps and reuses, and pushes gradients to the shard that owns each variable
 * (learnt from the pulls), chunked below the bus's max payload, optionally as fp16.
 *
 * @module
 */
import type { Bus } from "./bus/bus.ts";
import { RequestTimeoutError } from "./bus/bus.ts";
import { splitTensors } from "./chunks.ts";
import { decode, encodeParts } from "./codec.ts";
import { compressTensor } from "./fp16.ts";
import { chunkBytesFor, ParamServerError } from "./param_wire.ts";
import { pullShard, type ShardBuffers } from "./param_pull.ts";
import {
  type GradAckMessage,
  PROTOCOL_VERSION,
  type Subjects,
  type WireTensor,
} from "./protocol.ts";

/** Timeout of pulls and pushes (a synchronous push waits for every worker). @default 60000 */
export const DEFAULT_PARAM_TIMEOUT_MS = 60_000;

/** Options of {@linkcode ParamClient}. */
export interface ParamClientOptions {
  readonly run: string;
  readonly trialId: string;
  readonly workerId: string;
  readonly subjects: Subjects;
  /** Number of server shards. @default 1 */
  readonly shards?: number;
  /** Send gradients as fp16. @default false */
  readonly fp16?: boolean;
  /** @default DEFAULT_PARAM_TIMEOUT_MS */
  readonly timeoutMs?: number;
}

/** What `pull()` returns. */
export interface PullResult {
  /** Parameters by name; the same arrays are updated in place by later pulls. */
  readonly params: Readonly<Record<string, Float32Array>>;
  readonly shapes: Readonly<Record<string, readonly number[]>>;
  /** Version of each shard. */
  readonly versions: readonly number[];
  /** The smallest shard version (all equal in synchronous mode). */
  readonly version: number;
  /** Whether any shard sent new values. */
  readonly changed: boolean;
}

/** Options of `push()`. */
export interface PushOptions {
  /** The worker's step counter (echoed in the acks). */
  readonly step: number;
  /** Version(s) the gradients were computed at. @default the versions of the last pull */
  readonly baseVersion?: number | readonly number[];
}

/** What `push()` returns. */
export interface PushResult {
  /** Whether every shard accepted. */
  readonly accepted: boolean;
  /** Each shard's version after the push. */
  readonly versions: readonly number[];
  readonly acks: readonly GradAckMessage[];
}

/**
 * A parameter-server client for one worker and trial.
 *
 * @example
 * ```ts
 * import { InProcessBus } from "./bus/in_process.ts";
 * import { ParamClient } from "./param_client.ts";
 * import { startParamServer } from "./param_server.ts";
 * import { createSubjects } from "./protocol.ts";
 * const bus = new InProcessBus();
 * const subjects = createSubjects();
 * const server = startParamServer(bus, {
 *   run: "r1", trialId: "t0", subjects, optimizer: { kind: "sgd", lr: 1 },
 *   params: { w: { shape: [2], data: new Float32Array([1, 2]) } }, mode: { kind: "sync", workers: 1 },
 * });
 * const client = new ParamClient(bus, { run: "r1", trialId: "t0", workerId: "w1", subjects });
 * await client.pull();
 * const ack = await client.push({ w: new Float32Array([1, 1]) }, { step: 1 });
 * const { params, version } = await client.pull();
 * console.assert(ack.accepted && version === 1 && params.w![0] === 0);
 * server.stop();
 * await bus.close();
 * ```
 */
export class ParamClient {
  readonly options: ParamClientOptions;
  #bus: Bus;
  #shards: ShardBuffers[];
  #params: Record<string, Float32Array> = {};
  #shapes: Record<string, readonly number[]> = {};
  #owner = new Map<string, number>();
  #seq = 0;

  constructor(bus: Bus, options: ParamClientOptions) {
    const shards = options.shards ?? 1;
    if (!Number.isInteger(shards) || shards < 1) {
      throw new RangeError(`Cannot use ${shards} parameter shards: expected an integer >= 1`);
    }
    this.#bus = bus;
    this.options = options;
    this.#shards = Array.from({ length: shards }, () => ({ version: -1, names: [] }));
  }

  /** Pulls every shard (only chunks of shards that changed travel). */
  async pull(): Promise<PullResult> {
    const o = this.options;
    const timeoutMs = o.timeoutMs ?? DEFAULT_PARAM_TIMEOUT_MS;
    const changed = await Promise.all(this.#shards.map((s, shard) =>
      pullShard(this.#bus, s, {
        run: o.run,
        trialId: o.trialId,
        shard,
        workerId: o.workerId,
        subject: o.subjects.paramPull(o.run, o.trialId, shard),
        params: this.#params,
        shapes: this.#shapes,
        timeoutMs,
      })
    ));
    this.#shards.forEach((s, shard) => s.names.forEach((n) => this.#owner.set(n, shard)));
    const versions = this.#shards.map((s) => s.version);
    return {
      params: this.#params,
      shapes: this.#shapes,
      versions,
      version: Math.min(...versions),
      changed: changed.some((c) => c),
    };
  }

  /**
   * Pushes gradients (by parameter name; every name must have been pulled) to every shard
   * and resolves with the acks. Refusals (stale version, ...) resolve with
   * `accepted: false`; a server error reply rejects with `ParamServerError`. The gradients
   * are sent without being copied: they must not change until the returned promise settles.
   */
  async push(
    grads: Readonly<Record<string, Float32Array>>,
    options: PushOptions,
  ): Promise<PushResult> {
    const o = this.options;
    const per: Record<string, WireTensor>[] = this.#shards.map(() => ({}));
    for (const [name, data] of Object.entries(grads)) {
      const shard = this.#owner.get(name);
      const shape = this.#shapes[name];
      if (shard === undefined || shape === undefined) {
        throw new RangeError(`Cannot push a gradient of "${name}": no pulled parameter has it`);
      }
      const t: WireTensor = { dtype: "float32", shape, data };
      per[shard]![name] = o.fp16 ? compressTensor(t) : t;
    }
    const base = options.baseVersion;
    const acks = await Promise.all(per.map((tensors, shard) =>
      this.#pushShard(shard, tensors, {
        step: options.step,
        baseVersion: typeof base === "number"
          ? base
          : base?.[shard] ?? this.#shards[shard]!.version,
      })
    ));
    return {
      accepted: acks.every((a) => a.accepted),
      versions: acks.map((a) => a.version),
      acks,
    };
  }

  async #pushShard(
    shard: number,
    tensors: Record<string, WireTensor>,
    at: { step: number; baseVersion: number },
  ): Promise<GradAckMessage> {
    const o = this.options;
    const subject = o.subjects.gradPush(o.run, o.trialId, shard);
    const transfer = `${o.workerId}-${++this.#seq}`;
    const ids = [o.run, o.trialId, o.workerId, transfer];
    const chunks = splitTensors(tensors, chunkBytesFor(this.#bus.maxPayload, ids));
    // As parts: the gradients' bytes go to the bus uncopied (they do not change before the ack).
    const frames = chunks.map((parts, index) =>
      encodeParts({
        type: "grad-push",
        v: PROTOCOL_VERSION,
        run: o.run,
        trialId: o.trialId,
        shard,
        workerId: o.workerId,
        step: at.step,
        baseVersion: at.baseVersion,
        chunk: { transfer, index, count: chunks.length },
        parts,
      })
    );
    for (const f of frames.slice(0, -1)) this.#bus.publish(subject, f);
    const timeoutMs = o.timeoutMs ?? DEFAULT_PARAM_TIMEOUT_MS;
    let bytes: Uint8Array;
    try {
      bytes = await this.#bus.request(subject, frames.at(-1)!, { timeoutMs });
    } catch (err) {
      if (err instanceof RequestTimeoutError) {
        throw new ParamServerError("timeout", `no grad-ack within ${timeoutMs} ms`, { cause: err });
      }
      throw err;
    }
    const m = decode(bytes);
    if (m.type === "error") throw new ParamServerError(m.reason, m.message);
    if (m.type !== "grad-ack" || m.transfer !== transfer) {
      throw new ParamServerError("unexpected-reply", `got ${m.type} for transfer ${transfer}`);
    }
    return m;
  }
}
