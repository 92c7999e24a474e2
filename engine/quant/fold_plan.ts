/**
 * Batch-norm folding planner over the graph IR: for each batch norm, whether it folds
 * (backward into its producer, else forward into its consumer) and, when it cannot, why.
 *
 * Backward fold (preferred) needs: the producer is conv2d / depthwise / dense, with a
 * linear fused activation, and its output feeds only this batch norm.
 * Forward fold needs: the batch-norm output feeds exactly one node, reaching a conv2d /
 * depthwise / dense through only linear shape ops (flatten, dropout, gap, avgpool) that
 * each feed one node, and a conv or depthwise consumer uses `valid` padding (zero padding
 * would pad the input where the unfolded net padded the batch-norm output).
 *
 * @module
 */
import type { Graph, GraphNode } from "../models/ir.ts";
import { isComputeNode, nodeByName } from "../models/ir.ts";

/** Why one direction of folding is impossible. */
export type FoldBlocker =
  | "producer-not-linear-layer"
  | "producer-activation"
  | "producer-shared"
  | "output-shared"
  | "consumer-nonlinear"
  | "consumer-not-linear-layer"
  | "consumer-zero-padding";

/** The planner's decision for one batch norm. */
export type FoldDecision =
  | {
    readonly fold: true;
    /** `backward`: into the producer; `forward`: into the consumer. */
    readonly direction: "backward" | "forward";
    /** Name of the conv2d / depthwise / dense layer that absorbs the batch norm. */
    readonly into: string;
    /** Linear shape ops between the batch norm and `into` (forward folds only). */
    readonly through: readonly string[];
  }
  | {
    readonly fold: false;
    /** Human-readable reason, naming the nodes involved, for both directions. */
    readonly reason: string;
    readonly backward: FoldBlocker;
    readonly forward: FoldBlocker;
  };

const PASS_THROUGH = new Set<GraphNode["op"]>(["flatten", "dropout", "gap", "avgpool"]);

type Check = { ok: true; into: string; through: string[] } | {
  ok: false;
  blocker: FoldBlocker;
  why: string;
};

function consumersOf(graph: Graph): Map<string, string[]> {
  const map = new Map<string, string[]>(graph.nodes.map((n) => [n.name, []]));
  for (const n of graph.nodes) for (const i of n.inputs) map.get(i)?.push(n.name);
  map.get(graph.output)?.push("(graph output)");
  return map;
}

function backward(graph: Graph, bn: GraphNode, consumers: Map<string, string[]>): Check {
  const producer = nodeByName(graph, bn.inputs[0] ?? "");
  if (!isComputeNode(producer)) {
    return {
      ok: false,
      blocker: "producer-not-linear-layer",
      why: `producer "${producer.name}" is ${producer.op}, not conv2d/depthwise/dense`,
    };
  }
  if (producer.activation !== "linear") {
    return {
      ok: false,
      blocker: "producer-activation",
      why: `producer "${producer.name}" applies ${producer.activation} before the batch norm`,
    };
  }
  const others = (consumers.get(producer.name) ?? []).filter((c) => c !== bn.name);
  if (others.length > 0) {
    return {
      ok: false,
      blocker: "producer-shared",
      why: `producer "${producer.name}" also feeds ${others.join(", ")}, which would change`,
    };
  }
  return { ok: true, into: producer.name, through: [] };
}

function forward(graph: Graph, bn: GraphNode, consumers: Map<string, string[]>): Check {
  const through: string[] = [];
  let current = bn;
  for (;;) {
    const next = consumers.get(current.name) ?? [];
    if (next.length !== 1 || next[0] === "(graph output)") {
      return {
        ok: false,
        blocker: "output-shared",
        why: `"${current.name}" feeds ${next.length === 1 ? "the graph output" : next.join(", ")}`,
      };
    }
    const node = nodeByName(graph, next[0]!);
    if (isComputeNode(node)) {
      if (node.op !== "dense" && node.padding !== "valid") {
        return {
          ok: false,
          blocker: "consumer-zero-padding",
          why: `consumer "${node.name}" zero-pads its input ("${node.padding}" padding)`,
        };
      }
      return { ok: true, into: node.name, through };
    }
    if (!PASS_THROUGH.has(node.op)) {
      const nonlinear = node.op === "activation" || node.op === "maxpool";
      return {
        ok: false,
        blocker: nonlinear ? "consumer-nonlinear" : "consumer-not-linear-layer",
        why: nonlinear
          ? `consumer "${node.name}" (${node.op}) is nonlinear`
          : `consumer "${node.name}" is ${node.op}, not conv2d/depthwise/dense`,
      };
    }
    through.push(node.name);
    current = node;
  }
}

/**
 * Plans batch-norm folding: one decision per batch-norm node, in graph order.
 *
 * @example
 * ```ts
 * import { planBatchNormFolding } from "./fold_plan.ts";
 * import type { Graph } from "../models/ir.ts";
 * const graph: Graph = { name: "g", output: "bn", nodes: [
 *   { name: "in", op: "input", inputs: [], outShape: [4] },
 *   { name: "fc", op: "dense", inputs: ["in"], outShape: [2], units: 2, useBias: true, activation: "linear" },
 *   { name: "bn", op: "batchnorm", inputs: ["fc"], outShape: [2], epsilon: 1e-5, center: true, scale: true },
 * ] };
 * const d = planBatchNormFolding(graph).get("bn");
 * console.assert(d?.fold === true && d.into === "fc");
 * ```
 */
export function planBatchNormFolding(graph: Graph): Map<string, FoldDecision> {
  const consumers = consumersOf(graph);
  const plan = new Map<string, FoldDecision>();
  for (const node of graph.nodes) {
    if (node.op !== "batchnorm") continue;
    const back = backward(graph, node, consumers);
    if (back.ok) {
      plan.set(node.name, { fold: true, direction: "backward", into: back.into, through: [] });
      continue;
    }
    const fwd = forward(graph, node, consumers);
    if (fwd.ok) {
      plan.set(node.name, {
        fold: true,
        direction: "forward",
        into: fwd.into,
        through: fwd.through,
      });
      continue;
    }
    plan.set(node.name, {
      fold: false,
      reason: `cannot fold "${node.name}" backward: ${back.why}; nor forward: ${fwd.why}`,
      backward: back.blocker,
      forward: fwd.blocker,
    });
  }
  return plan;
}
