/**
 * The search space of a graph on a hardware profile: for every configurable layer (conv2d,
 * depthwise, dense) the `(wbits, abits)` pairs the profile supports for its op, and for every
 * width group (layers a residual add ties together) the widths that keep shapes valid. The
 * final layer's width is pinned to 1, a depthwise layer's width follows its producer, and
 * widths that would keep the same channel counts as a smaller width are dropped.
 *
 * @example
 * ```ts ignore
 * import { buildSearchSpace, spaceSize } from "./space.ts";
 * const space = buildSearchSpace(graph, await loadProfile("cortex-m7-stm32h743"));
 * console.log(space.layers.length, spaceSize(space)); // 10 241864704n for resnet8
 * ```
 *
 * @module
 */
import { DEFAULT_WIDTHS, prunedChannels } from "./cost/config.ts";
import { widthGroups } from "./cost/widths.ts";
import { type ComputeNode, type Graph, isComputeNode } from "./models/ir.ts";
import { formatPair, profileOpOf, supportedPairs } from "./profile/lookup.ts";
import type { BitPair, HardwareProfile } from "./profile/types.ts";
import { assembleSpace, type SearchSpace, type SpaceLayerSpec } from "./space/assemble.ts";

export {
  assembleSpace,
  type Gene,
  type SearchSpace,
  type SpaceLayerSpec,
  spaceLog10Size,
  spaceSize,
  type SpaceSpec,
} from "./space/assemble.ts";
export {
  choiceOfConfiguration,
  choiceOfGenes,
  configurationOf,
  genesAt,
  genesOfChoice,
  indexOfGenes,
  nextGenes,
  randomGenes,
} from "./space/genes.ts";

/** Restrictions of {@link buildSearchSpace}. */
export interface SpaceOptions {
  /**
   * Candidate width fractions in (0, 1].
   * @default {DEFAULT_WIDTHS} ([0.25, 0.5, 0.75, 1])
   */
  readonly widths?: readonly number[];
  /** Allowed weight bits (default: every supported value). */
  readonly wbits?: readonly number[];
  /** Allowed activation bits (default: every supported value). */
  readonly abits?: readonly number[];
}

/**
 * Some layer has no choice at all: the profile supports no allowed bit pair for its op.
 * The message names the layer, its op and what the profile supports.
 */
export class EmptySearchSpaceError extends Error {
  /** The layer with no choice. */
  readonly layer: string;
  /** Its profile op. */
  readonly op: string;
  /** The pairs the profile supports for that op (possibly none). */
  readonly supported: readonly BitPair[];

  /** Builds the error; `allowed` describes the bit restrictions in force, if any. */
  constructor(
    layer: string,
    op: string,
    supported: readonly BitPair[],
    profile: string,
    allowed = "",
    options?: ErrorOptions,
  ) {
    const have = supported.map(formatPair).join(", ") || "nothing";
    super(
      `Empty search space: layer "${layer}" (${op}) has no choice: profile "${profile}" ` +
        `supports ${have} for ${op}${allowed}`,
      options,
    );
    this.name = "EmptySearchSpaceError";
    this.layer = layer;
    this.op = op;
    this.supported = supported;
  }
}

/**
 * Builds the search space of `graph` on `profile`. Throws {@link EmptySearchSpaceError} when
 * a layer has no supported pair, RangeError for a width outside (0, 1].
 */
export function buildSearchSpace(
  graph: Graph,
  profile: HardwareProfile,
  options: SpaceOptions = {},
): SearchSpace {
  const widths = [...new Set(options.widths ?? DEFAULT_WIDTHS)].sort((a, b) => a - b);
  for (const w of widths) {
    if (!(w > 0 && w <= 1)) throw new RangeError(`Width ${w} is not a fraction in (0, 1]`);
  }
  const groupOf = new Map<string, { key: string; widths: number[] }>();
  const nodes = new Map(graph.nodes.map((n) => [n.name, n]));
  for (const g of widthGroups(graph)) {
    const members = g.layers.map((name) => nodes.get(name) as ComputeNode);
    const kept = g.prunable ? distinctWidths(members, widths) : [1];
    for (const name of g.layers) groupOf.set(name, { key: g.layers[0]!, widths: kept });
  }
  const layers: SpaceLayerSpec[] = [];
  for (const node of graph.nodes) {
    if (!isComputeNode(node)) continue;
    const op = profileOpOf(node.op)!;
    const supported = supportedPairs(profile, op);
    const pairs = supported.filter((p) =>
      (options.wbits?.includes(p.w) ?? true) && (options.abits?.includes(p.a) ?? true)
    );
    if (pairs.length === 0) {
      const allowed = options.wbits || options.abits
        ? `, none with wbits in [${options.wbits?.join(", ") ?? "any"}] and abits in [${
          options.abits?.join(", ") ?? "any"
        }]`
        : "";
      throw new EmptySearchSpaceError(node.name, op, supported, profile.name, allowed);
    }
    const g = groupOf.get(node.name);
    const free = g !== undefined && g.widths.length > 1;
    layers.push({
      name: node.name,
      op: node.op,
      pairs,
      widths: free ? g.widths : [1],
      ...(free ? { group: g.key } : {}),
    });
  }
  return assembleSpace({ layers });
}

/** Widths whose channel counts differ from every smaller width's, over all members. */
function distinctWidths(members: readonly ComputeNode[], widths: readonly number[]): number[] {
  const seen = new Set<string>();
  const out: number[] = [];
  for (const w of widths) {
    const key = members.map((m) => prunedChannels(m.outShape.at(-1)!, w)).join();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(w);
  }
  return out;
}
