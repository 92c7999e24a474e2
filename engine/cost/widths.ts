/**
 * Width propagation: which layers' output widths are tied together (residual adds), which
 * are pinned to 1, and the pruned channel count of every tensor under a configuration.
 *
 * Rules: a conv2d / dense layer keeps `max(1, round(width * original))` output channels;
 * a layer's input channels follow its producer through batch-norm, activation, pooling,
 * dropout, flatten and add; a depthwise layer's output channels are its (pruned) input
 * channels times its multiplier, so its own width follows its producer. The inputs of an
 * add must have equal channel counts (a dependency group), and the layers whose width
 * reaches the network output, or an add that also reads the graph input, are pinned to
 * width 1.
 *
 * @module
 */
import type { Graph } from "../models/ir.ts";
import { computeLayerHint } from "../models/layer_names.ts";
import { type Configuration, type LayerChoice, prunedChannels } from "./config.ts";
import { type Plan, planOf } from "./_plan.ts";

/** A set of layers whose output widths must be equal. */
export interface WidthGroup {
  /** Layer names (conv2d / dense), in graph order. */
  readonly layers: readonly string[];
  /** False when the group's width is pinned to 1. */
  readonly prunable: boolean;
}

/**
 * The width dependency groups of a graph: conv2d / dense layers whose output widths a
 * residual add ties together (singletons otherwise). Depthwise layers are in no group:
 * their width follows their producer. The search should choose one width per group.
 *
 * @example
 * ```ts
 * import { widthGroups } from "./widths.ts";
 * import { residualGraph } from "../../tests/fixtures/graphs.ts";
 * console.log(widthGroups(residualGraph)); // [{layers: ["a", "b"], prunable: true}]
 * ```
 */
export function widthGroups(graph: Graph): WidthGroup[] {
  const plan = planOf(graph);
  const groups = new Map<number, string[]>();
  const prunableOf = new Map<number, boolean>();
  plan.compute.forEach((n, c) => {
    const node = plan.nodes[n]!;
    if (node.op === "depthwise") return;
    const key = plan.groupOf[c]!;
    const list = groups.get(key) ?? [];
    list.push(node.name);
    groups.set(key, list);
    prunableOf.set(key, plan.prunable[c]!);
  });
  return [...groups.entries()].map(([k, layers]) => ({ layers, prunable: prunableOf.get(k)! }));
}

/** A configuration resolved against a plan: per compute layer and per node arrays. */
export interface Resolved {
  /** Per compute layer. */
  readonly wbits: Int32Array;
  readonly abits: Int32Array;
  /** Output channels (units for dense). */
  readonly cout: Int32Array;
  /** Input channels (input features for dense). */
  readonly cin: Int32Array;
  /** Per node: channels of its output (features for vectors) and elements. */
  readonly ch: Int32Array;
  readonly elems: Float64Array;
}

/**
 * Resolves a configuration: checks layer names (RangeError naming an unknown or
 * non-compute layer), pins, and add groups, and returns pruned channel counts.
 */
export function resolve(
  plan: Plan,
  config: Configuration,
  defaultOf: (c: number) => LayerChoice,
): Resolved {
  const nc = plan.compute.length;
  const choices: (LayerChoice | undefined)[] = new Array(nc);
  for (const name in config.layers) {
    const n = plan.byName.get(name);
    const c = n === undefined ? -1 : plan.computeOf[n]!;
    if (c < 0) {
      throw new RangeError(
        `Configuration names layer "${name}", which is not a conv2d/depthwise/dense layer ` +
          `of graph "${plan.graph.name}"; ${computeLayerHint(plan.graph, name)}`,
      );
    }
    choices[c] = config.layers[name];
  }
  const wbits = new Int32Array(nc);
  const abits = new Int32Array(nc);
  const width = new Float64Array(nc);
  for (let c = 0; c < nc; c++) {
    const ch = choices[c] ?? defaultOf(c);
    wbits[c] = ch.wbits;
    abits[c] = ch.abits;
    width[c] = ch.width;
    if (!plan.prunable[c] && ch.width !== 1 && plan.nodes[plan.compute[c]!]!.op !== "depthwise") {
      throw new RangeError(
        `Layer "${plan.nodes[plan.compute[c]!]!.name}" cannot be pruned (its width reaches ` +
          `the network output or an add with the graph input): width must be 1, got ${ch.width}`,
      );
    }
  }
  return channels(plan, wbits, abits, width);
}

function channels(
  plan: Plan,
  wbits: Int32Array,
  abits: Int32Array,
  width: Float64Array,
): Resolved {
  const nn = plan.nodes.length;
  const ch = new Int32Array(nn);
  const elems = new Float64Array(nn);
  const nc = plan.compute.length;
  const cout = new Int32Array(nc);
  const cin = new Int32Array(nc);
  for (let i = 0; i < nn; i++) {
    const node = plan.nodes[i]!;
    const shape = node.outShape;
    const last = shape[shape.length - 1] ?? 1;
    const p = plan.inputs[i]![0] ?? -1;
    const c = plan.computeOf[i]!;
    switch (node.op) {
      case "input":
        ch[i] = last;
        break;
      case "conv2d":
        ch[i] = prunedChannels(node.filters, width[c]!);
        break;
      case "dense":
        ch[i] = prunedChannels(node.units, width[c]!);
        break;
      case "depthwise":
        ch[i] = ch[p]! * node.depthMultiplier;
        break;
      case "flatten":
        ch[i] = elems[p]!;
        break;
      case "add":
        ch[i] = ch[p]!;
        for (const q of plan.inputs[i]!) {
          if (ch[q] !== ch[i]) {
            throw new RangeError(
              `Add "${node.name}" reads ${ch[i]} channels from "${plan.nodes[p]!.name}" but ` +
                `${ch[q]} from "${plan.nodes[q]!.name}": layers feeding an add need the same width`,
            );
          }
        }
        break;
      default:
        ch[i] = ch[p]!;
    }
    elems[i] = node.op === "flatten" ? ch[i]! : (shapeSize(shape) / last) * ch[i]!;
    if (c >= 0) {
      cout[c] = ch[i]!;
      cin[c] = ch[p]!;
    }
  }
  return { wbits, abits, cout, cin, ch, elems };
}

function shapeSize(shape: readonly number[]): number {
  let s = 1;
  for (const d of shape) s *= d;
  return s;
}
