import assert from "node:assert/strict";
import { qatRecipeFromFlags } from "../../bench/quant_run_qat.ts";

Deno.test("qatRecipeFromFlags() sets only the fields whose flags are given", () => {
  assert.deepEqual(qatRecipeFromFlags({}), {});
  assert.deepEqual(
    qatRecipeFromFlags({
      "qat-lr": "5e-4",
      "qat-weights": "mse",
      "qat-alpha": "0",
      "qat-temperature": "4",
      "no-qat-flip": true,
      "qat-freeze-bn": "0.75",
      "qat-lsq": true,
      "qat-seed": "3",
    }),
    {
      lr: 5e-4,
      weightObserver: "mse",
      distillAlpha: 0,
      distillTemperature: 4,
      flip: false,
      freezeBnAfter: 0.75,
      lsq: true,
      seed: 3,
    },
  );
});

Deno.test("qatRecipeFromFlags() rejects bad values and contradictory toggles", () => {
  assert.throws(() => qatRecipeFromFlags({ "qat-weights": "max" }), RangeError);
  assert.throws(() => qatRecipeFromFlags({ "qat-alpha": "1.2" }), RangeError);
  assert.throws(() => qatRecipeFromFlags({ "qat-lr": "0" }), RangeError);
  assert.throws(() => qatRecipeFromFlags({ "qat-freeze-bn": "x" }), RangeError);
  assert.throws(() => qatRecipeFromFlags({ "qat-seed": "1.5" }), RangeError);
  assert.throws(() => qatRecipeFromFlags({ "qat-flip": true, "no-qat-flip": true }), RangeError);
});
