/**
 * Numerical building blocks of the stationarity tests: ordinary least squares by Householder QR on column-major
 * `Float64Array`s (numerically stable: no normal equations), the nested-model statistics that one QR gives for free
 * (used by the ADF lag search), and the standard normal CDF.
 *
 * Everything here is plain synchronous code on typed arrays; nothing allocates per row.
 * @internal
 */

// ---------------------------------------------------------------------------------------------------------------
// normal distribution
// ---------------------------------------------------------------------------------------------------------------

const TWO_OVER_SQRT_PI = 1.1283791670955126
const ONE_OVER_SQRT_PI = 0.5641895835477563

/**
 * The complementary error function for x ≥ 0: the power series of erf (all terms positive, so no cancellation)
 * below 2, and the Laplace continued fraction (evaluated backwards, 200 terms) from 2 on. Relative error about
 * 1e-14 over the whole range, which is far below what the MacKinnon surfaces need.
 */
const erfcNonNegative = (x: number): number => {
  if (x < 2) {
    // erf(x) = 2/√π · e^{-x²} · Σ_{n≥0} 2^n x^{2n+1} / (1·3·…·(2n+1))
    const x2 = x * x
    let term = x
    let sum = x
    for (let n = 1; n < 200; n++) {
      term *= (2 * x2) / (2 * n + 1)
      sum += term
      if (term < sum * 1e-17) break
    }
    return 1 - TWO_OVER_SQRT_PI * Math.exp(-x2) * sum
  }
  if (x > 27) return 0
  // erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …)))))
  let f = x
  for (let k = 200; k >= 1; k--) f = x + k / 2 / f
  return (ONE_OVER_SQRT_PI * Math.exp(-x * x)) / f
}

/** The standard normal CDF Φ(z) (as `scipy.stats.norm.cdf`). NaN gives NaN. */
export const normalCdf = (z: number): number => {
  if (Number.isNaN(z)) return Number.NaN
  const x = z / Math.SQRT2
  return x >= 0 ? 1 - 0.5 * erfcNonNegative(x) : 0.5 * erfcNonNegative(-x)
}

// ---------------------------------------------------------------------------------------------------------------
// Householder QR
// ---------------------------------------------------------------------------------------------------------------

/**
 * A Householder QR factorization of an n × k design (n ≥ k) together with Qᵀy.
 * - `a`: the design, overwritten: R's strict upper triangle at `a[j * n + i]` (i < j); below it, the reflectors.
 * - `diag`: R's diagonal.
 * - `qty`: Qᵀy (length n): the first k entries give the fitted coefficients, the rest the residual norm.
 * - `singular`: the first column (0-based) that is numerically in the span of the earlier ones, or -1.
 */
export interface Qr {
  readonly n: number
  readonly k: number
  readonly a: Float64Array
  readonly diag: Float64Array
  readonly qty: Float64Array
  readonly singular: number
}

/** A column whose part orthogonal to the earlier columns is below this fraction of its norm counts as dependent. */
const RANK_TOL = 1e-10

/**
 * Factorizes the column-major n × k matrix `a` (overwritten) and applies the same reflections to `y` (overwritten,
 * becoming Qᵀy). Cost ≈ 2nk² flops. Stops at the first dependent column (reported in `singular`).
 */
export const householderQr = (a: Float64Array, n: number, k: number, y: Float64Array): Qr => {
  const diag = new Float64Array(k)
  let singular = -1
  for (let j = 0; j < k; j++) {
    const cj = j * n
    // norm of the whole original column j after the previous reflections (its rows ≥ j carry the new part)
    let above = 0
    for (let i = 0; i < j; i++) above += a[cj + i]! * a[cj + i]!
    let below = 0
    for (let i = j; i < n; i++) below += a[cj + i]! * a[cj + i]!
    const norm = Math.sqrt(below)
    const total = Math.sqrt(above + below)
    if (!(norm > RANK_TOL * total) || !Number.isFinite(norm)) {
      singular = j
      break
    }
    const ajj = a[cj + j]!
    const alpha = ajj > 0 ? -norm : norm
    // v = x - alpha e1, stored in place of the column's rows ≥ j; ||v||² = 2 norm (norm + |ajj|)
    const v0 = ajj - alpha
    a[cj + j] = v0
    const vnorm2 = below - ajj * ajj + v0 * v0
    // reflect the remaining columns two at a time (one pass over v for both dot products and both updates)
    let c = j + 1
    for (; c + 1 < k; c += 2) {
      const c0 = c * n
      const c1 = c0 + n
      let s0 = 0
      let s1 = 0
      for (let i = j; i < n; i++) {
        const v = a[cj + i]!
        s0 += v * a[c0 + i]!
        s1 += v * a[c1 + i]!
      }
      const f0 = (2 * s0) / vnorm2
      const f1 = (2 * s1) / vnorm2
      for (let i = j; i < n; i++) {
        const v = a[cj + i]!
        a[c0 + i] = a[c0 + i]! - f0 * v
        a[c1 + i] = a[c1 + i]! - f1 * v
      }
    }
    if (c < k) {
      const cc = c * n
      let s = 0
      for (let i = j; i < n; i++) s += a[cj + i]! * a[cc + i]!
      const f = (2 * s) / vnorm2
      for (let i = j; i < n; i++) a[cc + i] = a[cc + i]! - f * a[cj + i]!
    }
    let s = 0
    for (let i = j; i < n; i++) s += a[cj + i]! * y[i]!
    const f = (2 * s) / vnorm2
    for (let i = j; i < n; i++) y[i] = y[i]! - f * a[cj + i]!
    diag[j] = alpha
  }
  return { n, k, a, diag, qty: y, singular }
}

/** R[i][j] of a factorization (i ≤ j). */
const rAt = (q: Qr, i: number, j: number): number => (i === j ? q.diag[i]! : q.a[j * q.n + i]!)

/** The result of an OLS fit, as statsmodels' `OLS(y, X).fit()` (params, bse, tvalues, ssr, llf, aic, bic). */
export interface OlsFit {
  readonly nobs: number
  readonly k: number
  readonly params: Float64Array
  readonly bse: Float64Array
  readonly tvalues: Float64Array
  readonly ssr: number
  readonly dfResid: number
}

/**
 * Ordinary least squares of `y` (length n) on the column-major n × k design `x`, both overwritten. Returns the
 * column index of the first dependent column instead of a fit when the design is rank-deficient.
 */
export const ols = (x: Float64Array, n: number, k: number, y: Float64Array): OlsFit | { readonly singular: number } => {
  const q = householderQr(x, n, k, y)
  return q.singular >= 0 ? { singular: q.singular } : fitFromQr(q)
}

/** The OLS fit of a full-rank factorization (`q.singular` must be -1). */
export const fitFromQr = (q: Qr): OlsFit => {
  const { n, k } = q
  // back substitution R β = (Qᵀy)[0:k]
  const params = new Float64Array(k)
  for (let i = k - 1; i >= 0; i--) {
    let s = q.qty[i]!
    for (let j = i + 1; j < k; j++) s -= rAt(q, i, j) * params[j]!
    params[i] = s / q.diag[i]!
  }
  let ssr = 0
  for (let i = k; i < n; i++) ssr += q.qty[i]! * q.qty[i]!
  const dfResid = n - k
  const scale = ssr / dfResid
  // diag((XᵀX)⁻¹) = row norms² of R⁻¹ (upper triangular): invert column by column
  const rinv = new Float64Array(k * k) // rinv[i * k + j], i ≤ j
  for (let j = 0; j < k; j++) {
    rinv[j * k + j] = 1 / q.diag[j]!
    for (let i = j - 1; i >= 0; i--) {
      let s = 0
      for (let m = i + 1; m <= j; m++) s += rAt(q, i, m) * rinv[m * k + j]!
      rinv[i * k + j] = -s / q.diag[i]!
    }
  }
  const bse = new Float64Array(k)
  const tvalues = new Float64Array(k)
  for (let i = 0; i < k; i++) {
    let s = 0
    for (let j = i; j < k; j++) s += rinv[i * k + j]! * rinv[i * k + j]!
    bse[i] = Math.sqrt(scale * s)
    tvalues[i] = params[i]! / bse[i]!
  }
  return { nobs: n, k, params, bse, tvalues, ssr, dfResid }
}

/**
 * Information criteria of an OLS fit with `k` regressors on `nobs` rows and residual sum of squares `ssr`, as
 * statsmodels: llf = −n/2 · (log 2π + log(ssr/n) + 1), aic = −2 llf + 2k, bic = −2 llf + k log n.
 */
export const informationCriteria = (nobs: number, k: number, ssr: number): { readonly aic: number; readonly bic: number } => {
  const llf = -(nobs / 2) * (Math.log(2 * Math.PI) + Math.log(ssr / nobs) + 1)
  return { aic: -2 * llf + 2 * k, bic: -2 * llf + k * Math.log(nobs) }
}

/**
 * The nested models of one factorization: for the model using the first `j` columns (1 ≤ j ≤ k), its residual sum
 * of squares and the t-value of its last coefficient. Exact: the first j columns of Q span the first j columns of
 * the design, so ssr_j = ssr_k + Σ_{i=j}^{k-1} (Qᵀy)_i², and the last coefficient is (Qᵀy)_{j-1} / R_{j-1,j-1}
 * with standard error s_j / |R_{j-1,j-1}|. When the factorization stopped at a dependent column c, only the models
 * with j ≤ c columns are defined (entries above c are NaN).
 */
export const nestedFits = (q: Qr): { readonly ssr: Float64Array; readonly lastT: Float64Array } => {
  const { n, k, qty, diag } = q
  const kk = q.singular >= 0 ? q.singular : k
  const ssr = new Float64Array(k + 1).fill(Number.NaN)
  const lastT = new Float64Array(k + 1).fill(Number.NaN)
  let tail = 0
  for (let i = kk; i < n; i++) tail += qty[i]! * qty[i]!
  ssr[kk] = tail
  for (let j = kk - 1; j >= 0; j--) ssr[j] = ssr[j + 1]! + qty[j]! * qty[j]!
  for (let j = 1; j <= kk; j++) {
    const s = Math.sqrt(ssr[j]! / (n - j))
    lastT[j] = (qty[j - 1]! * Math.sign(diag[j - 1]!)) / s
  }
  return { ssr, lastT }
}
