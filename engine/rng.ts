/**
 * Seeded pseudo-random numbers (mulberry32): every random choice in Tailor goes through an
 * {@linkcode Rng} created from an explicit seed, so runs are reproducible. Nothing in the
 * engine calls `Math.random`.
 *
 * @module
 */

/** A seeded source of random numbers. Not cryptographic. */
export interface Rng {
  /** A uniform float in `[0, 1)`. */
  next(): number;
  /** A uniform integer in `[0, n)`; `n` must be a positive integer below 2^32. */
  int(n: number): number;
  /** A standard normal sample (mean 0, variance 1), by Box–Muller. */
  normal(): number;
}

const TWO_POW_32 = 4294967296;

/**
 * Creates a mulberry32 generator. The same seed always gives the same sequence; any
 * finite number is accepted and reduced to 32 bits (`seed >>> 0` after truncation).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createRng } from "./rng.ts";
 * const a = createRng(42), b = createRng(42);
 * assert.ok(a.next() === b.next());
 * assert.ok(a.int(10) < 10);
 * ```
 */
export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) {
    throw new TypeError(`Cannot create an Rng: seed must be a finite number, got ${seed}`);
  }
  let state = Math.trunc(seed) >>> 0;
  let spare: number | undefined;
  const nextUint32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const next = (): number => nextUint32() / TWO_POW_32;
  return {
    next,
    int(n: number): number {
      if (!Number.isInteger(n) || n <= 0 || n > TWO_POW_32) {
        throw new RangeError(`Cannot draw Rng.int(n): n must be an integer in [1, 2^32], got ${n}`);
      }
      return Math.floor(next() * n);
    },
    normal(): number {
      if (spare !== undefined) {
        const s = spare;
        spare = undefined;
        return s;
      }
      const u1 = 1 - next(); // (0, 1]: keeps log finite
      const u2 = next();
      const r = Math.sqrt(-2 * Math.log(u1));
      spare = r * Math.sin(2 * Math.PI * u2);
      return r * Math.cos(2 * Math.PI * u2);
    },
  };
}

/**
 * Shuffles `arr` in place (Fisher–Yates), drawing from `rng`; every permutation is equally
 * likely and the result depends only on the rng state.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createRng, shuffleInPlace } from "./rng.ts";
 * const xs = [0, 1, 2, 3, 4];
 * shuffleInPlace(xs, createRng(1));
 * assert.ok(xs.slice().sort().join() === "0,1,2,3,4");
 * ```
 */
export function shuffleInPlace<T>(arr: T[] | Uint32Array | Int32Array, rng: Rng): void {
  const a = arr as unknown as { [i: number]: unknown; length: number };
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = a[i];
    a[i] = a[j];
    a[j] = tmp;
  }
}
