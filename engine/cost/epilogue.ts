/**
 * The epilogue of a costed layer: the batch-norm and activation ops that run after its own
 * op when nothing folds or fuses them (Tailor's executor). A costed node (conv2d,
 * depthwise, dense, add, max/avg pool, global pool) **owns** the batch-norm, activation,
 * flatten and dropout nodes that follow it (the chain of their first inputs leads back to
 * it); its epilogue is its own non-linear activation, then the batch-norms and non-linear
 * activations it owns, in graph order (flatten and dropout cost nothing). Measured rows
 * that carry an epilogue price only layers with the same one (`latency.ts`).
 *
 * @module
 */
import type { Graph, GraphNode } from "../models/ir.ts";
import type { EpilogueOp } from "../profile/types.ts";

const COSTED: ReadonlySet<GraphNode["op"]> = new Set([
  "conv2d",
  "depthwise",
  "dense",
  "add",
  "maxpool",
  "avgpool",
  "gap",
]);

const OWNED: ReadonlySet<GraphNode["op"]> = new Set([
  "batchnorm",
  "activation",
  "flatten",
  "dropout",
]);

/** True for the nodes the cost model prices (conv2d, depthwise, dense, add, pools). */
export function isCostedNode(node: GraphNode): boolean {
  return COSTED.has(node.op);
}

/**
 * The owning costed node of every node: itself for costed nodes, its first input's owner
 * for batch-norm, activation, flatten and dropout (undefined when that leads to the input).
 */
export function layerOwners(graph: Graph): Map<string, string | undefined> {
  const owner = new Map<string, string | undefined>();
  for (const node of graph.nodes) {
    if (COSTED.has(node.op)) owner.set(node.name, node.name);
    else if (OWNED.has(node.op)) owner.set(node.name, owner.get(node.inputs[0] ?? ""));
    else owner.set(node.name, undefined);
  }
  return owner;
}

function epilogueOpOf(node: GraphNode): EpilogueOp | undefined {
  if (node.op === "batchnorm") return "batchnorm";
  if (!("activation" in node)) return undefined;
  const a = node.activation;
  return a === "relu" || a === "relu6" || a === "softmax" ? a : undefined;
}

/**
 * The epilogue of every costed node of `graph` (see the module doc), by node name.
 *
 * @example
 * ```ts
 * import { layerEpilogues } from "./epilogue.ts";
 * import { residualGraph } from "../../tests/fixtures/graphs.ts";
 * console.log(layerEpilogues(residualGraph).get("a")); // ["batchnorm", "relu"]
 * ```
 */
export function layerEpilogues(graph: Graph): Map<string, EpilogueOp[]> {
  const owners = layerOwners(graph);
  const out = new Map<string, EpilogueOp[]>();
  for (const node of graph.nodes) {
    const owner = owners.get(node.name);
    if (owner === undefined) continue;
    if (owner === node.name) out.set(node.name, []);
    const op = epilogueOpOf(node);
    if (op !== undefined) out.get(owner)!.push(op);
  }
  return out;
}
