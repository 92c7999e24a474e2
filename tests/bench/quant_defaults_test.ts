import assert from "node:assert/strict";
import { benchQuant, type QuantBenchOptions } from "../../bench/quant.ts";
import {
  DEFAULT_PRUNE_FINETUNE_LR,
  DEFAULT_PRUNE_L1_DROPOUT,
  DEFAULT_PRUNE_L1_FEATURE_DISTILL,
  DEFAULT_PRUNE_L1_FINETUNE_LR,
  DEFAULT_PRUNE_L1_FLIP,
} from "../../bench/quant_prune.ts";

/** The drop record of prune-l1-half on mobilenet-tiny, 256 training and 64 test images. */
async function pruneL1Half(opts: QuantBenchOptions): Promise<Record<string, unknown>> {
  const [r] = await benchQuant({
    models: ["mobilenet-tiny"],
    modes: ["prune-l1-half"],
    calibrationSize: 64,
    testLimit: 64,
    trainLimit: 256,
    log: () => {},
    ...opts,
  });
  assert.ok(r && r.value !== null, JSON.stringify(r));
  return r as Record<string, unknown>;
}

Deno.test({
  name:
    "benchQuant(): prune-l1-half runs its recipe (lr, feature term, dropout and flips off) unless told otherwise",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const run = (prune = {}) => pruneL1Half({ prune: { batchSize: 64, ...prune } });
    const r = await run();
    assert.equal(r.lr, DEFAULT_PRUNE_L1_FINETUNE_LR);
    assert.notEqual(DEFAULT_PRUNE_L1_FINETUNE_LR, DEFAULT_PRUNE_FINETUNE_LR);
    assert.equal(r.featureDistill, DEFAULT_PRUNE_L1_FEATURE_DISTILL);
    assert.equal(r.dropout, DEFAULT_PRUNE_L1_DROPOUT);
    assert.equal(r.flip, DEFAULT_PRUNE_L1_FLIP);
    assert.equal(r.criterion, "l1");
    assert.equal(r.allocation, "uniform");
    assert.equal(r.finetuneExamples, 256); // one epoch of the 256 images
    assert.equal(r.validationAccuracy, undefined); // nothing held out unless asked
    const told = await run({ dropout: true, flip: true, featureDistill: 0, lr: 1e-3 });
    assert.equal(told.dropout, true);
    assert.equal(told.flip, true);
    assert.equal(told.featureDistill, undefined);
    assert.equal(told.lr, 1e-3);
  },
});

Deno.test({
  name:
    "benchQuant(): --validation holds its images out of the fine-tune and scores the result on them",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const r = await pruneL1Half({ validation: 64, prune: { batchSize: 64 } });
    assert.equal(r.trainImages, 192);
    assert.equal(r.validationImages, 64);
    assert.equal(r.finetuneExamples, 192); // one epoch of the 192 kept images only
    const acc = r.validationAccuracy as number, float = r.validationFloat as number;
    assert.ok(acc >= 0 && acc <= 100 && float >= 0 && float <= 100, JSON.stringify(r));
    // Scores on 64 images are multiples of 100/64.
    assert.ok(Math.abs(acc * 64 / 100 - Math.round(acc * 64 / 100)) < 1e-6, `${acc}`);
    assert.ok(Math.abs((r.validationDrop as number) - (float - acc)) < 1e-9);
    await assert.rejects(
      () => benchQuant({ models: ["mobilenet-tiny"], trainLimit: 256, validation: 256 }),
      /Cannot hold out 256 validation images of 256/,
    );
  },
});
