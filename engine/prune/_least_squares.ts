/**
 * Dense least squares for the reconstruction fits (reconstruct.ts): a Cholesky solve, and a
 * ridge solve that grows its jitter until the system is positive definite.
 *
 * @module
 */

/** Solves the symmetric positive definite `a · w = b` (a: n×n, b: n×m) by Cholesky. */
export function solveSpd(a: Float64Array, b: Float64Array, n: number, m: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) {
        if (!(s > 0)) throw new RangeError(`Cannot solve: matrix not positive definite at ${i}`);
        l[i * n + i] = Math.sqrt(s);
      } else l[i * n + j] = s / l[j * n + j]!;
    }
  }
  const w = new Float64Array(n * m);
  const y = new Float64Array(n);
  for (let c = 0; c < m; c++) {
    for (let i = 0; i < n; i++) {
      let s = b[i * m + c]!;
      for (let k = 0; k < i; k++) s -= l[i * n + k]! * y[k]!;
      y[i] = s / l[i * n + i]!;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = y[i]!;
      for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * w[k * m + c]!;
      w[i * m + c] = s / l[i * n + i]!;
    }
  }
  return w;
}

/** Smallest relative ridge tried, and the largest the jitter may grow to. */
const MIN_RIDGE = 1e-8, MAX_RIDGE = 1e-1;

/**
 * Solves `(XᵀX + r·mean(diag)·I) w = Xᵀy` with `r = max(ridge, MIN_RIDGE)` on the first
 * `cin` rows (the inputs; dead inputs make XᵀX singular) and `MIN_RIDGE` on the intercept;
 * when rounding leaves the matrix indefinite, `r` grows tenfold until it is not.
 */
export function ridgeSolve(
  xtx: Float64Array,
  xty: Float64Array,
  n: number,
  m: number,
  cin: number,
  ridge: number,
): Float64Array {
  let diag = 0;
  for (let i = 0; i < cin; i++) diag += xtx[i * n + i]!;
  const scale = diag / cin || 1;
  for (let r = Math.max(ridge, MIN_RIDGE);; r *= 10) {
    const a = xtx.slice();
    for (let i = 0; i < n; i++) a[i * n + i]! += (i < cin ? r : MIN_RIDGE) * scale;
    try {
      return solveSpd(a, xty, n, m);
    } catch (err) {
      if (r * 10 > MAX_RIDGE) throw err;
    }
  }
}
