/**
 * Calibrating the per-call overhead the rows miss. Rows are layer times measured inside
 * whole networks (`in_network.ts`), so what a `forward()` call costs beyond their sum is the
 * executor's own work outside the layers: the start of the call (input check, tidy scope,
 * the input node) and, at its end, the disposal of every intermediate tensor it kept alive.
 * The profiler measures it in the stamped calls of its profiling networks
 * (`overheadSamples()`: robust to load, unlike a difference of two whole-network medians)
 * and fits `overhead = sum over costed layers of (alpha + beta * output elements)` (least
 * squares on error relative to the network's latency, alpha and beta >= 0); every row then
 * adds `alpha + beta * its output elements`. The networks fitted on are the profiler's
 * mixed-width ones, not the uniform-width networks the closed-loop benchmark checks;
 * {@link predictionErrors} checks the result against their plain calls.
 *
 * @module
 */
import type { LayerChoice } from "../cost/config.ts";
import { networkCost } from "../cost/network.ts";
import { type Graph, isComputeNode } from "../models/ir.ts";
import { MIN_ROW_MS } from "./local_profile.ts";
import { unitOpOf } from "./profiler.ts";
import type { HardwareProfile, MeasuredRow } from "./types.ts";

/** One network's share of the calibration. */
export interface CalibrationPoint {
  /** Network name. */
  readonly network: string;
  /** Measured per-call overhead (time outside the costed layers), ms. */
  readonly overheadMs: number;
  /** Sum of the rows (the cost model at float32 and the network's widths), ms. */
  readonly rowsMs: number;
  /** Costed layers (compute layers plus add / pool ops). */
  readonly layers: number;
  /** Output elements of the costed layers. */
  readonly elements: number;
}

/** Result of {@link calibrateOverhead}. */
export interface Calibration {
  /** Fixed overhead per layer, ms. */
  readonly overheadMs: number;
  /** Overhead per output element of a layer, ms. */
  readonly perElementMs: number;
  /** Per network. */
  readonly points: readonly CalibrationPoint[];
  /** Root mean square over the networks of the fit's error, relative to their latency. */
  readonly rmsRelError: number;
}

const FLOAT_CHOICE: LayerChoice = { wbits: 32, abits: 32, width: 1 };

/** The cost model's float32 latency of `graph` (a pruned network) on `profile`, ms. */
export function floatLatencyMs(profile: HardwareProfile, graph: Graph): number {
  const layers: Record<string, LayerChoice> = {};
  for (const n of graph.nodes) if (isComputeNode(n)) layers[n.name] = FLOAT_CHOICE;
  return networkCost(graph, profile, { layers }).totals.latencyMs;
}

/**
 * Fits the per-layer overhead of the module doc to the measured overhead of each network
 * (`overheadMs[i]` for `networks[i]`; `profile`'s rows price the rest). Throws a RangeError
 * when the lists differ in length or are empty.
 */
export function calibrateOverhead(
  profile: HardwareProfile,
  networks: readonly Graph[],
  overheadMs: readonly number[],
): Calibration {
  if (networks.length === 0 || networks.length !== overheadMs.length) {
    throw new RangeError(
      `Cannot calibrate on ${networks.length} networks with ${overheadMs.length} overheads`,
    );
  }
  const points = networks.map((graph, i) => {
    const costed = graph.nodes.filter((n) => unitOpOf(n) !== undefined);
    return {
      network: graph.name,
      overheadMs: overheadMs[i]!,
      rowsMs: floatLatencyMs(profile, graph),
      layers: costed.length,
      elements: costed.reduce((a, n) => a + n.outShape.reduce((x, y) => x * y, 1), 0),
    };
  });
  const fit = fitOverhead(points);
  const rel = points.map((p) => (fitted(p, fit) - p.overheadMs) / (p.rowsMs + p.overheadMs));
  const rmsRelError = Math.sqrt(rel.reduce((a, e) => a + e * e, 0) / rel.length);
  return { ...fit, points, rmsRelError };
}

type Fit = Pick<Calibration, "overheadMs" | "perElementMs">;

const fitted = (p: CalibrationPoint, f: Fit) =>
  f.overheadMs * p.layers + f.perElementMs * p.elements;

/** Least squares (relative to the network's latency) of the overhead on (layers, elements). */
function fitOverhead(points: readonly CalibrationPoint[]): Fit {
  let saa = 0, sab = 0, sbb = 0, sar = 0, sbr = 0;
  for (const p of points) {
    const w = 1 / (p.rowsMs + p.overheadMs) ** 2;
    saa += w * p.layers * p.layers;
    sab += w * p.layers * p.elements;
    sbb += w * p.elements * p.elements;
    sar += w * p.layers * p.overheadMs;
    sbr += w * p.elements * p.overheadMs;
  }
  const det = saa * sbb - sab * sab;
  const a = det > 0 ? (sar * sbb - sbr * sab) / det : -1;
  const b = det > 0 ? (saa * sbr - sab * sar) / det : -1;
  if (a >= 0 && b >= 0) return { overheadMs: a, perElementMs: b };
  // One term only: the better of alpha alone and beta alone (each clamped at 0).
  const aOnly = { overheadMs: saa > 0 ? Math.max(0, sar / saa) : 0, perElementMs: 0 };
  const bOnly = { overheadMs: 0, perElementMs: sbb > 0 ? Math.max(0, sbr / sbb) : 0 };
  const sse = (f: Fit) =>
    points.reduce(
      (s, p) => s + ((fitted(p, f) - p.overheadMs) / (p.rowsMs + p.overheadMs)) ** 2,
      0,
    );
  return sse(aOnly) <= sse(bOnly) ? aOnly : bOnly;
}

/**
 * `predicted / measured - 1` of `profile` on each network (`measuredMs[i]` for
 * `networks[i]`, float32 at the network's widths). Throws a RangeError for lists of
 * different lengths.
 */
export function predictionErrors(
  profile: HardwareProfile,
  networks: readonly Graph[],
  measuredMs: readonly number[],
): number[] {
  if (networks.length !== measuredMs.length) {
    throw new RangeError(
      `Cannot check ${networks.length} networks against ${measuredMs.length} timings`,
    );
  }
  return networks.map((g, i) => floatLatencyMs(profile, g) / measuredMs[i]! - 1);
}

/** Output elements of a row's layer (`same` padding; 1x1 for dense and global pooling). */
export function rowOutputElements(r: MeasuredRow): number {
  const s = r.shape;
  return Math.ceil(s.inH / s.stride) * Math.ceil(s.inW / s.stride) * s.cout;
}

/**
 * `rows` with the calibrated overhead added to their mean and median (each at least
 * `MIN_ROW_MS`).
 */
export function addOverhead(rows: readonly MeasuredRow[], cal: Fit): MeasuredRow[] {
  return rows.map((r) => {
    const extra = cal.overheadMs + cal.perElementMs * rowOutputElements(r);
    const plus = (ms: number) => Number(Math.max(MIN_ROW_MS, ms + extra).toPrecision(4));
    const { medianMs } = r.latency;
    return {
      ...r,
      latency: {
        ...r.latency,
        meanMs: plus(r.latency.meanMs),
        ...(medianMs === undefined ? {} : { medianMs: plus(medianMs) }),
      },
    };
  });
}
