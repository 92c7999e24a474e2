/**
 * Data-free clipping ranges of minimum expected error: a tensor's channels are modelled as
 * Gaussians (their batch-norm moments, `expected_activations.ts`), clipped by the activation
 * that produced the tensor (ReLU: `[0, ∞)`, ReLU6: `[0, 6]`), and the one per-tensor range
 * is chosen, among `mean ± k·std` envelopes over the channels (`k` from 0.5 to 6), to
 * minimize the expected squared quantization error summed over the channels at the
 * tensor's bits: `Δ²/12` inside the range (0 and the range's ends are exact), the distance
 * to the range outside it. In the spirit of ACIQ (Banner et al. 2019), with the per-tensor
 * mixture of channels the quantizer really sees instead of one Gaussian.
 *
 * A fixed `k` cannot suit every bit width: at 4 bits the widest channels' `±4σ` leaves the
 * other channels a handful of levels (mobilenet-tiny data-free W8A4: 43.78% at `k = 4`,
 * 85.39% with these ranges). Not every tensor gains: with A4 only on its depthwise outputs,
 * mobilenet-tiny scores 90.50% against 91.13% at `k = 4` (README, known gaps).
 *
 * @module
 */
import { type Graph, nodeByName } from "../models/ir.ts";
import { normalPdf } from "./_gauss.ts";
import { type ChannelRange, tensorRange } from "./bn_range.ts";
import type { ChannelMoments } from "./expected_activations.ts";

/** Per-channel Gaussians `N(mean, std²)`, then clipped to `[floor, ceil]`. */
export interface ChannelGaussians {
  readonly mean: ArrayLike<number>;
  readonly std: ArrayLike<number>;
  /** Lower clip of the activation (ReLU: 0). @default -Infinity */
  readonly floor?: number;
  /** Upper clip of the activation (ReLU6: 6). @default Infinity */
  readonly ceil?: number;
}

/** Candidate envelope widths, in standard deviations. */
export const CLIP_KS: readonly number[] = Array.from({ length: 111 }, (_, i) => 0.5 + i * 0.05);

/**
 * Standard-normal grid on which the expectations are summed: the midpoints of 160 steps of
 * 0.1 over ±8 (no point at 0 exactly: a continuous value is never exact).
 */
const GRID = Array.from({ length: 160 }, (_, i) => -7.95 + i * 0.1);
const GRID_W = (() => {
  const w = GRID.map((t) => normalPdf(t));
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / s);
})();

function check(m: ChannelGaussians): void {
  if (m.mean.length !== m.std.length || m.mean.length === 0) {
    throw new RangeError(
      `Cannot model ${m.mean.length} means with ${m.std.length} standard deviations`,
    );
  }
  for (let c = 0; c < m.std.length; c++) {
    if (!(m.std[c]! >= 0) || !Number.isFinite(m.mean[c]!)) {
      throw new RangeError(`Cannot model channel ${c}: mean ${m.mean[c]}, std ${m.std[c]}`);
    }
  }
}

/**
 * Expected squared error, summed over the channels of `m`, of quantizing to `bits` over
 * `[lo, hi]` (affine: 0 is exact when inside).
 */
export function expectedClipError(
  m: ChannelGaussians,
  lo: number,
  hi: number,
  bits: number,
): number {
  check(m);
  if (!(lo <= 0 && 0 <= hi && lo < hi)) {
    throw new RangeError(`Cannot quantize over [${lo}, ${hi}]: it must hold 0`);
  }
  const floor = m.floor ?? -Infinity, ceil = m.ceil ?? Infinity;
  const step = (hi - lo) / (2 ** bits - 1), inside = (step * step) / 12;
  let total = 0;
  for (let c = 0; c < m.mean.length; c++) {
    const mu = m.mean[c]!, sd = m.std[c]!;
    for (let i = 0; i < GRID.length; i++) {
      const x = Math.min(Math.max(mu + sd * GRID[i]!, floor), ceil);
      let e: number;
      if (x < lo) e = (lo - x) ** 2;
      else if (x > hi) e = (x - hi) ** 2;
      else if (x === 0 || x === lo || x === hi) e = 0;
      else e = inside;
      total += GRID_W[i]! * e;
    }
  }
  return total;
}

/** The `mean ± k·std` envelope of `m` over its channels, clipped, holding 0. */
export function envelope(m: ChannelGaussians, k: number): { min: number; max: number } {
  const floor = m.floor ?? -Infinity, ceil = m.ceil ?? Infinity;
  let min = 0, max = 0;
  for (let c = 0; c < m.mean.length; c++) {
    min = Math.min(min, Math.max(m.mean[c]! - k * m.std[c]!, floor));
    max = Math.max(max, Math.min(m.mean[c]! + k * m.std[c]!, ceil));
  }
  return { min, max };
}

/**
 * The envelope of least {@linkcode expectedClipError} at `bits` over {@linkcode CLIP_KS},
 * and its `k`.
 *
 * @example
 * ```ts
 * import { mseClipRange } from "./gauss_clip.ts";
 * // Post-ReLU channels, one much wider than the rest: at 4 bits the range clips it.
 * const m = { mean: [0.2, 0.1, 0.3, 0.5], std: [1, 1, 1, 8], floor: 0 };
 * const r4 = mseClipRange(m, 4), r8 = mseClipRange(m, 8);
 * console.assert(r4.max < r8.max && r4.min === 0);
 * ```
 */
export function mseClipRange(
  m: ChannelGaussians,
  bits: number,
): { min: number; max: number; k: number } {
  let best = { min: 0, max: 0, k: NaN }, err = Infinity;
  for (const k of CLIP_KS) {
    const r = envelope(m, k);
    if (!(r.max > r.min)) continue;
    const e = expectedClipError(m, r.min, r.max, bits);
    if (e < err) [best, err] = [{ ...r, k }, e];
  }
  if (Number.isNaN(best.k)) throw new RangeError("Cannot clip: every channel is constant at 0");
  return best;
}

/**
 * The Gaussian model of node `name`'s output for {@linkcode mseClipRange}, from the data-free
 * moments (`expectedActivations`) and interval (`dataFreeRanges`) of the nodes of `graph`:
 * an activation is modelled by its input's moments, clipped to its interval; a dropout or
 * flatten by its input; anything else by its own moments. `undefined` when no moments are
 * known (no batch norm upstream).
 */
export function gaussianModelOf(
  graph: Graph,
  name: string,
  moments: ReadonlyMap<string, ChannelMoments | undefined>,
  ranges: ReadonlyMap<string, ChannelRange>,
): ChannelGaussians | undefined {
  const interval = ranges.get(name);
  if (interval === undefined) return undefined;
  let node = nodeByName(graph, name);
  while (node.op === "dropout" || node.op === "flatten") {
    node = nodeByName(graph, node.inputs[0]!);
  }
  const source = node.op === "activation" ? node.inputs[0]! : node.name;
  const m = moments.get(source);
  if (m === undefined) return undefined;
  const { min, max } = tensorRange(interval);
  return { mean: m.mean, std: m.variance.map(Math.sqrt), floor: min, ceil: max };
}
