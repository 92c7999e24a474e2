import assert from "node:assert/strict";
import { initBackend, tf } from "../../../engine/backend.ts";
import { distillationLoss } from "../../../engine/train/distill.ts";

await initBackend();

const student = [[2, 0, -1], [0.5, 1, 0]];
const teacher = [[1, 1, 0], [3, -1, 0]];
const labels = [[1, 0, 0], [0, 0, 1]];

function softmax(row: number[], t: number): number[] {
  const e = row.map((v) => Math.exp(v / t));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}

function crossEntropy(p: number[][], q: number[][]): number {
  const rows = p.map((pr, i) => -pr.reduce((a, pv, j) => a + pv * Math.log(q[i]![j]!), 0));
  return rows.reduce((a, b) => a + b, 0) / rows.length;
}

function lossOf(alpha: number, temperature: number): number {
  const [s, t, y] = [tf.tensor2d(student), tf.tensor2d(teacher), tf.tensor2d(labels)];
  const loss = distillationLoss(s, y, t, { alpha, temperature });
  const value = loss.dataSync()[0]!;
  tf.dispose([s, t, y, loss]);
  return value;
}

Deno.test("distillationLoss() at alpha 0 is the cross-entropy on the labels", () => {
  const expected = crossEntropy(labels, student.map((r) => softmax(r, 1)));
  assert.ok(Math.abs(lossOf(0, 3) - expected) < 1e-5, `${lossOf(0, 3)} vs ${expected}`);
});

Deno.test("distillationLoss() at alpha 1 is T² times the cross-entropy to the soft targets", () => {
  const t = 3;
  const soft = crossEntropy(teacher.map((r) => softmax(r, t)), student.map((r) => softmax(r, t)));
  assert.ok(Math.abs(lossOf(1, t) - t * t * soft) < 1e-4, `${lossOf(1, t)} vs ${t * t * soft}`);
});

Deno.test("distillationLoss() mixes the two terms linearly in alpha", () => {
  const mixed = 0.3 * lossOf(0, 2) + 0.7 * lossOf(1, 2);
  assert.ok(Math.abs(lossOf(0.7, 2) - mixed) < 1e-5);
});

Deno.test("distillationLoss() rejects alpha outside [0, 1] and a non-positive temperature", () => {
  assert.throws(() => lossOf(1.5, 2), RangeError);
  assert.throws(() => lossOf(0.5, 0), RangeError);
});
