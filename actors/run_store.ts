/**
 * Run state and checkpoints in a JetStream KV bucket, so a stopped coordinator can resume:
 * one JSON state per run (spec, front, ... whatever the coordinator keeps) with
 * compare-and-set on its revision, and the results of the run's finished jobs.
 *
 * Keys: `run.<run>` for the state, `result.<run>.<jobId>` for job results (job ids are
 * escaped to KV key characters).
 *
 * @module
 */
import { JetStreamApiError } from "@nats-io/jetstream";
import { type KV, Kvm } from "@nats-io/kv";
import { decode, encode } from "./codec.ts";
import type { HasConnection } from "./jetstream_stream.ts";
import type { JobResultMessage, JsonValue } from "./protocol.ts";
import { checkToken } from "./subjects.ts";

/** The bucket. @default "tailor_runs" */
export const RUNS_BUCKET = "tailor_runs";

/** A run's stored state and the revision to compare-and-set against. */
export interface StoredRun {
  readonly run: string;
  readonly state: JsonValue;
  readonly revision: number;
}

/** Options of {@linkcode RunStore.put}. */
export interface PutOptions {
  /** Write only if the stored revision is this one (0: only if there is none). */
  readonly revision?: number;
}

/** Run states and job results of every run. */
export interface RunStore {
  /**
   * Stores `state` for `run` and returns the new revision; with `revision`, throws
   * `RevisionConflictError` unless the stored revision is that one.
   */
  put(run: string, state: JsonValue, options?: PutOptions): Promise<number>;
  /** The stored state, or null. */
  get(run: string): Promise<StoredRun | null>;
  /** Ids of the runs with a state, sorted. */
  list(): Promise<string[]>;
  /** Removes the run's state and job results. */
  delete(run: string): Promise<void>;
  /** Stores a job's result under its run and job id. */
  putResult(result: JobResultMessage): Promise<void>;
  /** A stored job result, or null. */
  getResult(run: string, jobId: string): Promise<JobResultMessage | null>;
  /** Ids of the run's jobs with a stored result, sorted. */
  finishedJobs(run: string): Promise<string[]>;
}

/** A compare-and-set found another revision (someone else wrote the run). */
export class RevisionConflictError extends Error {
  readonly run: string;
  readonly expected: number;
  constructor(run: string, expected: number, options?: { cause?: unknown }) {
    super(`Cannot update run ${run}: its revision is no longer ${expected}`, options);
    this.name = "RevisionConflictError";
    this.run = run;
    this.expected = expected;
  }
}

/** Options of {@linkcode runStore}. */
export interface RunStoreOptions {
  /** @default RUNS_BUCKET */
  readonly bucket?: string;
}

const te = new TextEncoder();
const td = new TextDecoder();

/** Escapes a job id to KV key characters (`=XX` for every other byte). */
export function jobKey(jobId: string): string {
  if (typeof jobId !== "string" || jobId === "") {
    throw new TypeError(`Cannot store job id ${JSON.stringify(jobId)}: it must be non-empty`);
  }
  return [...te.encode(jobId)].map((b) => {
    const c = String.fromCharCode(b);
    return /[A-Za-z0-9_-]/.test(c) ? c : `=${b.toString(16).padStart(2, "0")}`;
  }).join("");
}

function unescapeKey(key: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < key.length; i++) {
    if (key[i] === "=") {
      bytes.push(parseInt(key.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(key.charCodeAt(i));
  }
  return td.decode(new Uint8Array(bytes));
}

async function collect(kv: KV, filter: string): Promise<string[]> {
  const out: string[] = [];
  for await (const k of await kv.keys(filter)) out.push(k);
  return out.sort();
}

/**
 * Opens (creating if needed) the runs bucket.
 *
 * @example
 * ```ts ignore
 * const store = await runStore(bus);
 * const rev = await store.put("run1", { spec, front: [] }, { revision: 0 });
 * await store.put("run1", { spec, front }, { revision: rev });
 * ```
 */
export async function runStore(
  bus: HasConnection,
  options: RunStoreOptions = {},
): Promise<RunStore> {
  const kv = await new Kvm(bus.connection).create(options.bucket ?? RUNS_BUCKET);
  const runKey = (run: string) => `run.${checkToken("run id", run)}`;
  const resultKey = (run: string, jobId: string) =>
    `result.${checkToken("run id", run)}.${jobKey(jobId)}`;
  const fits = (what: string, bytes: Uint8Array) => {
    const max = bus.connection.info?.max_payload ?? Infinity;
    if (bytes.length > max - 1024) {
      throw new RangeError(`Cannot store ${what}: ${bytes.length} bytes exceed the max payload`);
    }
    return bytes;
  };
  const live = async (key: string) => {
    const e = await kv.get(key);
    return e === null || e.operation !== "PUT" ? null : e;
  };
  return {
    async put(run, state, o = {}) {
      const key = runKey(run);
      const bytes = fits(`run ${run}`, te.encode(JSON.stringify(state)));
      if (o.revision === undefined) return await kv.put(key, bytes);
      try {
        return o.revision === 0
          ? await kv.create(key, bytes)
          : await kv.update(key, bytes, o.revision);
      } catch (e) {
        if (e instanceof JetStreamApiError && /wrong last sequence|exists/i.test(e.message)) {
          throw new RevisionConflictError(run, o.revision, { cause: e });
        }
        throw e;
      }
    },
    async get(run) {
      const e = await live(runKey(run));
      return e === null ? null : { run, state: e.json<JsonValue>(), revision: e.revision };
    },
    async list() {
      return (await collect(kv, "run.*")).map((k) => k.slice("run.".length));
    },
    async delete(run) {
      for (const k of await collect(kv, `result.${checkToken("run id", run)}.*`)) {
        await kv.purge(k);
      }
      await kv.purge(runKey(run));
    },
    async putResult(result) {
      await kv.put(
        resultKey(result.run, result.jobId),
        fits(`the result of job ${result.jobId}`, encode(result)),
      );
    },
    async getResult(run, jobId) {
      const e = await live(resultKey(run, jobId));
      if (e === null) return null;
      const m = decode(e.value);
      if (m.type !== "job-result") throw new TypeError(`Stored result of ${jobId} is a ${m.type}`);
      return m;
    },
    async finishedJobs(run) {
      const prefix = `result.${checkToken("run id", run)}.`;
      return (await collect(kv, `${prefix}*`)).map((k) => unescapeKey(k.slice(prefix.length)))
        .sort();
    },
  };
}
