/**
 * Subject names, all under one configurable prefix. Part of the protocol vocabulary; import
 * them from `protocol.ts`. Ids used inside subjects (run, trial, worker) must be single
 * subject tokens: letters, digits, `_` and `-`.
 *
 * @module
 */
import { DEFAULT_PREFIX } from "./protocol.ts";

const TOKEN = /^[A-Za-z0-9_-]+$/;

/** Subject configuration. */
export interface SubjectOptions {
  /** Dot-separated tokens in front of every subject. @default DEFAULT_PREFIX */
  readonly prefix?: string;
}

/** The subject builders of one deployment. */
export interface Subjects {
  readonly prefix: string;
  /** JSON monitoring events of a run: `<prefix>.<run>.events`. */
  events(run: string): string;
  /** Events of every run: `<prefix>.*.events`. */
  allEvents(): string;
  /** A worker's heartbeats: `<prefix>.workers.<id>.heartbeat`. */
  heartbeat(workerId: string): string;
  /** Every worker's heartbeats: `<prefix>.workers.*.heartbeat`. */
  allHeartbeats(): string;
  /** Jobs of a run (the JetStream work-queue subject): `<prefix>.<run>.jobs.<kind>`. */
  jobs(run: string, kind: string): string;
  /** Every run's jobs, for the stream's subject filter: `<prefix>.*.jobs.>`. */
  allJobs(): string;
  /** Job results of a run: `<prefix>.<run>.results`. */
  results(run: string): string;
  /** Parameter pulls of a shard: `<prefix>.<run>.params.<trial>.<shard>.pull`. */
  paramPull(run: string, trialId: string, shard: number): string;
  /** Gradient pushes to a shard: `<prefix>.<run>.params.<trial>.<shard>.grad`. */
  gradPush(run: string, trialId: string, shard: number): string;
}

/** Throws a `TypeError` unless `value` is one subject token. */
export function checkToken(what: string, value: string): string {
  if (typeof value !== "string" || !TOKEN.test(value)) {
    throw new TypeError(
      `Cannot use ${what} ${JSON.stringify(value)} in a subject: use letters, digits, _ and -`,
    );
  }
  return value;
}

function checkShard(shard: number): string {
  if (!Number.isInteger(shard) || shard < 0) {
    throw new RangeError(`Cannot use shard ${shard} in a subject: it must be an integer >= 0`);
  }
  return String(shard);
}

/**
 * Subject builders under `prefix`.
 *
 * @example
 * ```ts
 * import { createSubjects } from "./protocol.ts";
 * const s = createSubjects({ prefix: "lab" });
 * console.assert(s.events("run1") === "lab.run1.events");
 * console.assert(s.heartbeat("w-1") === "lab.workers.w-1.heartbeat");
 * ```
 */
export function createSubjects(options: SubjectOptions = {}): Subjects {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  if (typeof prefix !== "string" || prefix.split(".").some((t) => !TOKEN.test(t))) {
    throw new TypeError(
      `Cannot use subject prefix ${JSON.stringify(prefix)}: use dot-separated tokens`,
    );
  }
  const run = (id: string) => {
    if (id === "workers") throw new TypeError(`Cannot use run id "workers": it is reserved`);
    return `${prefix}.${checkToken("run id", id)}`;
  };
  const shardBase = (r: string, trial: string, shard: number) =>
    `${run(r)}.params.${checkToken("trial id", trial)}.${checkShard(shard)}`;
  return {
    prefix,
    events: (r) => `${run(r)}.events`,
    allEvents: () => `${prefix}.*.events`,
    heartbeat: (w) => `${prefix}.workers.${checkToken("worker id", w)}.heartbeat`,
    allHeartbeats: () => `${prefix}.workers.*.heartbeat`,
    jobs: (r, kind) => `${run(r)}.jobs.${checkToken("job kind", kind)}`,
    allJobs: () => `${prefix}.*.jobs.>`,
    results: (r) => `${run(r)}.results`,
    paramPull: (r, t, s) => `${shardBase(r, t, s)}.pull`,
    gradPush: (r, t, s) => `${shardBase(r, t, s)}.grad`,
  };
}
