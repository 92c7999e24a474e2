import assert from "node:assert/strict";
import {
  constrainedDominates,
  crowdingDistance,
  nonDominatedSort,
  survivors,
} from "../../../engine/strategies/nsga2.ts";
import { paretoFront } from "../../../engine/strategies/pareto.ts";

const p = (objectives: number[], violation = 0) => ({ objectives, violation });

Deno.test("nonDominatedSort() peels fronts in order", () => {
  const pts = [p([1, 4]), p([2, 2]), p([4, 1]), p([3, 3]), p([5, 5])];
  assert.deepEqual(nonDominatedSort(pts), [[0, 1, 2], [3], [4]]);
});

Deno.test("constrainedDominates() puts feasible first, then smaller violation", () => {
  assert.ok(constrainedDominates(p([9, 9]), p([0, 0], 0.1)));
  assert.ok(constrainedDominates(p([9, 9], 0.1), p([0, 0], 0.2)));
  assert.ok(!constrainedDominates(p([0, 0], 0.2), p([9, 9], 0.1)));
  assert.deepEqual(nonDominatedSort([p([0, 0], 0.5), p([5, 5])]), [[1], [0]]);
});

Deno.test("crowdingDistance() gives boundary points Infinity and inner points the normalized gap", () => {
  const pts = [p([0, 4]), p([1, 3]), p([3, 1]), p([4, 0])];
  const d = crowdingDistance(pts, [0, 1, 2, 3]);
  assert.equal(d[0], Infinity);
  assert.equal(d[3], Infinity);
  assert.equal(d[1], 3 / 4 + 3 / 4);
  assert.equal(d[2], 3 / 4 + 3 / 4);
});

Deno.test("survivors() keeps whole fronts and breaks the last one by crowding", () => {
  const pts = [p([0, 4]), p([1, 3.9]), p([2, 2]), p([4, 0]), p([5, 5])];
  assert.deepEqual(survivors(pts, 3).sort(), [0, 2, 3]);
});

Deno.test("paretoFront() keeps non-dominated points in input order, one per equal vector", () => {
  const pts = [[3, 1], [1, 3], [2, 2], [2, 3], [1, 3], [0, 5]];
  assert.deepEqual(paretoFront(pts, (x) => x), [[3, 1], [1, 3], [2, 2], [0, 5]]);
});
