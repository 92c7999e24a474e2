/**
 * A histogram whose range grows by doubling (merging bin pairs, so counts are never
 * smeared), always containing 0. Used by the percentile and MSE observers.
 *
 * @module
 */

/** Default number of bins. */
export const HISTOGRAM_BINS = 2048;

/** One channel's histogram: bins over `[lo, lo + bins * width)`, plus the exact min/max. */
export class GrowingHistogram {
  readonly counts: Float64Array;
  lo = 0;
  width = 0;
  min = Infinity;
  max = -Infinity;
  total = 0;
  #zeros = 0; // values counted while width is 0 (all observations were 0)

  constructor(bins: number = HISTOGRAM_BINS) {
    if (!Number.isInteger(bins) || bins < 2 || bins % 2 !== 0) {
      throw new RangeError(`Cannot build a histogram with ${bins} bins: expected an even >= 2`);
    }
    this.counts = new Float64Array(bins);
  }

  get bins(): number {
    return this.counts.length;
  }

  /** Adds `data[start], data[start + stride], ...` (the values of one channel). */
  add(data: Float32Array, start: number, stride: number): void {
    let mn = Infinity, mx = -Infinity;
    for (let i = start; i < data.length; i += stride) {
      const v = data[i]!;
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    if (mn === Infinity) return;
    if (!Number.isFinite(mn) || !Number.isFinite(mx)) {
      throw new RangeError(`Cannot histogram non-finite values (min ${mn}, max ${mx})`);
    }
    this.min = Math.min(this.min, mn);
    this.max = Math.max(this.max, mx);
    this.#cover(Math.min(mn, 0), Math.max(mx, 0));
    const n = this.bins;
    for (let i = start; i < data.length; i += stride) {
      this.total++;
      if (this.width === 0) {
        this.#zeros++;
        continue;
      }
      const b = Math.floor((data[i]! - this.lo) / this.width);
      this.counts[b < 0 ? 0 : b >= n ? n - 1 : b]!++;
    }
  }

  /** Grows the range (doubling) until it covers `[lo, hi]`. */
  #cover(lo: number, hi: number): void {
    if (lo === hi) return; // both 0
    const n = this.bins;
    if (this.width === 0) {
      this.lo = lo;
      this.width = (hi - lo) / n;
      if (this.#zeros > 0) this.counts[this.#bin(0)]! += this.#zeros;
      this.#zeros = 0;
      return;
    }
    while (lo < this.lo || hi > this.lo + n * this.width) {
      const down = lo < this.lo;
      const merged = new Float64Array(n);
      const offset = down ? n / 2 : 0;
      for (let i = 0; i < n / 2; i++) {
        merged[offset + i] = this.counts[2 * i]! + this.counts[2 * i + 1]!;
      }
      this.counts.set(merged);
      if (down) this.lo -= n * this.width;
      this.width *= 2;
    }
  }

  #bin(v: number): number {
    const b = Math.floor((v - this.lo) / this.width);
    return Math.min(Math.max(b, 0), this.bins - 1);
  }

  /** The value below which a fraction `q` of the observations lie (linear inside a bin). */
  quantile(q: number): number {
    if (this.total === 0) return NaN;
    if (this.width === 0) return 0;
    const target = q * this.total;
    let cum = 0;
    for (let i = 0; i < this.bins; i++) {
      const c = this.counts[i]!;
      if (c > 0 && cum + c >= target) {
        const v = this.lo + (i + (target - cum) / c) * this.width;
        return Math.min(Math.max(v, this.min), this.max);
      }
      cum += c;
    }
    return this.max;
  }

  /** Calls `f(center, count)` for every non-empty bin (the single value 0 if degenerate). */
  forEachBin(f: (center: number, count: number) => void): void {
    if (this.width === 0) {
      if (this.total > 0) f(0, this.total);
      return;
    }
    for (let i = 0; i < this.bins; i++) {
      const c = this.counts[i]!;
      if (c > 0) f(this.lo + (i + 0.5) * this.width, c);
    }
  }
}

/** Per-channel histograms fed from channel-last data (channel of element i is i % C). */
export function addChannels(hists: GrowingHistogram[], data: Float32Array): void {
  hists.forEach((h, c) => h.add(data, c, hists.length));
}
