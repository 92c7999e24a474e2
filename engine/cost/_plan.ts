/**
 * Private: a graph compiled once into index arrays, so cost queries never re-walk names.
 * Profile-independent. Cached per graph object (graphs are immutable).
 *
 * @module
 */
import { type Graph, type GraphNode, isComputeNode } from "../models/ir.ts";

/** Ops whose output aliases their input buffer (BN folded, activation fused, views). */
const ALIAS_OPS: ReadonlySet<string> = new Set(["batchnorm", "activation", "dropout", "flatten"]);

/** The compiled graph. Indices: `n` = node index, `c` = compute-layer index, `b` = buffer. */
export interface Plan {
  readonly graph: Graph;
  readonly nodes: readonly GraphNode[];
  readonly byName: ReadonlyMap<string, number>;
  /** Producer node indices per node. */
  readonly inputs: readonly (readonly number[])[];
  /** Consumer node indices per node. */
  readonly consumers: readonly (readonly number[])[];
  /** Node index of each compute layer (conv2d, depthwise, dense), topological order. */
  readonly compute: readonly number[];
  /** Compute index per node (-1 for other ops). */
  readonly computeOf: Int32Array;
  /** Compute index of the conv/dense deciding a node's output channels; -1 = fixed. */
  readonly widthSource: Int32Array;
  /** Per compute layer: false when its width is pinned to 1 (output group, input-tied add). */
  readonly prunable: readonly boolean[];
  /** Per compute layer: width group id (equal ids = widths tied by an add). */
  readonly groupOf: readonly number[];
  /** Per compute layer: it has a bias (own or a folded batch-norm). */
  readonly hasBias: readonly boolean[];
  /** Buffer index per node (alias ops share their input's buffer). */
  readonly bufferOf: Int32Array;
  /** Per buffer: producing node index. */
  readonly bufferNode: readonly number[];
  /** Per buffer: first and last step it is live. */
  readonly born: Int32Array;
  readonly death: Int32Array;
  /** Per buffer: consumers reading it (node indices, through aliases). */
  readonly readers: readonly (readonly number[])[];
  /** Number of execution steps (non-alias nodes). */
  readonly steps: number;
  /** Compute index of the last compute layer (its abits store the network output). */
  readonly lastCompute: number;
}

const cache = new WeakMap<Graph, Plan>();

/** Compiles (or returns the cached) plan of a graph. */
export function planOf(graph: Graph): Plan {
  const hit = cache.get(graph);
  if (hit) return hit;
  const plan = compile(graph);
  cache.set(graph, plan);
  return plan;
}

function compile(graph: Graph): Plan {
  const nodes = graph.nodes;
  const byName = new Map<string, number>();
  nodes.forEach((n, i) => {
    if (byName.has(n.name)) throw new RangeError(`Graph "${graph.name}" repeats node "${n.name}"`);
    byName.set(n.name, i);
  });
  const idx = (name: string, from: string): number => {
    const i = byName.get(name);
    if (i === undefined) {
      throw new RangeError(`Node "${from}" of graph "${graph.name}" reads unknown "${name}"`);
    }
    return i;
  };
  const inputs = nodes.map((n) => n.inputs.map((s) => idx(s, n.name)));
  const consumers: number[][] = nodes.map(() => []);
  inputs.forEach((ins, i) => ins.forEach((p) => consumers[p]!.push(i)));
  const outIdx = idx(graph.output, "(output)");

  const compute: number[] = [];
  const computeOf = new Int32Array(nodes.length).fill(-1);
  nodes.forEach((n, i) => {
    if (isComputeNode(n)) {
      computeOf[i] = compute.length;
      compute.push(i);
    }
  });

  // Raw width sources, then dependency groups (union-find over adds).
  const widthSource = new Int32Array(nodes.length).fill(-1);
  nodes.forEach((n, i) => {
    if (n.op === "conv2d" || n.op === "dense") widthSource[i] = computeOf[i]!;
    else if (n.op !== "input") widthSource[i] = widthSource[inputs[i]![0]!]!;
  });
  const parent = compute.map((_, c) => c);
  const find = (c: number): number => (parent[c] === c ? c : (parent[c] = find(parent[c]!)));
  const fixedRoots = new Set<number>();
  const pinned: number[] = [widthSource[outIdx]!];
  nodes.forEach((n, i) => {
    if (n.op !== "add") return;
    const srcs = inputs[i]!.map((p) => widthSource[p]!);
    if (srcs.some((s) => s < 0)) pinned.push(...srcs);
    const first = srcs[0]!;
    for (const s of srcs) if (s >= 0 && first >= 0) parent[find(s)] = find(first);
  });
  // Pin after all unions so the roots are final.
  for (const s of pinned) if (s >= 0) fixedRoots.add(find(s));
  const prunable = compute.map((n, c) => nodes[n]!.op !== "depthwise" && !fixedRoots.has(find(c)));
  for (let i = 0; i < nodes.length; i++) {
    const s = widthSource[i]!;
    if (s >= 0 && !prunable[s]) widthSource[i] = -1;
  }
  const hasBias = compute.map((n) => {
    const node = nodes[n]!;
    if (isComputeNode(node) && node.useBias) return true;
    const cs = consumers[n]!;
    return cs.length === 1 && nodes[cs[0]!]!.op === "batchnorm";
  });

  // Buffers and liveness over execution steps (alias ops are not steps).
  const bufferOf = new Int32Array(nodes.length);
  const stepOf = new Int32Array(nodes.length);
  const bufferNode: number[] = [];
  let steps = 0;
  nodes.forEach((n, i) => {
    if (ALIAS_OPS.has(n.op) && inputs[i]!.length > 0) {
      bufferOf[i] = bufferOf[inputs[i]![0]!]!;
      stepOf[i] = stepOf[inputs[i]![0]!]!;
    } else {
      bufferOf[i] = bufferNode.length;
      bufferNode.push(i);
      stepOf[i] = steps++;
    }
  });
  const born = new Int32Array(bufferNode.length);
  const death = new Int32Array(bufferNode.length);
  const readers: number[][] = bufferNode.map(() => []);
  bufferNode.forEach((n, b) => {
    born[b] = stepOf[n]!;
    death[b] = stepOf[n]!;
  });
  nodes.forEach((_, i) => {
    const b = bufferOf[i]!;
    for (const c of consumers[i]!) {
      if (bufferOf[c] === b) continue; // an alias of the same buffer
      readers[b]!.push(c);
      death[b] = Math.max(death[b]!, stepOf[c]!);
    }
  });
  death[bufferOf[outIdx]!] = steps - 1;
  return {
    graph,
    nodes,
    byName,
    inputs,
    consumers,
    compute,
    computeOf,
    widthSource,
    prunable,
    groupOf: compute.map((_, c) => find(c)),
    hasBias,
    bufferOf,
    bufferNode,
    born,
    death,
    readers,
    steps,
    lastCompute: compute.length - 1,
  };
}
