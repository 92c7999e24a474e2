/**
 * Chooses channel masks for every prunable group: either explicit widths per group, or a
 * MACs ratio reached by one common keep-fraction across groups (found by bisection) or by
 * a global ranking of per-group normalised scores. Groups tie residual and depthwise
 * layers, so every allocation respects them by construction.
 *
 * @module
 */
import type { Weights } from "../exec/weights.ts";
import type { Graph } from "../models/ir.ts";
import { type Allocation, DEFAULT_MIN_KEEP, globalMasks, uniformWidths } from "./allocate.ts";
import { sensitivityWidths } from "./allocate_sensitivity.ts";
import { analyzeChannels } from "./channels.ts";
import { criterionByName } from "./criteria/mod.ts";
import type { LabeledBatch, PruningCriterion } from "./criteria/types.ts";
import { type GroupMasks, widthMasks } from "./masks.ts";
import { graphMacs, prunedGraph } from "./surgery.ts";

/** Options of {@linkcode pruneToRatio}: give `macsRatio` or `widths`. */
export interface PruneOptions {
  /** Criterion name (see `criteria`) or object. */
  readonly criterion: string | PruningCriterion;
  /** Target MACs after / before, in (0, 1]. */
  readonly macsRatio?: number;
  /** Channels to keep per group id (groups not listed keep everything). */
  readonly widths?: Readonly<Record<string, number>>;
  /** Data for criteria that need it. */
  readonly data?: readonly LabeledBatch[];
  /** Riemann steps for integrated gradients. */
  readonly steps?: number;
  /** How `macsRatio` is split across groups. @default "uniform" */
  readonly allocation?: Allocation;
  /** Share of a group's channels per greedy step under sensitivity allocation. @default 1/16 */
  readonly sensitivityStep?: number;
  /** Minimum kept fraction per group under global and sensitivity allocation. @default 0.25 */
  readonly minKeep?: number;
  /** Group ids that keep every channel under uniform allocation. @default none */
  readonly keepWhole?: readonly string[];
}

/** Result of {@linkcode pruneToRatio}. */
export interface PruneResult {
  readonly masks: GroupMasks;
  /** Kept channels per prunable group. */
  readonly widths: Readonly<Record<string, number>>;
  /** Criterion scores per prunable group. */
  readonly scores: Readonly<Record<string, Float32Array>>;
  readonly macs: { readonly before: number; readonly after: number };
}

function checkRatio(ratio: number): void {
  if (!(ratio > 0 && ratio <= 1)) throw new RangeError(`Cannot prune to MACs ratio ${ratio}`);
}

/**
 * Scores every prunable group with the criterion and keeps the best channels.
 *
 * @example
 * ```ts
 * import { initBackend } from "../backend.ts";
 * import { buildZooModel } from "../models/zoo.ts";
 * import { graphFromLayersModel } from "../models/from_layers.ts";
 * import { disposeWeights, weightsFromLayersModel } from "../exec/weights.ts";
 * import { pruneToRatio } from "./prune_to_ratio.ts";
 * await initBackend("cpu");
 * const model = buildZooModel("resnet8");
 * const graph = graphFromLayersModel(model);
 * const weights = weightsFromLayersModel(model, graph);
 * const { macs } = pruneToRatio(graph, weights, { criterion: "l1", macsRatio: 0.5 });
 * console.assert(macs.after <= 0.5 * macs.before);
 * disposeWeights(weights);
 * ```
 */
export function pruneToRatio(graph: Graph, weights: Weights, opts: PruneOptions): PruneResult {
  const criterion = typeof opts.criterion === "string"
    ? criterionByName(opts.criterion)
    : opts.criterion;
  if (criterion.needsData && (opts.data === undefined || opts.data.length === 0)) {
    throw new RangeError(`Cannot prune by "${criterion.name}": it needs data`);
  }
  if ((opts.macsRatio === undefined) === (opts.widths === undefined)) {
    throw new TypeError("Cannot prune: give exactly one of macsRatio and widths");
  }
  const analysis = analyzeChannels(graph);
  const groups = analysis.groups.filter((g) => g.prunable);
  const scores: Record<string, Float32Array> = {};
  for (const group of groups) {
    const s = criterion.score({
      graph,
      weights,
      group,
      analysis,
      data: opts.data,
      steps: opts.steps,
    });
    if (s.length !== group.channels) {
      throw new RangeError(
        `Criterion "${criterion.name}" returned ${s.length} scores for ${group.channels} channels`,
      );
    }
    scores[group.id] = s;
  }
  const before = graphMacs(graph);
  let widths: Record<string, number>;
  const global = opts.allocation === "global" || opts.allocation === "global-macs";
  const sensitivity = opts.allocation === "sensitivity";
  if ((global || sensitivity) && (opts.keepWhole?.length ?? 0) > 0) {
    throw new TypeError(
      `Cannot keep groups whole under ${opts.allocation} allocation: use minKeep`,
    );
  }
  if (sensitivity && opts.macsRatio !== undefined && !(opts.data?.length)) {
    throw new RangeError("Cannot allocate by sensitivity: it needs data");
  }
  if (opts.macsRatio !== undefined && global) {
    checkRatio(opts.macsRatio);
    const masks = globalMasks(
      graph,
      groups,
      scores,
      opts.macsRatio * before,
      opts.minKeep ?? DEFAULT_MIN_KEEP,
      opts.allocation === "global-macs",
    );
    widths = Object.fromEntries(
      Object.entries(masks).map(([id, m]) => [id, m.reduce((a, b) => a + b, 0)]),
    );
    return { masks, widths, scores, macs: { before, after: graphMacs(prunedGraph(graph, masks)) } };
  }
  if (opts.widths !== undefined) {
    widths = Object.fromEntries(groups.map((g) => [g.id, opts.widths![g.id] ?? g.channels]));
    for (const id of Object.keys(opts.widths)) {
      if (!groups.some((g) => g.id === id)) {
        throw new RangeError(`Cannot set width of group "${id}"`);
      }
    }
  } else if (sensitivity) {
    checkRatio(opts.macsRatio!);
    widths = sensitivityWidths(
      graph,
      weights,
      groups,
      scores,
      opts.macsRatio! * before,
      opts.data!,
      {
        ...(opts.sensitivityStep === undefined ? {} : { step: opts.sensitivityStep }),
        ...(opts.minKeep === undefined ? {} : { minKeep: opts.minKeep }),
      },
    );
  } else {
    checkRatio(opts.macsRatio!);
    const whole = new Set(opts.keepWhole ?? []);
    widths = uniformWidths(graph, groups, scores, opts.macsRatio! * before, whole);
  }
  const masks = widthMasks(groups, scores, widths);
  return { masks, widths, scores, macs: { before, after: graphMacs(prunedGraph(graph, masks)) } };
}
