/**
 * The choice a compute layer gets when a configuration omits it.
 *
 * @module
 */
import type { HardwareProfile, ProfileOp } from "../profile/types.ts";
import { supportedPairs } from "../profile/lookup.ts";
import type { LayerChoice } from "./config.ts";

/** The preferred default pair: 8-bit weights and activations. */
export const DEFAULT_BITS = 8;

/**
 * Default choice for a layer of `op` on `profile`: width 1 and `(8, 8)` when the profile
 * supports it for the op, else the supported pair with the most bits (`w * a`, then `w`).
 * For an op the profile does not support at all it returns `(8, 8)`, which the cost
 * functions then reject with `UnsupportedBitsError`.
 *
 * @example
 * ```ts ignore
 * const choice = defaultChoice(await loadProfile("cortex-m7-stm32h743"), "conv2d");
 * // {wbits: 8, abits: 8, width: 1}
 * ```
 */
export function defaultChoice(profile: HardwareProfile, op: ProfileOp): LayerChoice {
  const pairs = supportedPairs(profile, op);
  const eight = pairs.find((p) => p.w === DEFAULT_BITS && p.a === DEFAULT_BITS);
  if (eight || pairs.length === 0) return { wbits: DEFAULT_BITS, abits: DEFAULT_BITS, width: 1 };
  const best = [...pairs].sort((x, y) => y.w * y.a - x.w * x.a || y.w - x.w)[0]!;
  return { wbits: best.w, abits: best.a, width: 1 };
}
