/**
 * What to tell a user who names a layer the graph has no compute layer of: the nearest
 * compute layer's name when it is a likely typo, and the names there are.
 *
 * @module
 */
import { type Graph, isComputeNode } from "./ir.ts";

/** Levenshtein distance between `a` and `b` (insertions, deletions, substitutions). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitute = prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, substitute));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * The candidate closest to `name`, if within a typo's distance (a third of the name's length,
 * at least 2 edits); the first of equally close ones.
 *
 * @example
 * ```ts
 * import { closestName } from "./layer_names.ts";
 * console.assert(closestName("blok1_conv1", ["conv1", "block1_conv1"]) === "block1_conv1");
 * console.assert(closestName("head", ["conv1", "block1_conv1"]) === undefined);
 * ```
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(2, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

/**
 * The end of an error about `name`, which is not a compute layer of `graph`: a guess at
 * the intended layer, then the compute layers there are, in graph order.
 *
 * @example
 * ```ts
 * import { computeLayerHint } from "./layer_names.ts";
 * import type { Graph } from "./ir.ts";
 * const graph: Graph = { name: "g", output: "fc", nodes: [
 *   { name: "in", op: "input", inputs: [], outShape: [4] },
 *   { name: "fc", op: "dense", inputs: ["in"], outShape: [2], units: 2, useBias: true, activation: "linear" },
 * ] };
 * console.assert(computeLayerHint(graph, "fc1") === 'did you mean "fc"? Compute layers of "g": fc');
 * ```
 */
export function computeLayerHint(graph: Graph, name: string): string {
  const names = graph.nodes.filter(isComputeNode).map((n) => n.name);
  const guess = closestName(name, names);
  return (guess === undefined ? "" : `did you mean "${guess}"? `) +
    `Compute layers of "${graph.name}": ${names.join(", ")}`;
}
