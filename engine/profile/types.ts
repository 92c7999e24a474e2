/**
 * Hardware profile format v1 (`"format": "tailor-profile/v1"`): the typed form of a
 * `profiles/*.json` file. A parsed {@link HardwareProfile} has exactly the shape of its JSON
 * (so `JSON.stringify(profile)` writes a valid profile back); `parseProfile()` in
 * `validate.ts` turns untrusted JSON into one, and `lookup.ts` holds the typed accessors
 * (`supportsBits`, `macsPerCycle`, `energyPerMacPj`, `findMeasured`, ...). Callers should use
 * those accessors rather than scanning the tables themselves.
 *
 * Conventions:
 * - Bits: integers 1..32; 32 means float32 (no quantization). A (weight bits, activation
 *   bits) pair is a {@link BitTuple} `[w, a]` in lists and a `{w, a, value}`
 *   {@link BitValue} in valued tables; never a joined string such as `"8x8"`.
 * - Weightless ops (`add`, `pool`): their pairs are written with `w === a` (the validator
 *   enforces it) and accessors ignore the weight bits they are given, using `(a, a)`.
 * - Units are in the field names: `Hz`, `Bytes`, `Ms`, `Mj` (millijoules), `Pj` (picojoules).
 * - Provenance: `provenance.notes` maps a JSON path of this profile (`"clockHz"`,
 *   `"analytic.macsPerCycle.conv2d"`, `"measured[3].latency"`) to `"M|S|D <citation>"`:
 *   M = measured by the cited source, S = spec / design parameter stated by the source,
 *   D = derived by the profile author (formula in the note; an estimate). A note on a path
 *   covers everything below it.
 *
 * @module
 */

/** The `format` tag every v1 profile carries. */
export const PROFILE_FORMAT = "tailor-profile/v1";

/** Op types a profile describes, in a fixed order. The IR's `maxpool`/`avgpool` map to `pool`. */
export const PROFILE_OPS = ["conv2d", "depthwise", "dense", "add", "pool"] as const;

/** One op type of a profile: `conv2d`, `depthwise`, `dense`, `add` or `pool`. */
export type ProfileOp = typeof PROFILE_OPS[number];

/** Ops without weights; their bit pairs have `w === a` and accessors use `(a, a)`. */
export const WEIGHTLESS_OPS: readonly ProfileOp[] = ["add", "pool"];

/** Device classes. */
export const PROFILE_KINDS = ["mcu", "cpu", "gpu", "accelerator"] as const;

/** Device class of a profile. */
export type ProfileKind = typeof PROFILE_KINDS[number];

/** Bit-width that means "float32, not quantized". */
export const FLOAT_BITS = 32;

/** Provenance tags: Measured by the source, Spec stated by the source, Derived by the author. */
export const PROVENANCE_TAGS = ["M", "S", "D"] as const;

/** One provenance tag. */
export type ProvenanceTag = typeof PROVENANCE_TAGS[number];

/** A (weight bits, activation bits) pair as a JSON tuple `[w, a]`. */
export type BitTuple = readonly [w: number, a: number];

/** A (weight bits, activation bits) pair as an object, for typed function arguments. */
export interface BitPair {
  /** Weight bits (1..32; 32 = float). */
  readonly w: number;
  /** Activation bits (1..32; 32 = float). */
  readonly a: number;
}

/** A value attached to a bit pair, e.g. `{w: 8, a: 8, value: 0.5}` MACs per cycle. */
export interface BitValue extends BitPair {
  /** The number for this pair (its unit is given by the table holding it). */
  readonly value: number;
}

/** A cited source; measured rows and notes refer to it by `id`. */
export interface ProfileSource {
  /** Short identifier, unique within the profile, e.g. `"tinyengine-readme"`. */
  readonly id: string;
  /** Human-readable citation (paper, or `owner/repo:path`). */
  readonly citation: string;
  /** Optional URL. */
  readonly url?: string;
}

/** Where the numbers of a profile come from. */
export interface ProfileProvenance {
  /** The physical device, e.g. `"STM32H743 (Nucleo-H743ZI), Arm Cortex-M7"`. */
  readonly device: string;
  /** Inference runtime the numbers refer to, e.g. `{name: "TinyEngine", version: "2022"}`. */
  readonly runtime: { readonly name: string; readonly version: string };
  /** Date the profile was built or measured, ISO `YYYY-MM-DD`. */
  readonly date: string;
  /** How the numbers were obtained (free text: measured, compiled from papers, ...). */
  readonly method: string;
  /** Cited sources (may be empty for a purely local measurement). */
  readonly sources: readonly ProfileSource[];
  /** JSON path of this profile -> `"M|S|D <citation>"`; see the module doc. */
  readonly notes: Readonly<Record<string, string>>;
}

/** Memory limits; an absent field means "no limit modelled". */
export interface ProfileMemory {
  /** Bytes available for activations (and scratch) at run time. */
  readonly sramBytes?: number;
  /** Bytes available for weights (bit-packed, plus scales). */
  readonly flashBytes?: number;
}

/**
 * Shape signature of one measured layer (per example, channels last). Dense layers use
 * `inH = inW = kernel = stride = groups = 1`; depthwise uses `groups = cin`; `add` and
 * `pool` use `cout = cin` (`kernel`/`stride` = pool window / stride for `pool`, 1 for `add`).
 */
export interface MeasuredShape {
  /** Input height. */
  readonly inH: number;
  /** Input width. */
  readonly inW: number;
  /** Input channels. */
  readonly cin: number;
  /** Output channels. */
  readonly cout: number;
  /** Square kernel (or pool window) size. */
  readonly kernel: number;
  /** Stride (both axes). */
  readonly stride: number;
  /** Channel groups: 1 for conv2d/dense, `cin` for depthwise. */
  readonly groups: number;
}

/** Latency statistics of a measured row, in milliseconds. */
export interface LatencyStats {
  /**
   * Mean latency, ms: what the cost model adds up over a network's layers (a hardware
   * team's figure may be a median; `provenance.method` says).
   */
  readonly meanMs: number;
  /** Median latency, ms, when measured (a statistic for readers; the cost model uses means). */
  readonly medianMs?: number;
  /** Standard deviation, ms (0 when the source gives none). */
  readonly stdMs: number;
  /** Number of timed repetitions (1 when the source gives none). */
  readonly count: number;
}

/**
 * Ops a measured row can include after its layer's own op ({@link MeasuredRow.epilogue}):
 * batch-norm and activations, which the cost model otherwise prices at zero.
 */
export const EPILOGUE_OPS = ["batchnorm", "relu", "relu6", "softmax"] as const;

/** One op of an epilogue. */
export type EpilogueOp = typeof EPILOGUE_OPS[number];

/**
 * One measured layer. Key for lookups and merges: (op, shape, wbits, abits, batch,
 * epilogue).
 */
export interface MeasuredRow {
  /** Op type. */
  readonly op: ProfileOp;
  /** Shape signature. */
  readonly shape: MeasuredShape;
  /** Weight bits. */
  readonly wbits: number;
  /** Activation bits. */
  readonly abits: number;
  /**
   * Examples per timed call. `latency` and `energyMj` are for the whole call, so the
   * per-example latency is `latency.meanMs / batch`.
   * @default {1}
   */
  readonly batch?: number;
  /** Latency statistics. */
  readonly latency: LatencyStats;
  /** Energy of one call, millijoules, when measured. */
  readonly energyMj?: number;
  /** `id` of a {@link ProfileSource}, when the row comes from a cited source. */
  readonly source?: string;
  /**
   * The ops the latency includes after the layer's own op, in order: the layer's own
   * non-linear activation, then the batch-norm and activation nodes that follow it (a
   * runtime that does not fold or fuse them, like Tailor's executor on wasm). A row with an
   * epilogue prices layers with exactly that epilogue; a row without one prices any layer
   * (batch-norm folded and activations fused, as on the shipped hardware profiles).
   */
  readonly epilogue?: readonly EpilogueOp[];
}

/**
 * Analytic fallback, used when no measured row applies. Per example (batch 1, or the
 * per-example share of a batched call when the profile says so in its notes). One layer:
 * `cycles = fixedCyclesPerLayer + max(ops / macsPerCycle(op, w, a), bytes / bytesPerCycle)`,
 * `latency = cycles / clockHz`, where `ops` is MACs for conv2d/depthwise/dense and
 * element operations (one per output element for `add`, one per window element for
 * `pool`) for weightless ops, and `bytes` the memory traffic (weights + activations).
 */
export interface AnalyticModel {
  /** Per op, MACs (element ops for add/pool) per clock cycle for each supported pair. */
  readonly macsPerCycle: Readonly<Record<ProfileOp, readonly BitValue[]>>;
  /** Fixed overhead cycles per layer (call, setup). */
  readonly fixedCyclesPerLayer: number;
  /** Sustained memory traffic, bytes per clock cycle. */
  readonly bytesPerCycle: number;
}

/** Energy model: `E = MACs * pjPerMac(w, a) + bytes read * pJ/byte` (per example). */
export interface EnergyModel {
  /** Picojoules per MAC for each bit pair the profile supports (weightless ops use (a, a)). */
  readonly pjPerMac: readonly BitValue[];
  /** Picojoules per byte read from SRAM (activations). */
  readonly pjPerByteSram: number;
  /** Picojoules per byte read from flash / weight memory. */
  readonly pjPerByteFlash: number;
}

/** A validated hardware profile, v1. Obtain one with `parseProfile()` or `loadProfile()`. */
export interface HardwareProfile {
  /** Optional JSON Schema reference for editors (`"./schema.json"`); ignored by Tailor. */
  readonly $schema?: string;
  /** Always {@link PROFILE_FORMAT}. */
  readonly format: typeof PROFILE_FORMAT;
  /** Profile name (lower-case, `[a-z0-9-]`), equal to the file name without `.json`. */
  readonly name: string;
  /** One-line description. */
  readonly description: string;
  /** Device class. */
  readonly kind: ProfileKind;
  /** Where the numbers come from. */
  readonly provenance: ProfileProvenance;
  /** Clock frequency the analytic model counts cycles at, Hz. */
  readonly clockHz: number;
  /** Memory limits. */
  readonly memory: ProfileMemory;
  /** Supported `[w, a]` pairs per op; every op is listed (an empty list = unsupported). */
  readonly supported: Readonly<Record<ProfileOp, readonly BitTuple[]>>;
  /** Measured rows (may be empty). */
  readonly measured: readonly MeasuredRow[];
  /** Analytic fallback; covers every supported pair. */
  readonly analytic: AnalyticModel;
  /** Energy model, absent when the profile has no energy figures. */
  readonly energy?: EnergyModel;
}

/** One problem found by `validateProfile()`: a JSON path and the reason. */
export interface ValidationIssue {
  /** JSON path, e.g. `"memory.sramBytes"` or `"measured[2].shape.cin"` (`""` = the root). */
  readonly path: string;
  /** Why it is wrong, naming the offending value. */
  readonly message: string;
}
