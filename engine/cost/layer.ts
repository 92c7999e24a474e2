/**
 * Cost of one layer at given channel counts and bits: MACs, flash bytes, BOPs, latency,
 * energy. Flash: bit-packed weights `ceil(count * wbits / 8)`, plus one float32 scale per
 * output channel (symmetric per-channel weight quantization: no weight zero points; none
 * for float weights), plus an int32 (or float32) bias per output channel when the layer has
 * a bias or a batch-norm folds into it. Energy: `MACs * pJ/MAC(w, a)` + activation bytes
 * read and written (input and output, both at the layer's `abits`) * pJ/byte SRAM + weight
 * bytes * pJ/byte flash; a measured row's `energyMj` wins when the latency row matched.
 *
 * Weightless ops (add, pool, global pool) are not configured: they run at
 * {@link WEIGHTLESS_BITS} (or the nearest precision the profile lists for them) and cost
 * zero when the profile lists no pair for their op. Batch-norm (folded), activations
 * (fused), flatten and dropout cost nothing.
 *
 * @module
 */
import type { GraphNode } from "../models/ir.ts";
import type { EpilogueOp, HardwareProfile, MeasuredShape, ProfileOp } from "../profile/types.ts";
import { energyPerMacPj, supportedPairs, supportsBits } from "../profile/lookup.ts";
import { UnsupportedBitsError } from "./errors.ts";
import { type LatencySource, layerLatency } from "./latency.ts";

/** Bytes of one per-output-channel weight scale (float32). */
export const SCALE_BYTES = 4;
/** Bytes of one bias value (int32 when quantized, float32 otherwise). */
export const BIAS_BYTES = 4;
/** Precision weightless ops (add, pool) run at, when the profile lists it. */
export const WEIGHTLESS_BITS = 8;
/** Bit-width meaning float (no scales stored). */
const FLOAT = 32;

/** Static facts of one costed node, precomputed from the IR. */
export interface LayerGeometry {
  /** Node name. */
  readonly name: string;
  /** Profile op. */
  readonly op: ProfileOp;
  /** IR op. */
  readonly irOp: GraphNode["op"];
  /** Input / output spatial size (1 for dense). */
  readonly inH: number;
  readonly inW: number;
  readonly outH: number;
  readonly outW: number;
  /** Kernel (pool window) and stride. */
  readonly kh: number;
  readonly kw: number;
  readonly stride: number;
  /** Number of inputs (add). */
  readonly arity: number;
  /** Bias present (own or folded batch-norm). */
  readonly hasBias: boolean;
  /**
   * The batch-norm and activation ops after the layer (`epilogue.ts`); undefined when
   * unknown: then measured rows are matched without regard to their epilogue.
   */
  readonly epilogue?: readonly EpilogueOp[];
}

/** Everything a layer costs at one choice. */
export interface LayerCostCore {
  readonly macs: number;
  readonly flashBytes: number;
  readonly bops: number;
  readonly latencyMs: number;
  readonly latencySource: LatencySource;
  /** Millijoules per example; null when the profile has no energy model. */
  readonly energyMj: number | null;
}

/** Geometry of a compute or weightless node; `inShape` is its first producer's output. */
export function geometryOf(
  node: GraphNode,
  op: ProfileOp,
  inShape: readonly number[],
  hasBias: boolean,
): LayerGeometry {
  const [inH = 1, inW = 1] = inShape.length === 3 ? inShape : [1, 1];
  const [outH = 1, outW = 1] = node.outShape.length === 3 ? node.outShape : [1, 1];
  let kh = 1, kw = 1, stride = 1;
  if (node.op === "conv2d" || node.op === "depthwise") {
    [kh, kw] = node.kernel;
    stride = node.strides[0] === node.strides[1] ? node.strides[0] : -1;
  } else if (node.op === "maxpool" || node.op === "avgpool") {
    [kh, kw] = node.poolSize;
    stride = node.strides[0] === node.strides[1] ? node.strides[0] : -1;
  } else if (node.op === "gap") {
    [kh, kw, stride] = [inH, inW, inH];
  }
  const arity = node.inputs.length;
  return {
    name: node.name,
    op,
    irOp: node.op,
    inH,
    inW,
    outH,
    outW,
    kh,
    kw,
    stride,
    arity,
    hasBias,
  };
}

/** Weight count of a conv2d / depthwise / dense layer at these channel counts. */
export function weightsOf(g: LayerGeometry, cin: number, cout: number): number {
  return g.op === "dense" ? cin * cout : g.kh * g.kw * cout * (g.op === "depthwise" ? 1 : cin);
}

/** MACs of a layer (element ops for add / pool) at these channel counts. */
export function opsOf(g: LayerGeometry, cin: number, cout: number): number {
  switch (g.op) {
    case "dense":
      return cin * cout;
    case "add":
      return g.outH * g.outW * cout * (g.arity - 1);
    case "pool":
      return g.outH * g.outW * cout * g.kh * g.kw;
    default:
      return g.outH * g.outW * weightsOf(g, cin, cout);
  }
}

/** Flash bytes of a layer: packed weights + per-channel scales + bias. */
export function flashBytesOf(g: LayerGeometry, cin: number, cout: number, wbits: number): number {
  const packed = Math.ceil((weightsOf(g, cin, cout) * wbits) / 8);
  return packed + (wbits < FLOAT ? cout * SCALE_BYTES : 0) + (g.hasBias ? cout * BIAS_BYTES : 0);
}

function shapeOf(g: LayerGeometry, cin: number, cout: number): MeasuredShape {
  const kernel = g.kh === g.kw ? g.kh : -1;
  const groups = g.op === "depthwise" ? cin : 1;
  return { inH: g.inH, inW: g.inW, cin, cout, kernel, stride: g.stride, groups };
}

/** The precision a weightless op runs at, or undefined when the profile lists none. */
export function weightlessBits(profile: HardwareProfile, op: ProfileOp): number | undefined {
  const as = supportedPairs(profile, op).map((p) => p.a).sort((x, y) => x - y);
  if (as.length === 0) return undefined;
  return as.find((a) => a >= WEIGHTLESS_BITS) ?? as[as.length - 1];
}

/**
 * Cost of a compute layer (conv2d, depthwise, dense) at these channel counts and bits.
 * Throws {@link UnsupportedBitsError} for a pair the profile does not list.
 */
export function computeLayerCost(
  profile: HardwareProfile,
  g: LayerGeometry,
  cin: number,
  cout: number,
  wbits: number,
  abits: number,
): LayerCostCore {
  if (!supportsBits(profile, g.op, wbits, abits)) {
    throw new UnsupportedBitsError(
      g.name,
      g.op,
      { w: wbits, a: abits },
      supportedPairs(profile, g.op),
      profile.name,
    );
  }
  const macs = opsOf(g, cin, cout);
  const flashBytes = flashBytesOf(g, cin, cout, wbits);
  const actBytes = Math.ceil((g.inH * g.inW * cin * abits) / 8) +
    Math.ceil((g.outH * g.outW * cout * abits) / 8);
  const lat = layerLatency(profile, {
    op: g.op,
    shape: shapeOf(g, cin, cout),
    wbits,
    abits,
    ops: macs,
    bytes: actBytes + flashBytes,
    ...(g.epilogue === undefined ? {} : { epilogue: g.epilogue }),
  });
  let energyMj: number | null = null;
  if (lat.row?.energyMj !== undefined) energyMj = lat.row.energyMj;
  else if (profile.energy) {
    const e = profile.energy;
    const pj = macs * energyPerMacPj(profile, g.op, wbits, abits) +
      actBytes * e.pjPerByteSram + flashBytes * e.pjPerByteFlash;
    energyMj = pj * 1e-9;
  }
  return {
    macs,
    flashBytes,
    bops: macs * wbits * abits,
    latencyMs: lat.ms,
    latencySource: lat.source,
    energyMj,
  };
}

/** Cost of a weightless op (add, pool) over `ch` channels; zero when the profile lists none. */
export function weightlessCost(
  profile: HardwareProfile,
  g: LayerGeometry,
  ch: number,
): LayerCostCore {
  const bits = weightlessBits(profile, g.op);
  const ops = opsOf(g, ch, ch);
  if (bits === undefined) {
    return { macs: 0, flashBytes: 0, bops: 0, latencyMs: 0, latencySource: "none", energyMj: 0 };
  }
  const actBytes = Math.ceil((g.inH * g.inW * ch * g.arity * bits) / 8) +
    Math.ceil((g.outH * g.outW * ch * bits) / 8);
  const lat = layerLatency(profile, {
    op: g.op,
    shape: shapeOf(g, ch, ch),
    wbits: bits,
    abits: bits,
    ops,
    bytes: actBytes,
    ...(g.epilogue === undefined ? {} : { epilogue: g.epilogue }),
  });
  let energyMj: number | null = null;
  if (lat.row?.energyMj !== undefined) energyMj = lat.row.energyMj;
  else if (profile.energy) {
    const pj = ops * energyPerMacPj(profile, g.op, bits, bits) +
      actBytes * profile.energy.pjPerByteSram;
    energyMj = pj * 1e-9;
  }
  return {
    macs: 0,
    flashBytes: 0,
    bops: 0,
    latencyMs: lat.ms,
    latencySource: lat.source,
    energyMj,
  };
}
