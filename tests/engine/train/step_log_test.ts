import assert from "node:assert/strict";
import { StepLog, type TrainProgress } from "../../../engine/train/step_log.ts";

Deno.test("StepLog: per-epoch mean loss, global step count and one progress event per step", async () => {
  const events: TrainProgress[] = [];
  const log = new StepLog({
    epochs: 2,
    stepsPerEpoch: 2,
    what: "Training",
    onProgress: (p) => events.push(p),
  });
  log.startEpoch(1);
  await log.step(1, 0.1);
  await log.step(3, 0.1);
  log.endEpoch();
  log.startEpoch(2);
  await log.step(0.5, 0.05);
  log.endEpoch();
  assert.equal(log.steps, 3);
  assert.deepEqual(log.history.map((h) => [h.epoch, h.loss]), [[1, 2], [2, 0.5]]);
  assert.deepEqual(
    events.map((e) => [e.epoch, e.step, e.loss, e.lr]),
    [[1, 1, 1, 0.1], [1, 2, 2, 0.1], [2, 1, 0.5, 0.05]],
  );
});

Deno.test("StepLog: a non-finite loss is an error naming the loop, epoch and step", async () => {
  const log = new StepLog({ epochs: 1, stepsPerEpoch: 5, what: "Fine-tuning" });
  log.startEpoch(1);
  await log.step(0.7, 1);
  await assert.rejects(
    () => log.step(NaN, 1),
    (e: Error) =>
      e instanceof RangeError &&
      /Fine-tuning diverged: loss NaN at epoch 1, step 2/.test(e.message),
  );
  assert.equal(log.steps, 1, "the diverged step is not counted");
});
