/**
 * Calibrating the in-network overhead of a layer. A layer timed alone (a unit) runs faster
 * than inside its network: there the executor keeps every intermediate tensor alive until
 * the end of the call, so each layer writes its outputs to fresh memory that is not in cache
 * (alone, freed buffers are reused hot), and frees them all at the end. The profiler times
 * whole networks in the same session as the units and fits
 * `measured - sum of rows = sum over costed layers of (alpha + beta * output elements)`
 * (least squares on relative error, alpha and beta >= 0); every row then adds
 * `alpha + beta * its output elements`.
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
  /** Measured whole-network latency, ms. */
  readonly measuredMs: number;
  /** Sum of the rows (the cost model at float32, width 1), ms. */
  readonly predictedMs: number;
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
}

const FLOAT_CHOICE: LayerChoice = { wbits: 32, abits: 32, width: 1 };

/**
 * The per-layer overhead that makes `profile`'s rows add up to the measured networks
 * (`measuredMs[i]` for `networks[i]`, each priced at float32 and its own widths). Throws a
 * RangeError when the lists differ in length or are empty.
 */
export function calibrateOverhead(
  profile: HardwareProfile,
  networks: readonly Graph[],
  measuredMs: readonly number[],
): Calibration {
  if (networks.length === 0 || networks.length !== measuredMs.length) {
    throw new RangeError(
      `Cannot calibrate on ${networks.length} networks with ${measuredMs.length} timings`,
    );
  }
  const points = networks.map((graph, i) => {
    const layers: Record<string, LayerChoice> = {};
    for (const n of graph.nodes) if (isComputeNode(n)) layers[n.name] = FLOAT_CHOICE;
    const cost = networkCost(graph, profile, { layers });
    const costed = graph.nodes.filter((n) => unitOpOf(n) !== undefined);
    return {
      network: graph.name,
      measuredMs: measuredMs[i]!,
      predictedMs: cost.totals.latencyMs,
      layers: costed.length,
      elements: costed.reduce((a, n) => a + n.outShape.reduce((x, y) => x * y, 1), 0),
    };
  });
  return { ...fitOverhead(points), points };
}

/** Least squares (relative to the measured latency) of the residual on (layers, elements). */
function fitOverhead(points: readonly CalibrationPoint[]) {
  let saa = 0, sab = 0, sbb = 0, sar = 0, sbr = 0;
  for (const p of points) {
    const w = 1 / (p.measuredMs * p.measuredMs);
    const r = p.measuredMs - p.predictedMs;
    saa += w * p.layers * p.layers;
    sab += w * p.layers * p.elements;
    sbb += w * p.elements * p.elements;
    sar += w * p.layers * r;
    sbr += w * p.elements * r;
  }
  const det = saa * sbb - sab * sab;
  let a = det > 0 ? (sar * sbb - sbr * sab) / det : -1;
  let b = det > 0 ? (saa * sbr - sab * sar) / det : -1;
  if (a < 0 || b < 0) {
    // One term only: the better of alpha alone and beta alone (each clamped at 0).
    const aOnly = Math.max(0, sar / saa), bOnly = Math.max(0, sbr / sbb);
    const sse = (x: number, y: number) =>
      points.reduce(
        (s, p) =>
          s + ((p.measuredMs - p.predictedMs - x * p.layers - y * p.elements) / p.measuredMs) ** 2,
        0,
      );
    [a, b] = sse(aOnly, 0) <= sse(0, bOnly) ? [aOnly, 0] : [0, bOnly];
  }
  return { overheadMs: a, perElementMs: b };
}

/** Output elements of a row's layer (`same` padding; 1x1 for dense and global pooling). */
export function rowOutputElements(r: MeasuredRow): number {
  const s = r.shape;
  return Math.ceil(s.inH / s.stride) * Math.ceil(s.inW / s.stride) * s.cout;
}

/** `rows` with the calibrated overhead added to every latency (at least `MIN_ROW_MS`). */
export function addOverhead(
  rows: readonly MeasuredRow[],
  cal: Pick<Calibration, "overheadMs" | "perElementMs">,
): MeasuredRow[] {
  return rows.map((r) => {
    const ms = r.latency.meanMs + cal.overheadMs + cal.perElementMs * rowOutputElements(r);
    return {
      ...r,
      latency: { ...r.latency, meanMs: Number(Math.max(MIN_ROW_MS, ms).toPrecision(4)) },
    };
  });
}
