/**
 * Typed accessors over a {@link HardwareProfile}: bit-pair support, analytic rates, energy
 * per MAC, measured rows and provenance. Lookups compare typed fields, never joined strings.
 * A missing pair is a `RangeError` naming the profile, the op, the pair and the pairs that
 * exist: an unsupported configuration is an error, never a silent fallback.
 *
 * @module
 */

import type { OpKind } from "../models/ir.ts";
import {
  type BitPair,
  type BitValue,
  type EpilogueOp,
  type HardwareProfile,
  type MeasuredRow,
  type MeasuredShape,
  type ProfileOp,
  type ProvenanceTag,
  WEIGHTLESS_OPS,
} from "./types.ts";

/**
 * The pair a lookup uses: `(abits, abits)` for weightless ops (`add`, `pool`), else
 * `(wbits, abits)`.
 */
export function lookupPair(op: ProfileOp, wbits: number, abits: number): BitPair {
  return WEIGHTLESS_OPS.includes(op) ? { w: abits, a: abits } : { w: wbits, a: abits };
}

/** Formats a pair for messages: `w8a8`. */
export function formatPair(pair: BitPair): string {
  return `w${pair.w}a${pair.a}`;
}

/** The profile op for an IR op (`maxpool`/`avgpool` -> `pool`), or undefined for ops with no cost. */
export function profileOpOf(irOp: OpKind): ProfileOp | undefined {
  switch (irOp) {
    case "conv2d":
    case "depthwise":
    case "dense":
    case "add":
      return irOp;
    case "maxpool":
    case "avgpool":
      return "pool";
    default:
      return undefined;
  }
}

/** The supported pairs of an op, as `{w, a}` objects (empty when the op is unsupported). */
export function supportedPairs(profile: HardwareProfile, op: ProfileOp): readonly BitPair[] {
  return profile.supported[op].map(([w, a]) => ({ w, a }));
}

/**
 * True when the profile runs `op` at these bits (weight bits ignored for add/pool).
 *
 * @example
 * ```ts
 * import { loadProfile } from "./load.ts";
 * import { supportsBits } from "./lookup.ts";
 * const m7 = await loadProfile("cortex-m7-stm32h743");
 * console.log(supportsBits(m7, "conv2d", 4, 8)); // true
 * console.log(supportsBits(m7, "conv2d", 4, 4)); // false
 * ```
 */
export function supportsBits(
  profile: HardwareProfile,
  op: ProfileOp,
  wbits: number,
  abits: number,
): boolean {
  const p = lookupPair(op, wbits, abits);
  return profile.supported[op].some(([w, a]) => w === p.w && a === p.a);
}

/** Throws a RangeError naming the supported pairs unless `supportsBits()` holds. */
export function assertSupported(
  profile: HardwareProfile,
  op: ProfileOp,
  wbits: number,
  abits: number,
): void {
  if (supportsBits(profile, op, wbits, abits)) return;
  const have = supportedPairs(profile, op).map(formatPair).join(", ") || "none";
  throw new RangeError(
    `Profile "${profile.name}" does not support ${op} at ${
      formatPair(lookupPair(op, wbits, abits))
    }; supported: ${have}`,
  );
}

function valueFor(
  table: readonly BitValue[],
  pair: BitPair,
): number | undefined {
  return table.find((e) => e.w === pair.w && e.a === pair.a)?.value;
}

/**
 * Analytic MACs (element ops for add/pool) per clock cycle of `op` at these bits; throws a
 * RangeError when the pair is unsupported.
 */
export function macsPerCycle(
  profile: HardwareProfile,
  op: ProfileOp,
  wbits: number,
  abits: number,
): number {
  assertSupported(profile, op, wbits, abits);
  const v = valueFor(profile.analytic.macsPerCycle[op], lookupPair(op, wbits, abits));
  if (v === undefined) {
    // parseProfile() guarantees coverage; this only fires for hand-built objects.
    throw new RangeError(
      `Profile "${profile.name}" has no analytic.macsPerCycle.${op} entry for ${
        formatPair(lookupPair(op, wbits, abits))
      }`,
    );
  }
  return v;
}

/** True when the profile carries an energy model. */
export function hasEnergy(profile: HardwareProfile): boolean {
  return profile.energy !== undefined;
}

/**
 * Picojoules per MAC (per element op for add/pool) of `op` at these bits. Throws a
 * RangeError when the profile has no energy model or the pair is unsupported.
 */
export function energyPerMacPj(
  profile: HardwareProfile,
  op: ProfileOp,
  wbits: number,
  abits: number,
): number {
  if (profile.energy === undefined) {
    throw new RangeError(`Profile "${profile.name}" has no energy model`);
  }
  assertSupported(profile, op, wbits, abits);
  const pair = lookupPair(op, wbits, abits);
  const v = valueFor(profile.energy.pjPerMac, pair);
  if (v === undefined) {
    throw new RangeError(
      `Profile "${profile.name}" has no energy.pjPerMac entry for ${formatPair(pair)}`,
    );
  }
  return v;
}

/** True when two shape signatures are equal field by field. */
export function sameShape(x: MeasuredShape, y: MeasuredShape): boolean {
  return x.inH === y.inH && x.inW === y.inW && x.cin === y.cin && x.cout === y.cout &&
    x.kernel === y.kernel && x.stride === y.stride && x.groups === y.groups;
}

/** The identity of a measured row: op, shape, bits, batch (default 1) and epilogue. */
export type MeasuredKey = Pick<
  MeasuredRow,
  "op" | "shape" | "wbits" | "abits" | "batch" | "epilogue"
>;

/** True when two epilogues are both absent or list the same ops in the same order. */
export function sameEpilogue(
  x: readonly EpilogueOp[] | undefined,
  y: readonly EpilogueOp[] | undefined,
): boolean {
  if (x === undefined || y === undefined) return x === y;
  return x.length === y.length && x.every((op, i) => op === y[i]);
}

/** True when two rows (or keys) have the same op, shape, bits, batch and epilogue. */
export function sameMeasuredKey(x: MeasuredKey, y: MeasuredKey): boolean {
  return x.op === y.op && x.wbits === y.wbits && x.abits === y.abits &&
    (x.batch ?? 1) === (y.batch ?? 1) && sameShape(x.shape, y.shape) &&
    sameEpilogue(x.epilogue, y.epilogue);
}

/** The measured row with exactly this key, or undefined. */
export function findMeasured(
  profile: HardwareProfile,
  key: MeasuredKey,
): MeasuredRow | undefined {
  return profile.measured.find((r) => sameMeasuredKey(r, key));
}

/** All measured rows of `op` at exactly these bits (for interpolation), in file order. */
export function measuredRowsFor(
  profile: HardwareProfile,
  op: ProfileOp,
  wbits: number,
  abits: number,
): readonly MeasuredRow[] {
  return profile.measured.filter((r) => r.op === op && r.wbits === wbits && r.abits === abits);
}

/** A resolved provenance note. */
export interface ProvenanceInfo {
  /** The path the note is attached to (the queried path or one of its ancestors). */
  readonly path: string;
  /** M measured / S spec / D derived. */
  readonly tag: ProvenanceTag;
  /** The citation / derivation text after the tag. */
  readonly text: string;
}

/** Parent of a JSON path: `a.b[2].c` -> `a.b[2]` -> `a.b` -> `a` -> `""`. */
function parentPath(path: string): string {
  const cut = Math.max(path.lastIndexOf("."), path.lastIndexOf("["));
  return cut < 0 ? "" : path.slice(0, cut);
}

/**
 * The provenance note covering a JSON path: the note on the path itself or on its nearest
 * ancestor; undefined when none covers it.
 */
export function provenanceOf(
  profile: HardwareProfile,
  path: string,
): ProvenanceInfo | undefined {
  for (let p = path; p !== ""; p = parentPath(p)) {
    const note = profile.provenance.notes[p];
    if (note !== undefined) {
      const tag = note.charAt(0) as ProvenanceTag;
      return { path: p, tag, text: note.slice(1).trim() };
    }
  }
  return undefined;
}
