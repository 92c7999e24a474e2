/**
 * The `prune-datafree` mode of the `quant` suite: every prunable group cut to
 * {@linkcode DATAFREE_KEEP} of its channels by L1, no fine-tuning and no image, the batch
 * norms compensated for the cut from their own moments (`engine/prune/compensate.ts`).
 * Reported next to it: the same cut as is (`accuracyUncompensated`), with the batch norms
 * re-estimated on 2,048 training images (`accuracyRecalibrated`, which uses data), and
 * compensated then re-estimated (`accuracyCompensatedRecalibrated`: what a pruned network
 * that is not fine-tuned gets when images are at hand, engine/search/compress.ts).
 *
 * @module
 */
import { prunedChannels } from "../engine/cost/config.ts";
import { cloneWeights, disposeWeights } from "../engine/exec/weights.ts";
import { recalibrateBatchNorm } from "../engine/prune/bn_recalibrate.ts";
import { analyzeChannels } from "../engine/prune/channels.ts";
import { compensatePruned } from "../engine/prune/compensate.ts";
import { pruneToRatio } from "../engine/prune/prune_to_ratio.ts";
import { graphMacs, surgery } from "../engine/prune/surgery.ts";
import { evaluateGraph } from "../engine/quant/evaluate_graph.ts";
import type { PruneBenchContext, PruneBenchResult } from "./quant_prune.ts";

/** Share of its channels every group keeps in `prune-datafree`. @default 0.875 */
export const DATAFREE_KEEP = 0.875;

type Recovery = "none" | "compensate" | "recalibrate" | "both";

/** Test accuracy of the cut network after `recovery`, and its MACs ratio. */
function cutAndScore(ctx: PruneBenchContext, keep: number, recovery: Recovery) {
  const widths = Object.fromEntries(
    analyzeChannels(ctx.graph).groups.filter((g) => g.prunable).map((g) => [
      g.id,
      prunedChannels(g.channels, keep),
    ]),
  );
  const weights = cloneWeights(ctx.weights);
  const { masks } = pruneToRatio(ctx.graph, weights, { criterion: "l1", widths });
  const compensate = recovery === "compensate" || recovery === "both";
  const layers = compensate ? compensatePruned(ctx.graph, weights, masks) : [];
  const small = surgery(ctx.graph, weights, masks);
  disposeWeights(weights);
  try {
    if (recovery === "recalibrate" || recovery === "both") {
      recalibrateBatchNorm(small.graph, small.weights, ctx.train);
    }
    return {
      accuracy: evaluateGraph(small.graph, small.weights, ctx.test).accuracy,
      macsRatio: graphMacs(small.graph) / graphMacs(ctx.graph),
      uncompensated: layers.filter((c) => c.into === "none").map((c) => c.layer),
    };
  } finally {
    disposeWeights(small.weights);
  }
}

/** `prune-datafree`: see the module notes. */
export function runPruneDataFree(
  ctx: PruneBenchContext,
  keep = DATAFREE_KEEP,
): PruneBenchResult {
  const compensated = cutAndScore(ctx, keep, "compensate");
  const none = cutAndScore(ctx, keep, "none");
  const recalibrated = cutAndScore(ctx, keep, "recalibrate");
  const both = cutAndScore(ctx, keep, "both");
  return {
    accuracy: compensated.accuracy,
    extra: {
      keep,
      criterion: "l1",
      macsRatio: compensated.macsRatio,
      layersNotCompensated: compensated.uncompensated,
      accuracyUncompensated: 100 * none.accuracy,
      accuracyRecalibrated: 100 * recalibrated.accuracy,
      accuracyCompensatedRecalibrated: 100 * both.accuracy,
    },
  };
}
