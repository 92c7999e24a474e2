/**
 * Batch assembly with light augmentation, in plain typed-array loops: gathers examples
 * into a reusable buffer, optionally with a random shift (a crop of the zero-padded
 * image) and a random horizontal flip.
 *
 * @module
 */
import type { Dataset } from "../data/dataset.ts";
import type { Rng } from "../rng.ts";

/** Augmentation settings. */
export interface AugmentOptions {
  /** Maximum shift in pixels (crop of the image padded by this much). @default 0 */
  readonly shift?: number;
  /** Flip half of the images left-right. @default false */
  readonly flip?: boolean;
}

/**
 * Copies examples `indices` of `ds` into `out` (NHWC, `indices.length` examples), each
 * shifted by up to `shift` pixels (zero fill) and flipped with probability 1/2 if `flip`.
 * Without augmentation the copy is exact. Returns `out`.
 */
export function gatherBatch(
  ds: Dataset,
  indices: ArrayLike<number>,
  out: Float32Array,
  options: AugmentOptions & { rng?: Rng } = {},
): Float32Array {
  const { height: h, width: w, channels: c } = ds;
  const size = h * w * c;
  const shift = options.shift ?? 0;
  const flip = options.flip ?? false;
  const rng = options.rng;
  if ((shift > 0 || flip) && rng === undefined) {
    throw new TypeError("Cannot augment a batch without an rng");
  }
  if (out.length < indices.length * size) {
    throw new RangeError(
      `Cannot gather ${indices.length} examples of ${size} values into ${out.length} values`,
    );
  }
  const src = ds.images;
  for (let b = 0; b < indices.length; b++) {
    const base = indices[b]! * size;
    const dst = b * size;
    const dy = shift > 0 ? rng!.int(2 * shift + 1) - shift : 0;
    const dx = shift > 0 ? rng!.int(2 * shift + 1) - shift : 0;
    const mirror = flip && rng!.next() < 0.5;
    if (dy === 0 && dx === 0 && !mirror) {
      out.set(src.subarray(base, base + size), dst);
      continue;
    }
    for (let y = 0; y < h; y++) {
      const sy = y + dy;
      const rowOut = dst + y * w * c;
      if (sy < 0 || sy >= h) {
        out.fill(0, rowOut, rowOut + w * c);
        continue;
      }
      const rowIn = base + sy * w * c;
      for (let x = 0; x < w; x++) {
        const sx = (mirror ? w - 1 - x : x) + dx;
        for (let k = 0; k < c; k++) {
          out[rowOut + x * c + k] = sx < 0 || sx >= w ? 0 : src[rowIn + sx * c + k]!;
        }
      }
    }
  }
  return out;
}
