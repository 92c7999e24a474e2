/**
 * Moments of a clipped normal variable, for the data-free statistics that follow a batch
 * norm's output `N(beta, gamma²)` through ReLU / ReLU6.
 *
 * @module
 */

/** Error function (Abramowitz & Stegun 7.1.26; absolute error below 1.5e-7). */
export function erf(x: number): number {
  const s = x < 0 ? -1 : 1, a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const poly = t * (0.254829592 +
    t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return s * (1 - poly * Math.exp(-a * a));
}

/** Standard normal density. */
export function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
}

/** Standard normal cumulative distribution (0 at -Infinity, 1 at +Infinity). */
export function normalCdf(z: number): number {
  if (z === Infinity) return 1;
  if (z === -Infinity) return 0;
  return 0.5 * (1 + erf(z / Math.SQRT2));
}

/**
 * Mean and variance of `clip(X, lo, hi)` for `X ~ N(mu, sigma²)` (`lo` may be -Infinity,
 * `hi` Infinity; `sigma` 0 gives the clipped point).
 */
export function clippedNormalMoments(
  mu: number,
  sigma: number,
  lo: number,
  hi: number,
): { mean: number; variance: number } {
  if (!(lo <= hi)) throw new RangeError(`Cannot clip to [${lo}, ${hi}]`);
  if (!(sigma > 0)) return { mean: Math.min(Math.max(mu, lo), hi), variance: 0 };
  const a = (lo - mu) / sigma, b = (hi - mu) / sigma;
  const pa = normalCdf(a), pb = normalCdf(b);
  const fa = Number.isFinite(a) ? normalPdf(a) : 0, fb = Number.isFinite(b) ? normalPdf(b) : 0;
  const inside = pb - pa;
  const loPart = Number.isFinite(lo) ? lo * pa : 0,
    hiPart = Number.isFinite(hi) ? hi * (1 - pb) : 0;
  const mean = loPart + hiPart + mu * inside + sigma * (fa - fb);
  const afa = Number.isFinite(a) ? a * fa : 0, bfb = Number.isFinite(b) ? b * fb : 0;
  const second = (Number.isFinite(lo) ? lo * lo * pa : 0) +
    (Number.isFinite(hi) ? hi * hi * (1 - pb) : 0) +
    (mu * mu + sigma * sigma) * inside + 2 * mu * sigma * (fa - fb) +
    sigma * sigma * (afa - bfb);
  return { mean, variance: Math.max(second - mean * mean, 0) };
}
