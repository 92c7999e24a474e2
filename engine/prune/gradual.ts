/**
 * Gradual (soft) pruning: executor hooks that scale the pruned channels of group masks by
 * a factor falling linearly from 1 to 0 over a number of training steps (and 0 after), so
 * a network is eased into the masked function, which surgery then makes physically
 * smaller, instead of being cut at once. While fading, the factor is applied once per
 * path, where a group's channels leave it (outputs read by a layer of another group), so
 * it is not compounded along the layers that carry the group (conv, batch norm, ReLU,
 * depthwise); from the last step on, the hooks are exactly the group masks.
 *
 * @module
 */
import type { ExecHooks } from "../exec/hooks.ts";
import type { Graph } from "../models/ir.ts";
import { analyzeChannels } from "./channels.ts";
import { type GroupMasks, nodeMasks } from "./masks.ts";

/** Options of {@linkcode annealedMaskHooks}. */
export interface AnnealOptions {
  /** Steps over which pruned channels fade from 1 to 0 (they are 0 from this step on). */
  readonly steps: number;
}

/**
 * Hooks per training step: kept channels are multiplied by 1, pruned ones (mask 0) by
 * `max(0, 1 - step / steps)` where they leave their group. From step `steps` on the
 * network computes exactly what the surgically pruned one does.
 *
 * @example
 * ```ts
 * import { annealedMaskHooks } from "./gradual.ts";
 * import type { Graph } from "../models/ir.ts";
 * const graph: Graph = {
 *   name: "g",
 *   output: "out",
 *   nodes: [
 *     { name: "in", op: "input", inputs: [], outShape: [4] },
 *     { name: "fc", op: "dense", inputs: ["in"], outShape: [2], units: 2, useBias: true,
 *       activation: "relu" },
 *     { name: "out", op: "dense", inputs: ["fc"], outShape: [2], units: 2, useBias: true,
 *       activation: "linear" },
 *   ],
 * };
 * const at = annealedMaskHooks(graph, { fc: new Float32Array([1, 0]) }, { steps: 4 });
 * console.assert((at(1).masks!.fc as Float32Array)[1] === 0.75);
 * ```
 */
export function annealedMaskHooks(
  graph: Graph,
  masks: GroupMasks,
  opts: AnnealOptions,
): (step: number) => ExecHooks {
  if (!(Number.isInteger(opts.steps) && opts.steps > 0)) {
    throw new RangeError(
      `Cannot anneal masks over ${opts.steps} steps: expected a positive integer`,
    );
  }
  const analysis = analyzeChannels(graph);
  const hard = nodeMasks(graph, masks, analysis);
  const groupOf = (name: string) => analysis.nodes.get(name)!.group;
  const exits = Object.entries(hard).filter(([name]) =>
    graph.nodes.some((n) => n.inputs.includes(name) && groupOf(n.name) !== groupOf(name)) ||
    name === graph.output
  );
  return (step) => {
    const f = Math.max(0, 1 - step / opts.steps);
    if (f === 0) return { masks: hard };
    return {
      masks: Object.fromEntries(exits.map(([name, m]) => [name, m.map((v) => v + (1 - v) * f)])),
    };
  };
}
