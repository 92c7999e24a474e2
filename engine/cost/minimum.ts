/**
 * The smallest value of each budget kind reachable over an option set, so a budget check can
 * say "latency=0.1ms is infeasible: the smallest achievable is 0.42ms".
 *
 * Widths: every width group takes the smallest width all its members offer (pinned layers
 * keep 1); then every layer takes, at those widths, its cheapest option for the kind (for
 * peak SRAM: its lowest `abits`). This is the exact minimum when costs do not decrease as
 * channels are removed, which holds for the analytic model and for monotone measured rows.
 *
 * @module
 */
import type { Graph } from "../models/ir.ts";
import type { HardwareProfile } from "../profile/types.ts";
import type { Configuration, LayerChoice } from "./config.ts";
import { compiledOf, layerCostAt } from "./_compiled.ts";
import { networkCost } from "./network.ts";
import type { CostKind, OptionSet } from "./table.ts";
import { resolve } from "./widths.ts";

/** Budget kinds with a minimum: the additive kinds and peak SRAM. */
export type MinimumKind = CostKind | "sram";

/** Smallest achievable totals, and the configuration reaching each. */
export interface MinimumCosts {
  /** Smallest total latency, ms. */
  readonly latencyMs: number;
  /** Smallest total energy, mJ. Null when the profile has no energy model. */
  readonly energyMj: number | null;
  /** Smallest flash bytes. */
  readonly flashBytes: number;
  /** Smallest peak SRAM bytes. */
  readonly peakSramBytes: number;
  /** Smallest bit operations. */
  readonly bops: number;
  /**
   * The same minima keyed by kind (`latency` ms, `energy` mJ, `flash` / `sram` bytes, `bops`),
   * `energy` left out without an energy model: pass it to `checkFeasible()` of `budget.ts`.
   */
  readonly byKind: Readonly<Partial<Record<MinimumKind, number>>>;
  /** The configuration reaching each minimum. */
  readonly configs: Readonly<Record<MinimumKind, Configuration>>;
}

/**
 * Smallest latency, energy, flash, peak SRAM and BOPs reachable over `options`.
 *
 * @example
 * ```ts ignore
 * const min = minimumAchievable(graph, profile, crossOptions(graph, profile, spec));
 * console.log(min.latencyMs, min.peakSramBytes);
 * ```
 */
export function minimumAchievable(
  graph: Graph,
  profile: HardwareProfile,
  options: OptionSet,
): MinimumCosts {
  const k = compiledOf(graph, profile);
  const plan = k.plan;
  const names = plan.compute.map((n) => plan.nodes[n]!.name);
  for (const name in options.layers) {
    if (!names.includes(name)) {
      throw new RangeError(`Options name layer "${name}", not a compute layer of "${graph.name}"`);
    }
  }
  const opts = names.map((n, c) => options.layers[n] ?? [k.defaults[c]!]);
  // One width per group: the smallest width every member offers.
  const groupWidth = new Map<number, number>();
  const members = new Map<number, number[]>();
  plan.compute.forEach((n, c) => {
    if (plan.nodes[n]!.op === "depthwise") return;
    const g = plan.groupOf[c]!;
    members.set(g, [...(members.get(g) ?? []), c]);
  });
  for (const [g, cs] of members) {
    if (!plan.prunable[cs[0]!]) {
      groupWidth.set(g, 1);
      continue;
    }
    const sets = cs.map((c) => new Set(opts[c]!.map((o) => o.width)));
    const common = [...sets[0]!].filter((w) => sets.every((s) => s.has(w)));
    if (common.length === 0) {
      throw new RangeError(
        `Layers ${cs.map((c) => `"${names[c]}"`).join(", ")} share a width (residual add) ` +
          `but their options have no width in common`,
      );
    }
    groupWidth.set(g, Math.min(...common));
  }
  const widthOf = (c: number) => groupWidth.get(plan.groupOf[c]!) ?? 1;
  const atWidth = opts.map((list, c) => {
    const isDw = plan.nodes[plan.compute[c]!]!.op === "depthwise";
    const keep = isDw ? list : list.filter((o) => o.width === widthOf(c));
    if (keep.length === 0) {
      throw new RangeError(`Layer "${names[c]}" has no option at width ${widthOf(c)}`);
    }
    return keep;
  });
  const shape = resolve(plan, { layers: {} }, (c) => ({ ...k.defaults[c]!, width: widthOf(c) }));
  const build = (score: (o: LayerChoice, c: number) => number): Configuration => {
    const layers: Record<string, LayerChoice> = {};
    atWidth.forEach((list, c) => {
      let best = list[0]!;
      for (const o of list) if (score(o, c) < score(best, c)) best = o;
      layers[names[c]!] = best;
    });
    return { layers };
  };
  const cost = (o: LayerChoice, c: number) =>
    layerCostAt(k, c, shape.cin[c]!, shape.cout[c]!, o.wbits, o.abits);
  const configs: Record<MinimumKind, Configuration> = {
    latency: build((o, c) => cost(o, c).latencyMs),
    energy: build((o, c) => cost(o, c).energyMj ?? 0),
    flash: build((o, c) => cost(o, c).flashBytes),
    bops: build((o, c) => cost(o, c).bops),
    sram: build((o) => o.abits * 64 + o.wbits),
  };
  const latencyMs = networkCost(graph, profile, configs.latency).totals.latencyMs;
  const energyMj = networkCost(graph, profile, configs.energy).totals.energyMj;
  const flashBytes = networkCost(graph, profile, configs.flash).totals.flashBytes;
  const peakSramBytes = networkCost(graph, profile, configs.sram).totals.peakSramBytes;
  const bops = networkCost(graph, profile, configs.bops).totals.bops;
  const byKind: Partial<Record<MinimumKind, number>> = {
    latency: latencyMs,
    flash: flashBytes,
    sram: peakSramBytes,
    bops,
  };
  if (energyMj !== null) byKind.energy = energyMj;
  return { latencyMs, energyMj, flashBytes, peakSramBytes, bops, byKind, configs };
}
