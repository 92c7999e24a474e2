import assert from "node:assert/strict";
import { benchQuant } from "../../bench/quant.ts";
import {
  DEFAULT_PRUNE_FINETUNE_LR,
  DEFAULT_PRUNE_L1_DROPOUT,
  DEFAULT_PRUNE_L1_FEATURE_DISTILL,
  DEFAULT_PRUNE_L1_FINETUNE_LR,
} from "../../bench/quant_prune.ts";

Deno.test({
  name:
    "benchQuant(): prune-l1-half runs its recipe (lr, feature term, dropout off) unless told otherwise",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const run = async (prune = {}) => {
      const [r] = await benchQuant({
        models: ["mobilenet-tiny"],
        modes: ["prune-l1-half"],
        calibrationSize: 64,
        testLimit: 64,
        trainLimit: 256,
        prune: { batchSize: 64, ...prune },
        log: () => {},
      });
      assert.ok(r && r.value !== null, JSON.stringify(r));
      return r as Record<string, unknown>;
    };
    const r = await run();
    assert.equal(r.lr, DEFAULT_PRUNE_L1_FINETUNE_LR);
    assert.notEqual(DEFAULT_PRUNE_L1_FINETUNE_LR, DEFAULT_PRUNE_FINETUNE_LR);
    assert.equal(r.featureDistill, DEFAULT_PRUNE_L1_FEATURE_DISTILL);
    assert.equal(r.dropout, DEFAULT_PRUNE_L1_DROPOUT);
    assert.equal(r.criterion, "l1");
    assert.equal(r.allocation, "uniform");
    assert.equal(r.finetuneExamples, 256); // one epoch of the 256 images
    const told = await run({ dropout: true, featureDistill: 0, lr: 1e-3 });
    assert.equal(told.dropout, true);
    assert.equal(told.featureDistill, undefined);
    assert.equal(told.lr, 1e-3);
  },
});
