/**
 * Option sets for the cost tables: the cross product of bit-widths and widths each layer may
 * take on a profile.
 *
 * @module
 */
import type { Graph } from "../models/ir.ts";
import { profileOpOf, supportsBits } from "../profile/lookup.ts";
import type { HardwareProfile } from "../profile/types.ts";
import { DEFAULT_WIDTHS, type LayerChoice } from "./config.ts";
import type { OptionSet } from "./table.ts";
import { planOf } from "./_plan.ts";

/** The candidate values {@link crossOptions} combines. */
export interface CrossOptionsSpec {
  /** Candidate weight bits. */
  readonly wbits: readonly number[];
  /** Candidate activation bits. */
  readonly abits: readonly number[];
  /**
   * Candidate width fractions (pinned and depthwise layers get `[1]`).
   * @default {DEFAULT_WIDTHS}
   */
  readonly widths?: readonly number[];
}

/**
 * For every compute layer, every `(wbits, abits, width)` of the spec whose bit pair the
 * profile supports for the layer's op. Throws RangeError naming a layer left with no
 * supported pair.
 *
 * @example
 * ```ts ignore
 * const set = crossOptions(graph, profile, { wbits: [4, 8], abits: [8] });
 * ```
 */
export function crossOptions(
  graph: Graph,
  profile: HardwareProfile,
  spec: CrossOptionsSpec,
): OptionSet {
  const plan = planOf(graph);
  const layers: Record<string, LayerChoice[]> = {};
  plan.compute.forEach((n, c) => {
    const node = plan.nodes[n]!;
    const op = profileOpOf(node.op)!;
    const widths = plan.prunable[c] ? (spec.widths ?? DEFAULT_WIDTHS) : [1];
    const list: LayerChoice[] = [];
    for (const wbits of spec.wbits) {
      for (const abits of spec.abits) {
        if (!supportsBits(profile, op, wbits, abits)) continue;
        for (const width of widths) list.push({ wbits, abits, width });
      }
    }
    if (list.length === 0) {
      throw new RangeError(
        `Layer "${node.name}" (${op}) has no option: profile "${profile.name}" supports none ` +
          `of wbits [${spec.wbits.join(", ")}] x abits [${spec.abits.join(", ")}]`,
      );
    }
    layers[node.name] = list;
  });
  return { layers };
}
