/**
 * The per-layer configuration the cost model prices and `result.json` stores:
 * `{layers: {NAME: {wbits, abits, width}}}`.
 *
 * - `wbits`: weight bits of the layer (integer 1..32; 32 = float, no quantization).
 * - `abits`: bits of the activations the layer *reads* (its input), i.e. the precision its
 *   kernel multiplies at; the pair `(wbits, abits)` must be supported by the profile for the
 *   layer's op. BOPs use this pair.
 * - `width`: a **fraction** in `(0, 1]` of the layer's original output channels; the pruned
 *   layer keeps `max(1, round(width * original))` channels. The search uses
 *   {0.25, 0.5, 0.75, 1}. A depthwise layer's width is not free (its output channels are its
 *   pruned input channels times the multiplier): its `width` entry is ignored and the
 *   effective width is reported instead.
 *
 * Compute layers (conv2d, depthwise, dense) missing from a configuration get a default
 * choice (see `defaultChoice()` in `defaults.ts`); other ops are never configured.
 *
 * @module
 */

/** One layer's choice: weight bits, activation (input) bits, output width fraction. */
export interface LayerChoice {
  /** Weight bits, integer 1..32 (32 = float). */
  readonly wbits: number;
  /** Bits of the activations the layer reads, integer 1..32 (32 = float). */
  readonly abits: number;
  /** Fraction of the original output channels kept, in (0, 1]. */
  readonly width: number;
}

/** A configuration: a choice per compute layer, by layer name (missing = default). */
export interface Configuration {
  /** Layer name -> choice. */
  readonly layers: Readonly<Record<string, LayerChoice>>;
}

/** The largest bit-width a configuration may name (float32). */
export const MAX_BITS = 32;

/** Widths the search uses by default (fractions of the original output channels). */
export const DEFAULT_WIDTHS: readonly number[] = [0.25, 0.5, 0.75, 1];

/** Channels a layer of `original` output channels keeps at `width`: `max(1, round(w*c))`. */
export function prunedChannels(original: number, width: number): number {
  return Math.max(1, Math.round(width * original));
}

function checkBits(value: unknown, path: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_BITS) {
    throw new TypeError(
      `${path}: must be an integer bit-width in 1..${MAX_BITS}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function checkWidth(value: unknown, path: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value > 1) {
    throw new TypeError(
      `${path}: must be a width fraction in (0, 1], got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/**
 * Checks one layer choice (as parsed JSON) and returns it typed. `width` may be omitted
 * (then 1). Throws a TypeError naming the JSON path and the value.
 */
export function parseLayerChoice(value: unknown, path: string): LayerChoice {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`${path}: must be an object {wbits, abits, width}`);
  }
  const o = value as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (key !== "wbits" && key !== "abits" && key !== "width") {
      throw new TypeError(`${path}.${key}: unknown key (expected wbits, abits, width)`);
    }
  }
  return {
    wbits: checkBits(o.wbits, `${path}.wbits`),
    abits: checkBits(o.abits, `${path}.abits`),
    width: o.width === undefined ? 1 : checkWidth(o.width, `${path}.width`),
  };
}

/**
 * Parses untrusted JSON into a {@link Configuration}: a config file `{layers: {...}}`, or a
 * whole `result.json` of a search (`tailor-result/v1`), whose `chosen.layers` is the chosen
 * configuration. Extra keys are ignored. Layer names are checked against a graph later, by
 * the cost functions (`RangeError` naming an unknown layer).
 *
 * @example
 * ```ts
 * import { parseConfiguration } from "./config.ts";
 * const c = parseConfiguration({ layers: { conv1: { wbits: 4, abits: 8, width: 0.5 } } });
 * console.assert(c.layers.conv1?.width === 0.5);
 * const r = parseConfiguration({ format: "tailor-result/v1", chosen: c });
 * console.assert(r.layers.conv1?.wbits === 4);
 * ```
 */
export function parseConfiguration(json: unknown): Configuration {
  if (!isObject(json)) {
    throw new TypeError(`configuration: must be an object {layers: {...}}`);
  }
  const result = json.layers === undefined && isObject(json.chosen);
  const layers = result ? (json.chosen as Record<string, unknown>).layers : json.layers;
  const at = result ? "chosen.layers" : "layers";
  if (!isObject(layers)) {
    throw new TypeError(
      `${at}: must be an object mapping layer names to {wbits, abits, width}` +
        (result ? "" : " (or pass a result.json, whose chosen.layers is one)"),
    );
  }
  const out: Record<string, LayerChoice> = {};
  for (const [name, choice] of Object.entries(layers)) {
    out[name] = parseLayerChoice(choice, `${at}.${name}`);
  }
  return { layers: out };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A configuration giving every named layer the same choice. */
export function uniformConfiguration(
  names: readonly string[],
  choice: LayerChoice,
): Configuration {
  const layers: Record<string, LayerChoice> = {};
  for (const n of names) layers[n] = choice;
  return { layers };
}
