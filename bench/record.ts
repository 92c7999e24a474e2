/**
 * The benchmark record: one measured number, optionally next to the same number measured
 * by a peer implementation in the same run. `deno task bench --json FILE` writes an array
 * of these. Fields may be added (min, p90, n, error, ...), never renamed.
 *
 * @module
 */
import type { SampleSummary } from "./stats.ts";

/** One measurement of one metric of one case of one suite. */
export interface BenchRecord {
  /** Suite name (`train`, ...). */
  readonly suite: string;
  /** Case within the suite (e.g. a zoo model name). */
  readonly case: string;
  /** What was measured (e.g. `train_step_ms`). */
  readonly metric: string;
  /** The median measurement; `null` only when the case failed (see `error`). */
  readonly value: number | null;
  /** Unit of `value` and `peerValue` (e.g. `ms`). */
  readonly unit: string;
  /** The peer that measured the same thing (e.g. `pytorch-cpu`), or `null` if none ran. */
  readonly peer: string | null;
  /** The peer's median, or `null`. */
  readonly peerValue: number | null;
  /** `value / peerValue`, or `null` when either is missing. Below 1: we are faster. */
  readonly ratio: number | null;
  /** Smallest sample. */
  readonly min?: number;
  /** 90th-percentile sample. */
  readonly p90?: number;
  /** Number of timed samples. */
  readonly n?: number;
  /** The peer's smallest sample. */
  readonly peerMin?: number;
  /** The peer's 90th-percentile sample. */
  readonly peerP90?: number;
  /** The peer's sample count. */
  readonly peerN?: number;
  /** Why the case failed (then `value` is `null`). */
  readonly error?: string;
  /** Free-form context (backend, batch size, ...). */
  readonly [extra: string]: unknown;
}

/** A peer's measurement of the same case and metric. */
export interface PeerMeasurement {
  /** Peer name, e.g. `pytorch-cpu`. */
  readonly peer: string;
  /** The peer's summary. */
  readonly summary: SampleSummary;
}

/** What identifies a measurement. */
export interface RecordKey {
  readonly suite: string;
  readonly case: string;
  readonly metric: string;
  readonly unit: string;
}

/** `value / peerValue`, or `null` when either is missing or the peer value is not positive. */
export function ratioOf(value: number | null, peerValue: number | null): number | null {
  if (value === null || peerValue === null || !(peerValue > 0)) return null;
  return value / peerValue;
}

/**
 * Builds a record from our summary and an optional peer measurement.
 *
 * @example
 * ```ts
 * import { makeRecord } from "./bench/record.ts";
 * const key = { suite: "train", case: "cnn-s", metric: "infer_ms", unit: "ms" };
 * const r = makeRecord(key, { median: 4, min: 3, p90: 5, n: 10 });
 * console.assert(r.value === 4 && r.ratio === null);
 * ```
 */
export function makeRecord(
  key: RecordKey,
  ours: SampleSummary,
  options: { peer?: PeerMeasurement | null; extra?: Record<string, unknown> } = {},
): BenchRecord {
  const peer = options.peer ?? null;
  const peerValue = peer ? peer.summary.median : null;
  return {
    ...options.extra,
    ...key,
    value: ours.median,
    peer: peer ? peer.peer : null,
    peerValue,
    ratio: ratioOf(ours.median, peerValue),
    min: ours.min,
    p90: ours.p90,
    n: ours.n,
    ...(peer
      ? { peerMin: peer.summary.min, peerP90: peer.summary.p90, peerN: peer.summary.n }
      : {}),
  };
}

/** A record for a case that failed: `value` is `null` and `error` says why. */
export function errorRecord(
  key: RecordKey,
  error: unknown,
  options: { peer?: PeerMeasurement | null; extra?: Record<string, unknown> } = {},
): BenchRecord {
  const peer = options.peer ?? null;
  const raw = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  // deno-lint-ignore no-control-regex
  const message = raw.replace(/\x1b\[[0-9;]*m/g, "");
  return {
    ...options.extra,
    ...key,
    value: null,
    peer: peer ? peer.peer : null,
    peerValue: peer ? peer.summary.median : null,
    ratio: null,
    error: message,
  };
}

function isNullableNumber(x: unknown): boolean {
  return x === null || (typeof x === "number" && Number.isFinite(x));
}

/**
 * Checks that `x` has the record schema; throws a `TypeError` naming the first bad field.
 */
export function assertBenchRecord(x: unknown): asserts x is BenchRecord {
  if (typeof x !== "object" || x === null) {
    throw new TypeError(`Cannot read a bench record from ${JSON.stringify(x)}: not an object`);
  }
  const r = x as Record<string, unknown>;
  for (const f of ["suite", "case", "metric", "unit"]) {
    if (typeof r[f] !== "string" || r[f] === "") {
      throw new TypeError(`Bench record field "${f}" must be a non-empty string: got ${r[f]}`);
    }
  }
  for (const f of ["value", "peerValue", "ratio"]) {
    if (!isNullableNumber(r[f])) {
      throw new TypeError(`Bench record field "${f}" must be a finite number or null: got ${r[f]}`);
    }
  }
  if (r.peer !== null && typeof r.peer !== "string") {
    throw new TypeError(`Bench record field "peer" must be a string or null: got ${r.peer}`);
  }
  if (r.value === null && typeof r.error !== "string") {
    throw new TypeError(`Bench record with a null value must say why in "error"`);
  }
  const expected = ratioOf(r.value as number | null, r.peerValue as number | null);
  const ratio = r.ratio as number | null;
  const ok = expected === null
    ? ratio === null
    : ratio !== null && Math.abs(ratio - expected) <= 1e-9 * Math.abs(expected);
  if (!ok) {
    throw new TypeError(`Bench record field "ratio" must be value / peerValue: got ${ratio}`);
  }
}
