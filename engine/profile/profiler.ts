/**
 * The profiler's pure half: which layer shapes of a model to measure, and which of them each
 * node of a network times. `measure_networks.ts` runs the networks; `in_network.ts` turns their
 * per-node timestamps into per-shape samples; `local_profile.ts` into measured rows.
 *
 * A **unit** is what one measured row stands for: a costed node of the graph (conv2d,
 * depthwise, dense, add, max/avg pool, global average pool) together with the nodes the cost
 * model prices at zero that it owns — the batch-norm, activation, flatten and dropout nodes
 * that follow it (the chain of their first inputs leads back to it). Its key is (op, shape,
 * epilogue): the same conv shape followed by a batch-norm and relu6 in one model and by
 * nothing in another are two rows (`engine/cost/epilogue.ts`). A unit is timed inside
 * whole networks run through the same executor (`forward()`) as the networks the cost model
 * predicts, so cache state, allocation and dispatch are those of a real run.
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
import { layerEpilogues, layerOwners } from "../cost/epilogue.ts";
import { type Graph, type GraphNode, inShape } from "../models/ir.ts";
import { dependencyGroups } from "../prune/channels.ts";
import { prunedGraph } from "../prune/surgery.ts";
import { sameEpilogue, sameShape } from "./lookup.ts";
import type { EpilogueOp, MeasuredShape, ProfileOp } from "./types.ts";

/** Widths the profiler measures by default (fractions of every prunable group). */
export const DEFAULT_PROFILE_WIDTHS: readonly number[] = [0.5, 0.75, 1];

/** One shape to measure. */
export interface ProfileUnit {
  /** Profile op of the row. */
  readonly op: ProfileOp;
  /** Shape signature of the row (the cost model's lookup key). */
  readonly shape: MeasuredShape;
  /** The batch-norm and activation ops the layer's time includes (`cost/epilogue.ts`). */
  readonly epilogue: readonly EpilogueOp[];
  /** `model/layer` names of every layer this shape stands for. */
  readonly layers: readonly string[];
}

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

/** Index in `units` of the unit with the key (op, shape, epilogue) of `unit`, or -1. */
export function unitIndexOf(
  units: readonly ProfileUnit[],
  unit: Pick<ProfileUnit, "op" | "shape" | "epilogue">,
): number {
  return units.findIndex((u) =>
    u.op === unit.op && sameShape(u.shape, unit.shape) && sameEpilogue(u.epilogue, unit.epilogue)
  );
}

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

/** Adds `unit` to `units`, or its layers to the unit of the same op and shape. */
function addUnit(units: ProfileUnit[], unit: ProfileUnit): void {
  const i = unitIndexOf(units, unit);
  if (i < 0) units.push(unit);
  else {
    const old = units[i]!;
    const layers = [...old.layers, ...unit.layers.filter((l) => !old.layers.includes(l))];
    units[i] = { ...old, layers };
  }
}

/**
 * Every shape a model's costed layers take over `widths` (see the module doc), deduplicated
 * by (op, shape, epilogue); pass `units` to add to the units of other models. Layers with
 * non-square kernels or strides are skipped.
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
  const epilogues = layerEpilogues(graph);
  for (const node of graph.nodes) {
    const op = unitOpOf(node);
    if (op === undefined) continue;
    const crossed = op === "conv2d" || op === "dense";
    for (let i = 0; i < atWidth.length; i++) {
      for (let o = 0; o < atWidth.length; o++) {
        if (!crossed && o !== i) continue;
        const gIn = atWidth[i]!, gOut = atWidth[o]!;
        const input = inShape(gIn, byName(gIn, node.name));
        const shape = unitShape(byName(gOut, node.name), input);
        if (shape === undefined) continue;
        const epilogue = epilogues.get(node.name) ?? [];
        addUnit(units, { op, shape, epilogue, layers: [`${graph.name}/${node.name}`] });
      }
    }
  }
  return units;
}

/** One costed layer of a network: the unit it measures and the nodes whose time is its. */
export interface UnitOccurrence {
  /** Index in the unit list. */
  readonly unit: number;
  /** Indices in `network.nodes`: the costed node and the nodes it owns. */
  readonly nodes: readonly number[];
}

/**
 * The costed layers of `network` (a graph, pruned or not) whose shape is in `units`, in
 * graph order, each with the nodes it owns (`layerOwners()`). Nodes of no occurrence
 * (the input; layers of shapes `units` lacks) are per-network overhead.
 */
export function unitOccurrences(
  network: Graph,
  units: readonly ProfileUnit[],
): UnitOccurrence[] {
  const owners = layerOwners(network);
  const epilogues = layerEpilogues(network);
  const out: { unit: number; nodes: number[] }[] = [];
  const byOwner = new Map<string, { unit: number; nodes: number[] }>();
  network.nodes.forEach((node, i) => {
    const op = unitOpOf(node);
    if (op !== undefined) {
      const shape = unitShape(node, inShape(network, node));
      const epilogue = epilogues.get(node.name) ?? [];
      const unit = shape === undefined ? -1 : unitIndexOf(units, { op, shape, epilogue });
      if (unit < 0) return;
      const occ = { unit, nodes: [i] };
      byOwner.set(node.name, occ);
      out.push(occ);
      return;
    }
    byOwner.get(owners.get(node.name) ?? "")?.nodes.push(i);
  });
  return out;
}
