import assert from "node:assert/strict";
import { createDataset } from "../../../engine/data/dataset.ts";
import { createRng, type Rng } from "../../../engine/rng.ts";
import { gatherBatch } from "../../../engine/train/augment.ts";

// Two 3x3 one-channel images: 1..9 and 11..19.
const ds = createDataset({
  images: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19]),
  labels: Int32Array.of(0, 1),
  height: 3,
  width: 3,
  channels: 1,
  numClasses: 2,
});

/** An rng that replays fixed draws: int() and next() answers in call order. */
function scripted(ints: number[], floats: number[]): Rng {
  return {
    int: () => ints.shift()!,
    next: () => floats.shift()!,
    normal: () => 0,
  };
}

Deno.test("gatherBatch() copies the chosen examples exactly without augmentation", () => {
  const out = gatherBatch(ds, [1, 0], new Float32Array(18));
  assert.deepEqual(Array.from(out), [
    11,
    12,
    13,
    14,
    15,
    16,
    17,
    18,
    19,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
  ]);
});

Deno.test("gatherBatch() flips left-right when the draw is below 1/2", () => {
  const out = gatherBatch(ds, [0], new Float32Array(9), { flip: true, rng: scripted([], [0.2]) });
  assert.deepEqual(Array.from(out), [3, 2, 1, 6, 5, 4, 9, 8, 7]);
  const kept = gatherBatch(ds, [0], new Float32Array(9), { flip: true, rng: scripted([], [0.7]) });
  assert.deepEqual(Array.from(kept), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

Deno.test("gatherBatch() shifts with zero fill", () => {
  // int(3) draws 2 then 0: dy = +1, dx = -1 (output pixel (y, x) reads (y + 1, x - 1)).
  const out = gatherBatch(ds, [0], new Float32Array(9), { shift: 1, rng: scripted([2, 0], []) });
  assert.deepEqual(Array.from(out), [0, 4, 5, 0, 7, 8, 0, 0, 0]);
});

Deno.test("gatherBatch() keeps every pixel in [0, 1] data and rejects a short buffer", () => {
  const rng = createRng(1);
  const out = gatherBatch(ds, [0, 1, 0], new Float32Array(27), { shift: 2, flip: true, rng });
  assert.ok(out.every((v) => v === 0 || (v >= 1 && v <= 19)));
  assert.throws(() => gatherBatch(ds, [0, 1], new Float32Array(9)), RangeError);
  assert.throws(() => gatherBatch(ds, [0], new Float32Array(9), { flip: true }), TypeError);
});
