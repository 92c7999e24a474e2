/**
 * Latency of one layer on a profile: an exactly matching measured row (same op, shape
 * signature and bits, batch 1) wins; else the measured rows of the same op and bits are
 * scaled by MACs, interpolating log latency against log MACs between the nearest rows below
 * and above (rows with the layer's kernel and stride are preferred when there are any), and
 * extrapolating proportionally to MACs outside them; else the analytic model
 * `(fixedCyclesPerLayer + max(ops / macsPerCycle, bytes / bytesPerCycle)) / clockHz`.
 * Rows measured at batch > 1 are not used; a row's latency is its mean (`latency.meanMs`:
 * means add up over the layers of a network, medians do not). Rows that carry an epilogue
 * (the batch-norm and activation ops their time includes) price layers with the same
 * epilogue first (`byEpilogue`).
 *
 * @module
 */
import type {
  EpilogueOp,
  HardwareProfile,
  MeasuredRow,
  MeasuredShape,
  ProfileOp,
} from "../profile/types.ts";
import { macsPerCycle, sameEpilogue } from "../profile/lookup.ts";

/** Where a latency came from. */
export type LatencySource = "measured" | "interpolated" | "analytic" | "none";

/** A latency and its origin. */
export interface LatencyEstimate {
  /** Milliseconds per example. */
  readonly ms: number;
  /** How it was obtained. */
  readonly source: LatencySource;
  /** The exactly matching row, when `source === "measured"`. */
  readonly row?: MeasuredRow;
}

/** A measured point: operations (MACs or element ops) and latency. */
export interface LatencyPoint {
  /** MACs (element ops for add / pool) of the row. */
  readonly ops: number;
  /** Latency, ms. */
  readonly ms: number;
}

/** MACs (element ops for add / pool) of a measured row's shape, assuming `same` padding. */
export function rowOps(op: ProfileOp, s: MeasuredShape): number {
  const oh = Math.ceil(s.inH / s.stride);
  const ow = Math.ceil(s.inW / s.stride);
  switch (op) {
    case "add":
      return s.inH * s.inW * s.cin;
    case "pool":
      return oh * ow * s.cin * s.kernel * s.kernel;
    default:
      return (oh * ow * s.cout * s.kernel * s.kernel * s.cin) / s.groups;
  }
}

/**
 * Latency at `ops` from measured points: log-log interpolation between the nearest points
 * below and above, proportional extrapolation outside; points with equal ops are averaged
 * in log space. Returns undefined for no points.
 *
 * @example
 * ```ts
 * import { interpolateLatency } from "./latency.ts";
 * const pts = [{ ops: 1e6, ms: 1 }, { ops: 4e6, ms: 2 }];
 * console.log(interpolateLatency(pts, 2e6)); // ~1.414 (geometric midpoint)
 * console.log(interpolateLatency(pts, 8e6)); // 4 (proportional beyond the last row)
 * ```
 */
export function interpolateLatency(
  points: readonly LatencyPoint[],
  ops: number,
): number | undefined {
  type Acc = { ops: number; logMs: number; n: number; ms: number };
  let lo: Acc | undefined;
  let hi: Acc | undefined;
  for (const p of points) {
    if (!(p.ms > 0) || !(p.ops > 0)) continue;
    const l = Math.log(p.ms);
    const fresh: Acc = { ops: p.ops, logMs: l, n: 1, ms: p.ms };
    if (p.ops <= ops) {
      if (!lo || p.ops > lo.ops) lo = fresh;
      else if (p.ops === lo.ops) lo = { ...lo, logMs: lo.logMs + l, n: lo.n + 1 };
    }
    if (p.ops >= ops) {
      if (!hi || p.ops < hi.ops) hi = { ...fresh };
      else if (p.ops === hi.ops) hi = { ...hi, logMs: hi.logMs + l, n: hi.n + 1 };
    }
  }
  const msOf = (x: Acc) => (x.n === 1 ? x.ms : Math.exp(x.logMs / x.n));
  if (lo && hi) {
    if (lo.ops === hi.ops) return msOf(lo);
    const t = (Math.log(ops) - Math.log(lo.ops)) / (Math.log(hi.ops) - Math.log(lo.ops));
    return Math.exp(Math.log(msOf(lo)) + t * (Math.log(msOf(hi)) - Math.log(msOf(lo))));
  }
  if (lo) return (msOf(lo) * ops) / lo.ops;
  if (hi) return (msOf(hi) * ops) / hi.ops;
  return undefined;
}

/** What a latency query needs about one layer. */
export interface LatencyQuery {
  /** Profile op. */
  readonly op: ProfileOp;
  /** Shape signature (kernel -1 when the kernel is not square: no exact match). */
  readonly shape: MeasuredShape;
  /** Weight bits (ignored by weightless ops). */
  readonly wbits: number;
  /** Activation bits. */
  readonly abits: number;
  /** MACs (element ops for add / pool). */
  readonly ops: number;
  /** Bytes moved (weights + input and output activations), for the analytic model. */
  readonly bytes: number;
  /** The layer's epilogue (`epilogue.ts`); undefined: rows match whatever theirs. */
  readonly epilogue?: readonly EpilogueOp[];
}

const rowCache = new WeakMap<HardwareProfile, Map<ProfileOp, MeasuredRow[]>>();

function rowsByOp(profile: HardwareProfile, op: ProfileOp): readonly MeasuredRow[] {
  let byOp = rowCache.get(profile);
  if (!byOp) {
    byOp = new Map();
    for (const r of profile.measured) {
      if ((r.batch ?? 1) !== 1) continue;
      const list = byOp.get(r.op) ?? [];
      list.push(r);
      byOp.set(r.op, list);
    }
    rowCache.set(profile, byOp);
  }
  return byOp.get(op) ?? [];
}

function sameShape(x: MeasuredShape, y: MeasuredShape): boolean {
  return x.inH === y.inH && x.inW === y.inW && x.cin === y.cin && x.cout === y.cout &&
    x.kernel === y.kernel && x.stride === y.stride && x.groups === y.groups;
}

/**
 * The rows that price a layer with epilogue `e`: those with the same epilogue when there
 * are any, else those without one (they price any layer), else all of them (the nearest
 * measurement there is). Undefined `e`: all rows.
 */
function byEpilogue(
  rows: readonly MeasuredRow[],
  e: readonly EpilogueOp[] | undefined,
): readonly MeasuredRow[] {
  if (e === undefined || rows.every((r) => r.epilogue === undefined)) return rows;
  const same = rows.filter((r) => r.epilogue !== undefined && sameEpilogue(r.epilogue, e));
  if (same.length > 0) return same;
  const any = rows.filter((r) => r.epilogue === undefined);
  return any.length > 0 ? any : rows;
}

/**
 * Latency of one layer (the bits must be supported; callers check and raise
 * `UnsupportedBitsError`).
 */
export function layerLatency(profile: HardwareProfile, q: LatencyQuery): LatencyEstimate {
  const weightless = q.op === "add" || q.op === "pool";
  const rows = byEpilogue(
    rowsByOp(profile, q.op).filter((r) =>
      r.abits === q.abits && (weightless || r.wbits === q.wbits)
    ),
    q.epilogue,
  );
  const exact = rows.find((r) => sameShape(r.shape, q.shape));
  if (exact) return { ms: exact.latency.meanMs, source: "measured", row: exact };
  const alike = rows.filter((r) =>
    r.shape.kernel === q.shape.kernel && r.shape.stride === q.shape.stride
  );
  const pts = (alike.length > 0 ? alike : rows).map((r) => ({
    ops: rowOps(q.op, r.shape),
    ms: r.latency.meanMs,
  }));
  const ms = interpolateLatency(pts, q.ops);
  if (ms !== undefined) return { ms, source: "interpolated" };
  const a = profile.analytic;
  const rate = macsPerCycle(profile, q.op, q.wbits, q.abits);
  const cycles = a.fixedCyclesPerLayer + Math.max(q.ops / rate, q.bytes / a.bytesPerCycle);
  return { ms: (cycles / profile.clockHz) * 1000, source: "analytic" };
}
