import assert from "node:assert/strict";
import {
  assertSupported,
  energyPerMacPj,
  findMeasured,
  macsPerCycle,
  measuredRowsFor,
  profileOpOf,
  provenanceOf,
  sameMeasuredKey,
  supportedPairs,
  supportsBits,
} from "../../../engine/profile/lookup.ts";
import { parseProfile } from "../../../engine/profile/validate.ts";
import { tinyProfile } from "./fixtures.ts";

const profile = parseProfile(tinyProfile());
const shape = { inH: 8, inW: 8, cin: 4, cout: 8, kernel: 3, stride: 1, groups: 1 };

Deno.test("supportsBits() is true only for listed (w, a) pairs", () => {
  assert.equal(supportsBits(profile, "conv2d", 8, 8), true);
  assert.equal(supportsBits(profile, "conv2d", 4, 8), true);
  assert.equal(supportsBits(profile, "conv2d", 8, 4), false);
  assert.equal(supportsBits(profile, "dense", 32, 32), false);
});

Deno.test("supportsBits() ignores weight bits for weightless ops", () => {
  assert.equal(supportsBits(profile, "add", 4, 8), true);
  assert.equal(supportsBits(profile, "pool", 32, 8), true);
  assert.equal(supportsBits(profile, "add", 8, 4), false);
});

Deno.test("supportedPairs() lists pairs as {w, a} objects", () => {
  assert.deepEqual(supportedPairs(profile, "depthwise"), [{ w: 8, a: 8 }, { w: 4, a: 8 }]);
});

Deno.test("assertSupported() names the op, the pair and the supported pairs", () => {
  assert.throws(
    () => assertSupported(profile, "conv2d", 2, 2),
    (e: unknown) =>
      e instanceof RangeError &&
      e.message ===
        'Profile "tiny-test" does not support conv2d at w2a2; supported: w8a8, w4a8',
  );
});

Deno.test("macsPerCycle() returns the rate of the pair and rejects a missing pair", () => {
  assert.equal(macsPerCycle(profile, "conv2d", 4, 8), 0.5);
  assert.equal(macsPerCycle(profile, "add", 1, 8), 1);
  assert.throws(() => macsPerCycle(profile, "dense", 8, 32), /does not support dense at w8a32/);
});

Deno.test("energyPerMacPj() reads the pair's figure and fails without an energy model", () => {
  assert.equal(energyPerMacPj(profile, "dense", 4, 8), 0.2);
  assert.equal(energyPerMacPj(profile, "pool", 4, 8), 0.3); // weightless: (a, a) = w8a8
  const { energy: _, ...rest } = tinyProfile();
  const noEnergy = parseProfile(rest);
  assert.throws(() => energyPerMacPj(noEnergy, "conv2d", 8, 8), /has no energy model/);
});

Deno.test("findMeasured() matches op, shape, bits and batch exactly", () => {
  const key = { op: "conv2d" as const, shape, wbits: 8, abits: 8 };
  assert.equal(findMeasured(profile, key)?.latency.meanMs, 0.25);
  assert.equal(findMeasured(profile, { ...key, batch: 1 })?.latency.meanMs, 0.25);
  assert.equal(findMeasured(profile, { ...key, batch: 8 }), undefined);
  assert.equal(findMeasured(profile, { ...key, wbits: 4 }), undefined);
  assert.equal(findMeasured(profile, { ...key, shape: { ...shape, stride: 2 } }), undefined);
});

Deno.test("measuredRowsFor() filters rows by op and bits", () => {
  assert.equal(measuredRowsFor(profile, "conv2d", 8, 8).length, 1);
  assert.equal(measuredRowsFor(profile, "conv2d", 4, 8).length, 0);
  assert.equal(measuredRowsFor(profile, "dense", 8, 8).length, 0);
});

Deno.test("sameMeasuredKey() treats a missing batch as 1", () => {
  const a = { op: "dense" as const, shape, wbits: 8, abits: 8 };
  assert.equal(sameMeasuredKey(a, { ...a, batch: 1 }), true);
  assert.equal(sameMeasuredKey(a, { ...a, batch: 2 }), false);
});

Deno.test("profileOpOf() maps IR ops to profile ops", () => {
  assert.equal(profileOpOf("maxpool"), "pool");
  assert.equal(profileOpOf("avgpool"), "pool");
  assert.equal(profileOpOf("depthwise"), "depthwise");
  assert.equal(profileOpOf("batchnorm"), undefined);
});

Deno.test("provenanceOf() finds the note on a path or its nearest ancestor", () => {
  assert.deepEqual(provenanceOf(profile, "clockHz"), { path: "clockHz", tag: "S", text: "lab" });
  assert.deepEqual(provenanceOf(profile, "analytic.macsPerCycle.conv2d[1].value"), {
    path: "analytic.macsPerCycle.conv2d",
    tag: "D",
    text: "lab",
  });
  assert.equal(provenanceOf(profile, "memory.sramBytes"), undefined);
});
