/**
 * Test helper: runs the same computation on the `cpu` and `wasm` backends with the same data
 * and returns the largest difference relative to the largest |cpu value|.
 *
 * @module
 */
import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";

/** Largest tolerated error, relative to max |reference|. */
export const TOLERANCE = 1e-5;

/** Deterministic values in [-0.5, 0.5) (a linear congruential generator seeded by `seed`). */
export function seeded(shape: readonly number[], seed: number): Float32Array {
  let s = seed;
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < out.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out[i] = s / 2147483648 - 0.5;
  }
  return out;
}

/** Max |a - b| / max |a|; throws when the lengths differ. */
export function relativeError(reference: Float32Array, actual: Float32Array): number {
  assert.equal(actual.length, reference.length, "result sizes differ");
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = reference[i] as number;
    diff = Math.max(diff, Math.abs(r - (actual[i] as number)));
    scale = Math.max(scale, Math.abs(r));
  }
  return scale === 0 ? diff : diff / scale;
}

/** Values of `compute()` on one backend (tensors it makes are freed). */
export async function valuesOn(
  name: "cpu" | "wasm",
  compute: () => tf.Tensor,
): Promise<Float32Array> {
  await initBackend(name);
  const t = tf.tidy(compute);
  const values = t.dataSync() as Float32Array;
  t.dispose();
  return values;
}

/** Asserts that `compute()` gives the same values (within {@link TOLERANCE}) on wasm as on cpu. */
export async function assertMatchesCpu(label: string, compute: () => tf.Tensor): Promise<void> {
  const reference = await valuesOn("cpu", compute);
  const actual = await valuesOn("wasm", compute);
  const error = relativeError(reference, actual);
  assert.ok(error < TOLERANCE, `${label}: relative error ${error} on wasm`);
}

/** Pads tested by every kernel: the two named ones and an explicit asymmetric one. */
export const PADS: Array<"same" | "valid" | tf.backend_util.ExplicitPadding> = [
  "same",
  "valid",
  [[0, 0], [1, 2], [0, 1], [0, 0]],
];

/** `[x shape, filter height/width]` cases: odd sizes, batch 1 and 3, 5x5 / 3x3 / 2x2 / 1x1. */
export const CONV_CASES: Array<[[number, number, number, number], number]> = [
  [[3, 7, 9, 2], 3],
  [[1, 7, 9, 3], 5],
  [[3, 7, 9, 2], 1],
  [[1, 8, 8, 2], 2],
];

export { tf };
