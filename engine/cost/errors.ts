/**
 * Errors of the cost model.
 *
 * @module
 */

/**
 * A configuration asks a layer to run at a (weight bits, activation bits) pair the
 * hardware profile does not support. Never silently replaced by another pair.
 *
 * @example
 * ```ts
 * import { UnsupportedBitsError } from "./errors.ts";
 * const e = new UnsupportedBitsError("conv1", "conv2d", { w: 2, a: 2 }, [{ w: 8, a: 8 }], "m4");
 * console.log(e.message); // Layer "conv1" (conv2d) asks for w2a2, which profile "m4" ...
 * ```
 */
export class UnsupportedBitsError extends RangeError {
  /** The layer name. */
  readonly layer: string;
  /** The profile op of the layer (conv2d, depthwise, dense, add, pool). */
  readonly op: string;
  /** The requested pair. */
  readonly pair: { readonly w: number; readonly a: number };
  /** The pairs the profile supports for this op (possibly none). */
  readonly supported: readonly { readonly w: number; readonly a: number }[];

  /** Builds the error; the message names the layer, op, pair and the supported pairs. */
  constructor(
    layer: string,
    op: string,
    pair: { readonly w: number; readonly a: number },
    supported: readonly { readonly w: number; readonly a: number }[],
    profile: string,
    options?: ErrorOptions,
  ) {
    const have = supported.map((p) => `w${p.w}a${p.a}`).join(", ") || "none";
    super(
      `Layer "${layer}" (${op}) asks for w${pair.w}a${pair.a}, which profile "${profile}" ` +
        `does not support for ${op}; supported: ${have}`,
      options,
    );
    this.name = "UnsupportedBitsError";
    this.layer = layer;
    this.op = op;
    this.pair = pair;
    this.supported = supported;
  }
}
