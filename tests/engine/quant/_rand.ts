/** Seeded test data for the quant tests, from the engine's Rng. */
import { createRng } from "../../../engine/rng.ts";

/** `n` seeded uniform samples in `[lo, hi)`. */
export function uniform(seed: number, n: number, lo = -1, hi = 1): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.next());
}

/** `n` seeded normal samples `N(mean, std^2)`. */
export function gaussian(seed: number, n: number, mean = 0, std = 1): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => mean + std * rng.normal());
}
