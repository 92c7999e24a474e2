/**
 * The profiler's pure half: which layer shapes of a model to measure, and the runnable
 * sub-graph that measures each one. `measure_wasm.ts` runs the sub-graphs; `profile_build.ts`
 * turns the timings into measured rows and a profile.
 *
 * A **unit** is what one measured row stands for: a costed node of the graph (conv2d,
 * depthwise, dense, add, max/avg pool, global average pool) together with the nodes the cost
 * model prices at zero that it owns — the batch-norm, activation, flatten and dropout nodes
 * that follow it (the chain of their first inputs leads back to it). Measuring the unit
 * through the same executor (`forward()`) as the whole network makes the rows add up to the
 * network's latency.
 *
 * Shapes: the network is pruned (shapes only, `prunedGraph()`) to every width of the list,
 * all prunable groups at once. A conv2d or dense layer takes every (input width, output
 * width) pair, its input shape from the graph pruned at the first and its own node from the
 * graph pruned at the second; depthwise, add and pool layers follow their producer, so they
 * take one width. Shape signatures are the cost model's (`engine/cost/layer.ts`): dense
 * `{1, 1, features, units, 1, 1, 1}`, depthwise `groups = cin`, add `{H, W, ch, ch, 1, 1, 1}`,
 * pool `{inH, inW, ch, ch, window, stride, 1}` with global pooling `window = stride = inH`.
 *
 * @module
 */
import { prunedChannels } from "../cost/config.ts";
import { type Graph, type GraphNode, inShape } from "../models/ir.ts";
import { dependencyGroups } from "../prune/channels.ts";
import { prunedGraph } from "../prune/surgery.ts";
import { sameShape } from "./lookup.ts";
import type { MeasuredShape, ProfileOp } from "./types.ts";

/** Widths the profiler measures by default (fractions of every prunable group). */
export const DEFAULT_PROFILE_WIDTHS: readonly number[] = [0.5, 0.75, 1];

/** Name of the input node of a unit's sub-graph. */
export const UNIT_INPUT = "__input";
/** Name of the flatten node closing a unit's sub-graph (`forward()` returns rank 2). */
export const UNIT_OUTPUT = "__flatten";

/** One shape to measure, with the sub-graphs that measure it. */
export interface ProfileUnit {
  /** Profile op of the row. */
  readonly op: ProfileOp;
  /** Shape signature of the row (the cost model's lookup key). */
  readonly shape: MeasuredShape;
  /** `UNIT_INPUT` -> the layer -> the nodes it owns -> `UNIT_OUTPUT`. */
  readonly graph: Graph;
  /** `UNIT_INPUT` (shaped as the unit's last node) -> `UNIT_OUTPUT`: subtracted from `graph`. */
  readonly baseline: Graph;
  /** `model/layer` names of every layer this shape stands for. */
  readonly layers: readonly string[];
}

const FREE_OPS: ReadonlySet<GraphNode["op"]> = new Set([
  "batchnorm",
  "activation",
  "flatten",
  "dropout",
]);

/** The profile op a node is measured as, or undefined for nodes the cost model prices at 0. */
export function unitOpOf(node: GraphNode): ProfileOp | undefined {
  switch (node.op) {
    case "conv2d":
    case "depthwise":
    case "dense":
    case "add":
      return node.op;
    case "maxpool":
    case "avgpool":
    case "gap":
      return "pool";
    default:
      return undefined;
  }
}

/**
 * The owning costed node of every node: itself for costed nodes, its first input's owner
 * for batch-norm, activation, flatten and dropout (undefined when that leads to the input).
 */
export function unitOwners(graph: Graph): Map<string, string | undefined> {
  const owner = new Map<string, string | undefined>();
  for (const node of graph.nodes) {
    if (unitOpOf(node) !== undefined) owner.set(node.name, node.name);
    else if (FREE_OPS.has(node.op)) owner.set(node.name, owner.get(node.inputs[0] ?? ""));
    else owner.set(node.name, undefined);
  }
  return owner;
}

/** The graph with every prunable group at `width` (first channels kept; shapes only). */
export function graphAtWidth(graph: Graph, width: number): Graph {
  if (!(width > 0 && width <= 1)) {
    throw new RangeError(`Cannot prune graph "${graph.name}" to width ${width}: expected (0, 1]`);
  }
  const masks: Record<string, Float32Array> = {};
  for (const g of dependencyGroups(graph)) {
    if (!g.prunable) continue;
    const keep = prunedChannels(g.channels, width);
    masks[g.id] = Float32Array.from({ length: g.channels }, (_, i) => (i < keep ? 1 : 0));
  }
  return prunedGraph(graph, masks);
}

const byName = (g: Graph, name: string): GraphNode => g.nodes.find((n) => n.name === name)!;
const lastDim = (shape: readonly number[]): number => shape[shape.length - 1] ?? 1;
const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Shape signature of `node` reading a tensor of shape `input` (undefined: not square). */
export function unitShape(
  node: GraphNode,
  input: readonly number[],
): MeasuredShape | undefined {
  const [inH = 1, inW = 1] = input.length === 3 ? input : [1, 1];
  const cin = node.op === "dense" ? size(input) : lastDim(input);
  const cout = lastDim(node.outShape);
  const base = { inH, inW, cin, cout, kernel: 1, stride: 1, groups: 1 };
  switch (node.op) {
    case "conv2d":
    case "depthwise":
    case "maxpool":
    case "avgpool": {
      const [kh, kw] = "poolSize" in node ? node.poolSize : node.kernel;
      const [sh, sw] = node.strides;
      if (kh !== kw || sh !== sw) return undefined;
      return { ...base, kernel: kh, stride: sh, groups: node.op === "depthwise" ? cin : 1 };
    }
    case "gap":
      return inH === inW ? { ...base, kernel: inH, stride: inH } : undefined;
    case "dense":
      return { ...base, inH: 1, inW: 1 };
    default:
      return base;
  }
}

/** The sub-graphs measuring `nodes` (a layer and the nodes it owns) on an `input` tensor. */
export function unitGraphs(
  name: string,
  nodes: readonly GraphNode[],
  input: readonly number[],
): { graph: Graph; baseline: Graph } {
  const [head, ...rest] = nodes;
  if (head === undefined) throw new RangeError(`Cannot build unit "${name}": no nodes`);
  const last = nodes[nodes.length - 1]!;
  const inputNode: GraphNode = { op: "input", name: UNIT_INPUT, inputs: [], outShape: input };
  const flat = (from: string): GraphNode => ({
    op: "flatten",
    name: UNIT_OUTPUT,
    inputs: [from],
    outShape: [size(last.outShape)],
  });
  const first = { ...head, inputs: head.inputs.map(() => UNIT_INPUT) } as GraphNode;
  return {
    graph: { name, nodes: [inputNode, first, ...rest, flat(last.name)], output: UNIT_OUTPUT },
    baseline: {
      name: `${name}/baseline`,
      nodes: [{ ...inputNode, outShape: last.outShape }, flat(UNIT_INPUT)],
      output: UNIT_OUTPUT,
    },
  };
}

/** Adds `unit` to `units`, or its layers to the unit of the same op and shape. */
function addUnit(units: ProfileUnit[], unit: ProfileUnit): void {
  const i = units.findIndex((u) => u.op === unit.op && sameShape(u.shape, unit.shape));
  if (i < 0) units.push(unit);
  else {
    const old = units[i]!;
    const layers = [...old.layers, ...unit.layers.filter((l) => !old.layers.includes(l))];
    units[i] = { ...old, layers };
  }
}

/**
 * Every shape a model's costed layers take over `widths` (see the module doc), deduplicated
 * by (op, shape); pass `units` to add to the units of other models (the first model's
 * sub-graph is kept for a shared shape). Layers with non-square kernels or strides are skipped.
 *
 * @example
 * ```ts
 * import { profileUnits } from "./profiler.ts";
 * import { residualGraph } from "../../tests/fixtures/graphs.ts";
 * const units = profileUnits(residualGraph, [0.5, 1]);
 * console.log(units.map((u) => [u.op, u.shape.cin, u.shape.cout]));
 * ```
 */
export function profileUnits(
  graph: Graph,
  widths: readonly number[] = DEFAULT_PROFILE_WIDTHS,
  units: ProfileUnit[] = [],
): ProfileUnit[] {
  if (widths.length === 0) throw new RangeError("Cannot profile over an empty list of widths");
  const atWidth = widths.map((w) => graphAtWidth(graph, w));
  const owners = unitOwners(graph);
  for (const node of graph.nodes) {
    const op = unitOpOf(node);
    if (op === undefined) continue;
    const owned = graph.nodes.filter((n) => owners.get(n.name) === node.name).map((n) => n.name);
    const crossed = op === "conv2d" || op === "dense";
    for (let i = 0; i < atWidth.length; i++) {
      for (let o = 0; o < atWidth.length; o++) {
        if (!crossed && o !== i) continue;
        const gIn = atWidth[i]!, gOut = atWidth[o]!;
        const input = inShape(gIn, byName(gIn, node.name));
        const nodes = owned.map((name) => byName(gOut, name));
        const shape = unitShape(nodes[0]!, input);
        if (shape === undefined) continue;
        const name = `${graph.name}/${node.name}`;
        addUnit(units, { op, shape, ...unitGraphs(name, nodes, input), layers: [name] });
      }
    }
  }
  return units;
}
