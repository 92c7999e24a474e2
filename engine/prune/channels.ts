/**
 * Channel dependency analysis: which layers' output channels must be pruned together.
 * Every node output is mapped onto a "channel space"; a conv2d or dense layer opens a new
 * space (its filters/units), depthwise, batch-norm, activation, pooling, dropout, GAP and
 * flatten carry their input's space (depthwise and flatten repeat/tile it), and a residual
 * Add unifies the spaces of its inputs. One dependency group per final space.
 *
 * @module
 */
import { type Graph, type GraphNode, isComputeNode } from "../models/ir.ts";

/** Where a node's output channels live: a group and, per output channel, its group channel. */
export interface NodeChannels {
  /** Id of the group (see {@linkcode DependencyGroup.id}). */
  readonly group: string;
  /** `index[i]` is the group channel of the node's output channel `i` (last axis). */
  readonly index: Int32Array;
}

/** Layers whose output channels are pruned together. */
export interface DependencyGroup {
  /** Group id: its first producer's name (the input node's name for the input group). */
  readonly id: string;
  /** Number of channels. */
  readonly channels: number;
  /** Conv2d / dense layers whose output channels are the group's channels. */
  readonly producers: readonly string[];
  /** Conv2d / dense layers reading the group: their kernel's input slice changes. */
  readonly consumers: readonly string[];
  /** Batch-norm, depthwise and shape-only nodes carrying the group's channels. */
  readonly carried: readonly string[];
  /** False for the graph input, the logits and anything feeding a softmax. */
  readonly prunable: boolean;
  /** Why the group is not prunable. */
  readonly reason?: string;
}

/** Result of {@linkcode analyzeChannels}. */
export interface ChannelAnalysis {
  readonly groups: readonly DependencyGroup[];
  /** Per node name, where its output channels live. */
  readonly nodes: ReadonlyMap<string, NodeChannels>;
}

interface Space {
  parent: number;
  size: number;
  fixed?: string;
}

function identity(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

/**
 * Maps every node to its channel space and groups the spaces.
 * Throws a RangeError naming the node when an Add joins tensors whose channels cannot be
 * aligned (different sizes or layouts).
 */
export function analyzeChannels(graph: Graph): ChannelAnalysis {
  const spaces: Space[] = [];
  const find = (s: number): number => {
    while (spaces[s]!.parent !== s) s = spaces[s]!.parent = spaces[spaces[s]!.parent]!.parent;
    return s;
  };
  const open = (size: number): number => spaces.push({ parent: spaces.length, size }) - 1;
  const fix = (s: number, why: string): void => {
    const root = spaces[find(s)]!;
    root.fixed ??= why;
  };
  const at = new Map<string, { space: number; index: Int32Array }>();
  const get = (name: string) => at.get(name)!;
  for (const node of graph.nodes) {
    const c = node.outShape.at(-1) ?? 1;
    const inp = node.inputs[0] === undefined ? undefined : get(node.inputs[0]);
    if (node.op === "input") {
      const s = open(c);
      fix(s, "graph input");
      at.set(node.name, { space: s, index: identity(c) });
    } else if (node.op === "conv2d" || node.op === "dense") {
      const s = open(c);
      if (node.activation === "softmax") fix(s, `softmax in "${node.name}"`);
      at.set(node.name, { space: s, index: identity(c) });
    } else if (node.op === "depthwise") {
      const m = node.depthMultiplier;
      const index = Int32Array.from({ length: c }, (_, i) => inp!.index[Math.floor(i / m)]!);
      if (node.activation === "softmax") fix(inp!.space, `softmax in "${node.name}"`);
      at.set(node.name, { space: inp!.space, index });
    } else if (node.op === "flatten") {
      const n = inp!.index.length;
      const index = Int32Array.from({ length: c }, (_, i) => inp!.index[i % n]!);
      at.set(node.name, { space: inp!.space, index });
    } else if (node.op === "add") {
      const first = inp!;
      for (const name of node.inputs.slice(1)) {
        const other = get(name);
        const a = find(first.space), b = find(other.space);
        const aligned = spaces[a]!.size === spaces[b]!.size &&
          other.index.length === first.index.length &&
          other.index.every((v, i) => v === first.index[i]);
        if (!aligned) {
          throw new RangeError(
            `Cannot align the channels of add "${node.name}": input "${name}" has a ` +
              `different channel layout than "${node.inputs[0]}"`,
          );
        }
        if (a !== b) {
          spaces[b]!.parent = a;
          spaces[a]!.fixed ??= spaces[b]!.fixed;
        }
      }
      at.set(node.name, first);
    } else {
      if (node.op === "activation" && node.activation === "softmax") {
        fix(inp!.space, `softmax in "${node.name}"`);
      }
      at.set(node.name, inp!);
    }
  }
  fix(get(graph.output).space, "network output");
  return collect(graph, spaces, find, at);
}

function collect(
  graph: Graph,
  spaces: Space[],
  find: (s: number) => number,
  at: Map<string, { space: number; index: Int32Array }>,
): ChannelAnalysis {
  const members = new Map<
    number,
    { producers: string[]; consumers: string[]; carried: string[] }
  >();
  const entry = (root: number) => {
    let e = members.get(root);
    if (!e) members.set(root, e = { producers: [], consumers: [], carried: [] });
    return e;
  };
  const rootOf = (name: string) => find(at.get(name)!.space);
  for (const node of graph.nodes) {
    const root = rootOf(node.name);
    if (node.op === "conv2d" || node.op === "dense") {
      entry(root).producers.push(node.name);
      entry(rootOf(node.inputs[0]!)).consumers.push(node.name);
    } else if (node.op !== "input") {
      entry(root).carried.push(node.name);
    } else {
      entry(root);
    }
  }
  const ids = new Map<number, string>();
  const groups: DependencyGroup[] = [];
  for (const [root, m] of [...members].sort(([a], [b]) => a - b)) {
    const id = m.producers[0] ?? graph.nodes[0]!.name;
    ids.set(root, id);
    const fixed = spaces[root]!.fixed;
    groups.push({
      id,
      channels: spaces[root]!.size,
      ...m,
      prunable: fixed === undefined,
      ...(fixed === undefined ? {} : { reason: fixed }),
    });
  }
  const nodes = new Map<string, NodeChannels>();
  for (const [name, v] of at) nodes.set(name, { group: ids.get(find(v.space))!, index: v.index });
  const order = new Map(graph.nodes.map((n, i) => [n.name, i]));
  groups.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  return { groups, nodes };
}

/**
 * The dependency groups of a graph, in order of their first producer.
 *
 * @example
 * ```ts
 * import { dependencyGroups } from "./channels.ts";
 * import type { Graph } from "../models/ir.ts";
 * const graph: Graph = {
 *   name: "g",
 *   output: "fc",
 *   nodes: [
 *     { name: "in", op: "input", inputs: [], outShape: [4] },
 *     { name: "fc", op: "dense", inputs: ["in"], outShape: [2], units: 2, useBias: true,
 *       activation: "linear" },
 *   ],
 * };
 * console.assert(dependencyGroups(graph).every((g) => !g.prunable));
 * ```
 */
export function dependencyGroups(graph: Graph): readonly DependencyGroup[] {
  return analyzeChannels(graph).groups;
}

/** True when a node carries weights whose input slice follows its producer (conv/dense). */
export function isConsumerNode(node: GraphNode): boolean {
  return isComputeNode(node) && node.op !== "depthwise";
}
