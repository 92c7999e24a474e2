import assert from "node:assert/strict";
import { createProgressBar, formatDuration, formatProgress } from "../../cli/progress.ts";
import type { TrainProgress } from "../../engine/train.ts";

const p = (step: number, elapsedSeconds: number, epoch = 1): TrainProgress => ({
  epoch,
  epochs: 2,
  step,
  stepsPerEpoch: 100,
  loss: 0.123456,
  lr: 1e-3,
  elapsedSeconds,
});

function sink(tty: boolean) {
  const chunks: string[] = [];
  const dec = new TextDecoder();
  return {
    chunks,
    isTerminal: () => tty,
    writeSync: (b: Uint8Array) => (chunks.push(dec.decode(b)), b.length),
  };
}

Deno.test("formatProgress() shows epoch, step, loss, steps/s and the ETA of the run", () => {
  assert.equal(
    formatProgress(p(50, 25)),
    "epoch 1/2  step  50/100  loss 0.1235  lr 1.00e-3  2.00 steps/s  ETA 1m15s",
  );
  assert.match(formatProgress(p(1, 0)), /ETA \?$/);
});

Deno.test("formatDuration() writes hours, minutes and seconds", () => {
  assert.equal(formatDuration(5), "5s");
  assert.equal(formatDuration(125), "2m05s");
  assert.equal(formatDuration(3723), "1h02m03s");
  assert.equal(formatDuration(NaN), "?");
});

Deno.test("createProgressBar() redraws one line on a TTY, throttled, newline per epoch", () => {
  const out = sink(true);
  let t = 0;
  const bar = createProgressBar({ sink: out, now: () => t, intervalSeconds: 1 });
  bar.update(p(1, 0));
  t = 0.5;
  bar.update(p(2, 0.5)); // throttled
  t = 2;
  bar.update(p(100, 2)); // epoch end: always drawn, then a newline
  bar.done();
  assert.equal(out.chunks.length, 3);
  assert.ok(out.chunks[0]!.startsWith("\r\x1b[2Kepoch 1/2  step   1/100"));
  assert.ok(out.chunks[1]!.includes("step 100/100"));
  assert.equal(out.chunks[2], "\n");
});

Deno.test("createProgressBar() prints plain periodic lines when not a TTY", () => {
  const out = sink(false);
  let t = 0;
  const bar = createProgressBar({ sink: out, now: () => t, intervalSeconds: 10 });
  for (let s = 1; s <= 100; s++) {
    t = s;
    bar.update(p(s, s));
  }
  bar.done();
  // t = 1, 11, 21, ..., 91, and the epoch end at 100.
  assert.equal(out.chunks.length, 11);
  assert.ok(out.chunks.every((c) => c.endsWith("\n") && !c.includes("\r")));
});
