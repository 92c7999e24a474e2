/**
 * The pull side of a parameter-server shard, as a pure function: which reply answers a
 * `param-pull` given the current version and the encoded reply chunks of each version.
 *
 * @module
 */
import { splitTensors } from "./chunks.ts";
import { encode } from "./codec.ts";
import type { ParamTensor } from "./param_store.ts";
import { chunkBytesFor, RejectError } from "./param_wire.ts";
import { type ParamPullMessage, PROTOCOL_VERSION, type WireTensor } from "./protocol.ts";

/** The reply to one pull. */
export interface PullReply {
  readonly bytes: Uint8Array;
  /** Whether it is the empty "unchanged" reply. */
  readonly unchanged: boolean;
}

/**
 * Answers `m`: the empty "unchanged" reply when chunk 0 is asked by a worker that holds
 * `current`; else chunk `m.chunk` of the version asked (`current` for chunk 0, `m.version`
 * for later chunks). Throws `RejectError` (`version-gone`, `invalid-field`) when that version
 * is no longer kept or the chunk does not exist.
 */
export function handlePull(
  m: ParamPullMessage,
  current: number,
  frames: (version: number) => readonly Uint8Array[] | undefined,
): PullReply {
  if (m.chunk === 0 && m.haveVersion === current) {
    const bytes = encode({
      type: "param-reply",
      v: PROTOCOL_VERSION,
      run: m.run,
      trialId: m.trialId,
      shard: m.shard,
      version: current,
      chunk: { transfer: `${m.shard}-v${current}-same`, index: 0, count: 1 },
      parts: [],
    });
    return { bytes, unchanged: true };
  }
  const version = m.chunk === 0 ? current : m.version ?? current;
  const f = frames(version);
  if (!f) throw new RejectError("version-gone", `version ${version} is no longer kept`);
  const bytes = f[m.chunk];
  if (!bytes) {
    throw new RejectError("invalid-field", `chunk ${m.chunk} of ${f.length} does not exist`);
  }
  return { bytes, unchanged: false };
}

/** Identity of a shard's replies. */
export interface ReplyContext {
  readonly run: string;
  readonly trialId: string;
  readonly shard: number;
}

/**
 * The encoded reply chunks of a shard, built once per version from the live parameters and
 * kept for the current and the previous version.
 */
export class ReplyCache {
  #cache = new Map<number, Uint8Array[]>();
  #ctx: ReplyContext;

  constructor(ctx: ReplyContext) {
    this.#ctx = ctx;
  }

  /**
   * The chunks of `version`: built from `params` if it is `current` and not yet cached,
   * `undefined` if it is neither current nor kept.
   */
  frames(
    version: number,
    current: number,
    params: ReadonlyMap<string, ParamTensor>,
    maxPayload: number,
  ): Uint8Array[] | undefined {
    let f = this.#cache.get(version);
    if (f || version !== current) return f;
    const { run, trialId, shard } = this.#ctx;
    const views: Record<string, WireTensor> = {};
    for (const [n, p] of params) views[n] = { dtype: "float32", shape: p.shape, data: p.data };
    const transfer = `${shard}-v${version}`;
    const chunks = splitTensors(views, chunkBytesFor(maxPayload, [run, trialId, transfer]));
    f = chunks.map((parts, index) =>
      encode({
        type: "param-reply",
        v: PROTOCOL_VERSION,
        run,
        trialId,
        shard,
        version,
        chunk: { transfer, index, count: chunks.length },
        parts,
      })
    );
    this.#cache.set(version, f);
    for (const k of this.#cache.keys()) if (k < version - 1) this.#cache.delete(k);
    return f;
  }

  /** Drops every cached version. */
  clear(): void {
    this.#cache.clear();
  }
}
