/**
 * The required and optional keys of every object in a v1 profile, by location. The
 * validator enforces exactly these, and a test checks that `profiles/schema.json` declares
 * the same `required` lists, so the TypeScript validator and the JSON Schema cannot drift.
 *
 * @module
 */

/** Keys of one object location. */
export interface KeySet {
  /** Keys that must be present. */
  readonly required: readonly string[];
  /** Keys that may be present; any other key is rejected. */
  readonly optional: readonly string[];
}

/**
 * Key sets by location: `""` is the root, `name[]` an element of array `name`.
 * (`supported` and `analytic.macsPerCycle` are keyed by op and checked against
 * `PROFILE_OPS`; `provenance.notes` is keyed by JSON path.)
 */
export const PROFILE_KEYS = {
  "": {
    required: [
      "format",
      "name",
      "description",
      "kind",
      "provenance",
      "clockHz",
      "memory",
      "supported",
      "measured",
      "analytic",
    ],
    optional: ["$schema", "energy"],
  },
  "provenance": {
    required: ["device", "runtime", "date", "method", "sources", "notes"],
    optional: [],
  },
  "provenance.runtime": { required: ["name", "version"], optional: [] },
  "provenance.sources[]": { required: ["id", "citation"], optional: ["url"] },
  "memory": { required: [], optional: ["sramBytes", "flashBytes"] },
  "measured[]": {
    required: ["op", "shape", "wbits", "abits", "latency"],
    optional: ["batch", "energyMj", "source", "epilogue"],
  },
  "measured[].shape": {
    required: ["inH", "inW", "cin", "cout", "kernel", "stride", "groups"],
    optional: [],
  },
  "measured[].latency": { required: ["meanMs", "stdMs", "count"], optional: ["medianMs"] },
  "analytic": {
    required: ["macsPerCycle", "fixedCyclesPerLayer", "bytesPerCycle"],
    optional: [],
  },
  "analytic.macsPerCycle.*[]": { required: ["w", "a", "value"], optional: [] },
  "energy": { required: ["pjPerMac", "pjPerByteSram", "pjPerByteFlash"], optional: [] },
  "energy.pjPerMac[]": { required: ["w", "a", "value"], optional: [] },
} as const satisfies Record<string, KeySet>;

/** A location of {@link PROFILE_KEYS}. */
export type KeyLocation = keyof typeof PROFILE_KEYS;
