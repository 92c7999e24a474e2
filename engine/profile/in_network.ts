/**
 * From per-node timestamps of whole-network runs (`measure_networks.ts`) to per-shape samples:
 * every stamped call of a network gives one sample to each of its costed layers — the sum
 * of the times of the layer's node and the nodes it owns (`unitOccurrences()`). A shape's
 * samples are kept per occurrence (network and position), so that `local_profile.ts` can
 * weigh the networks it occurs in. What the layers do not account for (the input node, the
 * start of the call and the disposal at its end) is the per-call overhead
 * (`overheadSamples()`) that `calibrate.ts` fits.
 *
 * @module
 */
import type { Graph } from "../models/ir.ts";
import type { NetworkSamples } from "./measure_networks.ts";
import { type ProfileUnit, unitOccurrences } from "./profiler.ts";
import { quantileSorted } from "./sample_stats.ts";

/** The samples of one unit at one position of one network. */
export interface OccurrenceSamples {
  /** Index of the network. */
  readonly network: number;
  /** One per stamped call, ms. */
  readonly samples: readonly number[];
}

/**
 * Per unit (in `units` order), its samples (ms) at every position of every network it
 * occurs in (`networks[i]` timed as `samples[i]`); empty for a unit no network contains.
 * Throws a RangeError when the lists differ in length or a node count does not match.
 *
 * @example
 * ```ts
 * import { unitSamples } from "./in_network.ts";
 * import { profileUnits } from "./profiler.ts";
 * import { residualGraph } from "../../tests/fixtures/graphs.ts";
 * const units = profileUnits(residualGraph, [1]);
 * const nodes = residualGraph.nodes.map(() => [0.01]); // one stamped call, 10 us per node
 * const occ = unitSamples(units, [residualGraph], [{ totals: [0.1], nodes, tail: [0] }]);
 * console.log(occ.map((o) => o.length)); // one occurrence of each shape
 * ```
 */
export function unitSamples(
  units: readonly ProfileUnit[],
  networks: readonly Graph[],
  samples: readonly NetworkSamples[],
): OccurrenceSamples[][] {
  if (networks.length !== samples.length) {
    throw new RangeError(
      `Cannot pool samples of ${samples.length} networks over ${networks.length} graphs`,
    );
  }
  const out = units.map(() => [] as OccurrenceSamples[]);
  networks.forEach((g, i) => {
    const s = samples[i]!;
    checkNodes(g, s);
    const calls = s.nodes[0]?.length ?? 0;
    for (const occ of unitOccurrences(g, units)) {
      const series = Array.from(
        { length: calls },
        (_, c) => occ.nodes.reduce((t, n) => t + s.nodes[n]![c]!, 0),
      );
      out[occ.unit]!.push({ network: i, samples: series });
    }
  });
  return out;
}

function checkNodes(network: Graph, samples: NetworkSamples): void {
  if (samples.nodes.length !== network.nodes.length) {
    throw new RangeError(
      `Cannot read the samples of network "${network.name}": ${samples.nodes.length} node ` +
        `series for ${network.nodes.length} nodes`,
    );
  }
}

/**
 * Per stamped call of `network`, the time outside its costed layers, ms: the nodes no
 * layer of `units` owns (the input node, whose sample starts at the call's start) plus the
 * tail (return and disposal). Throws a RangeError when the node count does not match.
 */
export function overheadSamples(
  units: readonly ProfileUnit[],
  network: Graph,
  samples: NetworkSamples,
): number[] {
  checkNodes(network, samples);
  const owned = new Set(unitOccurrences(network, units).flatMap((o) => o.nodes));
  const free = network.nodes.map((_, i) => i).filter((i) => !owned.has(i));
  return samples.tail.map((tail, c) => free.reduce((t, i) => t + samples.nodes[i]![c]!, tail));
}

/**
 * `samples` with only the stamped calls whose total (all nodes plus the tail) lies inside
 * Tukey's fences at `fence` IQR of the network's stamped totals; the plain calls are kept
 * as they are. Fencing whole calls, not each layer's samples, keeps the sum of the layers'
 * means equal to the mean of the kept calls: a preemption inside one layer is an outlier
 * for that layer (cut by a per-layer fence) but often not for the whole call, so per-layer
 * fences drop time that the whole call's mean keeps (10-16% of resnet8 and mobilenet-tiny
 * at batch 1, measured 2026-11-29). Throws a RangeError for a negative fence.
 *
 * @example
 * ```ts
 * import { fenceStampedCalls } from "./in_network.ts";
 * const calls = { totals: [1], nodes: [[1, 1, 1, 1, 9]], tail: [0, 0, 0, 0, 0] };
 * console.log(fenceStampedCalls(calls, 3).nodes); // [[1, 1, 1, 1]]: the 9 ms call is out
 * ```
 */
export function fenceStampedCalls(samples: NetworkSamples, fence: number): NetworkSamples {
  if (!(fence >= 0)) throw new RangeError(`Cannot fence calls at ${fence} IQR: expected >= 0`);
  const totals = samples.tail.map((t, c) => samples.nodes.reduce((a, n) => a + n[c]!, t));
  if (totals.length === 0) return samples;
  const sorted = [...totals].sort((a, b) => a - b);
  const q1 = quantileSorted(sorted, 0.25), q3 = quantileSorted(sorted, 0.75);
  const lo = q1 - fence * (q3 - q1), hi = q3 + fence * (q3 - q1);
  const keep = (_: number, c: number) => totals[c]! >= lo && totals[c]! <= hi;
  return {
    totals: samples.totals,
    nodes: samples.nodes.map((n) => n.filter(keep)),
    tail: samples.tail.filter(keep),
  };
}
