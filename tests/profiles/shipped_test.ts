import assert from "node:assert/strict";
import { PROFILE_KEYS } from "../../engine/profile/keys.ts";
import { listShippedProfiles, loadProfile, PROFILES_DIR } from "../../engine/profile/load.ts";
import {
  energyPerMacPj,
  macsPerCycle,
  provenanceOf,
  supportsBits,
} from "../../engine/profile/lookup.ts";
import { PROFILE_OPS } from "../../engine/profile/types.ts";
import { validateProfile } from "../../engine/profile/validate.ts";

const REQUIRED_PROFILES = [
  "bitfusion-45nm",
  "cortex-a72-rpi4",
  "cortex-m4-stm32f412",
  "cortex-m7-stm32h743",
  "nvidia-t4",
];

Deno.test("every shipped profile validates and is named after its file", async () => {
  const names = await listShippedProfiles();
  for (const name of REQUIRED_PROFILES) assert.ok(names.includes(name), `missing ${name}`);
  for (const name of names) {
    const json = JSON.parse(await Deno.readTextFile(new URL(`${name}.json`, PROFILES_DIR)));
    assert.deepEqual(validateProfile(json), [], name);
    assert.equal(json.name, name);
  }
});

Deno.test("every shipped profile cites sources and tags its clock and analytic rates", async () => {
  for (const name of REQUIRED_PROFILES) {
    const p = await loadProfile(name);
    assert.ok(p.provenance.sources.length >= 2, name);
    assert.ok(provenanceOf(p, "clockHz"), `${name}: clockHz untagged`);
    assert.ok(provenanceOf(p, "analytic.fixedCyclesPerLayer"), name);
    assert.ok(provenanceOf(p, "analytic.bytesPerCycle"), name);
    for (const op of PROFILE_OPS) {
      assert.ok(provenanceOf(p, `analytic.macsPerCycle.${op}[0].value`), `${name}: ${op}`);
    }
    if (p.energy) assert.ok(provenanceOf(p, "energy.pjPerMac[0].value"), name);
  }
});

Deno.test("cortex-m7-stm32h743 supports CMSIS-NN's w8a8 and w4a8 but no 4-bit activations", async () => {
  const m7 = await loadProfile("cortex-m7-stm32h743");
  for (const op of ["conv2d", "depthwise", "dense"] as const) {
    assert.ok(supportsBits(m7, op, 8, 8) && supportsBits(m7, op, 4, 8));
    assert.ok(!supportsBits(m7, op, 4, 4) && !supportsBits(m7, op, 32, 32));
  }
  assert.equal(macsPerCycle(m7, "conv2d", 4, 8), macsPerCycle(m7, "conv2d", 8, 8));
  assert.deepEqual(m7.memory, { sramBytes: 524288, flashBytes: 2097152 });
});

Deno.test("bitfusion-45nm speed and energy scale with weight bits x activation bits", async () => {
  const bf = await loadProfile("bitfusion-45nm");
  const base = macsPerCycle(bf, "conv2d", 8, 8);
  assert.equal(macsPerCycle(bf, "conv2d", 4, 8) / base, 2);
  assert.equal(macsPerCycle(bf, "conv2d", 4, 4) / base, 4);
  assert.equal(macsPerCycle(bf, "conv2d", 2, 2) / base, 16);
  const e88 = energyPerMacPj(bf, "conv2d", 8, 8);
  assert.ok(Math.abs(energyPerMacPj(bf, "conv2d", 2, 2) - e88 / 16) < 0.001);
  assert.ok(!supportsBits(bf, "conv2d", 16, 8));
});

Deno.test("nvidia-t4 carries measured HAWQ rows with int4 faster than int8", async () => {
  const t4 = await loadProfile("nvidia-t4");
  assert.equal(t4.measured.length, 20);
  const of = (bits: number) => t4.measured.filter((r) => r.wbits === bits);
  for (const [i, r8] of of(8).entries()) {
    const r4 = of(4)[i];
    assert.ok(r4 && r4.latency.meanMs < r8.latency.meanMs, `row ${i}`);
  }
  assert.ok(macsPerCycle(t4, "conv2d", 4, 4) > macsPerCycle(t4, "conv2d", 8, 8));
  assert.equal(provenanceOf(t4, "measured[3].latency.meanMs")?.tag, "M");
});

/** The parts of a JSON Schema node this test reads. */
interface SchemaNode {
  $ref?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  required?: string[];
  additionalProperties?: unknown;
}

/** Follows `$ref`s (`#/$defs/x`) inside schema.json. */
function deref(schema: SchemaNode, node: SchemaNode | undefined): SchemaNode | undefined {
  while (node?.$ref !== undefined) {
    let next: unknown = schema;
    for (const key of node.$ref.slice(2).split("/")) next = (next as Record<string, unknown>)[key];
    node = next as SchemaNode;
  }
  return node;
}

/** The schema node of a {@link PROFILE_KEYS} location (`a.b[]`, `*` = any property). */
function schemaAt(schema: SchemaNode, location: string): SchemaNode | undefined {
  let node = deref(schema, schema);
  if (location === "") return node;
  for (const part of location.split(".")) {
    const key = part.replace(/\[\]$/, "");
    const props = node?.properties ?? {};
    node = deref(schema, key === "*" ? Object.values(props)[0] : props[key]);
    if (part.endsWith("[]")) node = deref(schema, node?.items);
  }
  return node;
}

Deno.test("schema.json declares the validator's required and allowed keys", async () => {
  const schema = JSON.parse(await Deno.readTextFile(new URL("schema.json", PROFILES_DIR)));
  for (const [location, keys] of Object.entries(PROFILE_KEYS)) {
    const node = schemaAt(schema, location);
    assert.ok(node?.required && node.properties, `schema has no node for "${location}"`);
    assert.deepEqual(
      [...node.required].sort(),
      [...keys.required].sort(),
      `required of "${location}"`,
    );
    assert.deepEqual(
      Object.keys(node.properties).sort(),
      [...keys.required, ...keys.optional].sort(),
      `properties of "${location}"`,
    );
    assert.equal(node.additionalProperties, false, location);
  }
  const supported = schemaAt(schema, "supported");
  assert.deepEqual([...(supported?.required ?? [])].sort(), [...PROFILE_OPS].sort());
});
