/**
 * Whole-network cost of a configuration on a profile: per-layer rows and totals (latency,
 * energy, flash, peak SRAM, BOPs). Totals add every compute layer and every weightless op
 * (add, pool); peak SRAM follows `memory.ts`.
 *
 * @module
 */
import type { Graph, OpKind } from "../models/ir.ts";
import type { HardwareProfile } from "../profile/types.ts";
import type { Configuration } from "./config.ts";
import { compiledOf, layerCostAt, weightlessCostAt } from "./_compiled.ts";
import type { LatencySource } from "./latency.ts";
import { peakOfResolved } from "./memory.ts";
import { resolve } from "./widths.ts";

/** Cost of one compute layer (conv2d, depthwise, dense). */
export interface LayerCostRow {
  /** Layer name. */
  readonly name: string;
  /** IR op. */
  readonly op: OpKind;
  /** Weight bits. */
  readonly wbits: number;
  /** Activation (input) bits. */
  readonly abits: number;
  /** Effective width: kept output channels / original output channels. */
  readonly width: number;
  /** Input channels (input features for dense) after pruning. */
  readonly cin: number;
  /** Output channels after pruning. */
  readonly cout: number;
  /** Multiply-accumulates per example. */
  readonly macs: number;
  /** Latency per example, ms. */
  readonly latencyMs: number;
  /** Where the latency came from. */
  readonly latencySource: LatencySource;
  /** Energy per example, mJ; null when the profile has no energy model. */
  readonly energyMj: number | null;
  /** Flash bytes (packed weights, scales, bias). */
  readonly flashBytes: number;
  /** Bit operations: MACs x wbits x abits. */
  readonly bops: number;
}

/** Cost of a weightless op (add, max/avg/global pool). */
export interface OpCostRow {
  /** Node name. */
  readonly name: string;
  /** IR op (add, maxpool, avgpool, gap). */
  readonly op: OpKind;
  /** Latency per example, ms (0 when the profile lists no pair for the op). */
  readonly latencyMs: number;
  /** Where the latency came from. */
  readonly latencySource: LatencySource;
  /** Energy per example, mJ; null when the profile has no energy model. */
  readonly energyMj: number | null;
}

/** Whole-network totals. */
export interface CostTotals {
  /** Sum of layer and op latencies, ms (sequential execution). */
  readonly latencyMs: number;
  /** Null when the profile has no energy model. */
  readonly energyMj: number | null;
  /** Sum of layer flash bytes. */
  readonly flashBytes: number;
  /** Peak live activation bytes (see `memory.ts`). */
  readonly peakSramBytes: number;
  /** Sum of layer bit operations. */
  readonly bops: number;
  /** Sum of layer MACs. */
  readonly macs: number;
}

/** Result of {@link networkCost}. */
export interface NetworkCost {
  /** Compute layers in graph order. */
  readonly layers: readonly LayerCostRow[];
  /** Weightless ops that cost time (zero-latency when the profile lists no pair for them). */
  readonly ops: readonly OpCostRow[];
  /** Whole-network totals. */
  readonly totals: CostTotals;
}

/**
 * Costs a configuration. Layers the configuration omits get `defaultChoice(profile, op)`.
 * Throws RangeError for an unknown layer name, a pinned layer given width < 1 or mismatched
 * add inputs, and `UnsupportedBitsError` for a pair the profile does not support.
 * Compiles (graph, profile) once and memoizes per-layer costs: repeated queries are cheap.
 *
 * @example
 * ```ts ignore
 * const cost = networkCost(graph, profile, { layers: { conv1: { wbits: 4, abits: 8, width: 1 } } });
 * console.log(cost.totals.latencyMs, cost.totals.peakSramBytes);
 * ```
 */
export function networkCost(
  graph: Graph,
  profile: HardwareProfile,
  config: Configuration,
): NetworkCost {
  const k = compiledOf(graph, profile);
  const plan = k.plan;
  const r = resolve(plan, config, (c) => k.defaults[c]!);
  const layers: LayerCostRow[] = [];
  let latencyMs = 0, energy = 0, flashBytes = 0, bops = 0, macs = 0;
  let hasEnergy = true;
  for (let c = 0; c < plan.compute.length; c++) {
    const node = plan.nodes[plan.compute[c]!]!;
    const cin = r.cin[c]!, cout = r.cout[c]!, wbits = r.wbits[c]!, abits = r.abits[c]!;
    const x = layerCostAt(k, c, cin, cout, wbits, abits);
    const original = node.outShape[node.outShape.length - 1]!;
    layers.push({
      name: node.name,
      op: node.op,
      wbits,
      abits,
      width: cout / original,
      cin,
      cout,
      macs: x.macs,
      latencyMs: x.latencyMs,
      latencySource: x.latencySource,
      energyMj: x.energyMj,
      flashBytes: x.flashBytes,
      bops: x.bops,
    });
    latencyMs += x.latencyMs;
    flashBytes += x.flashBytes;
    bops += x.bops;
    macs += x.macs;
    if (x.energyMj === null) hasEnergy = false;
    else energy += x.energyMj;
  }
  const ops: OpCostRow[] = [];
  for (const w of k.weightless) {
    const node = plan.nodes[w.node]!;
    const x = weightlessCostAt(k, w, r.ch[w.node]!);
    ops.push({
      name: node.name,
      op: node.op,
      latencyMs: x.latencyMs,
      latencySource: x.latencySource,
      energyMj: x.energyMj,
    });
    latencyMs += x.latencyMs;
    if (x.energyMj === null) hasEnergy = false;
    else energy += x.energyMj;
  }
  const peakSramBytes = peakOfResolved(plan, r);
  return {
    layers,
    ops,
    totals: {
      latencyMs,
      energyMj: hasEnergy ? energy : null,
      flashBytes,
      peakSramBytes,
      bops,
      macs,
    },
  };
}
