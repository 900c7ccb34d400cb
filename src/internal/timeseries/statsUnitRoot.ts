/**
 * The augmented Dickey-Fuller and KPSS kernels on a `Float64Array`, following statsmodels
 * (`statsmodels.tsa.stattools.adfuller` and `kpss`) step by step: the same default lag orders, the same regression
 * samples (the lag search fits every candidate on the common sample of the largest lag, then the chosen lag is
 * refitted on its own, longer sample), the same information criteria and the same tables.
 *
 * Kernels are synchronous and return a result value (`Ok` or a `Fail` describing the problem); the public module
 * turns failures into typed errors.
 * @internal
 */
import { fitFromQr, householderQr, informationCriteria, nestedFits, type OlsFit, ols } from "./stats.ts"
import {
  type AdfRegression,
  KPSS_CRITICAL,
  type KpssRegression,
  kpssPValue,
  mackinnoncrit,
  mackinnonp
} from "./statsTables.ts"

/** Why a test cannot be computed. */
export type Fail =
  | { readonly _tag: "Fail"; readonly kind: "insufficient"; readonly message: string; readonly required: number; readonly actual: number }
  | { readonly _tag: "Fail"; readonly kind: "constant"; readonly message: string; readonly actual: number }
  | { readonly _tag: "Fail"; readonly kind: "singular"; readonly message: string }

export type Result<A> = { readonly _tag: "Ok"; readonly value: A } | Fail

const ok = <A>(value: A): Result<A> => ({ _tag: "Ok", value })

/** Lag selection of the ADF test (statsmodels' `autolag`, lower-cased). */
export type AdfAutolag = "aic" | "bic" | "t-stat" | null

export interface AdfOutput {
  readonly statistic: number
  readonly pValue: number
  readonly usedLag: number
  readonly nobs: number
  readonly criticalValues: { readonly "1%": number; readonly "5%": number; readonly "10%": number }
  readonly icBest: number | null
  readonly maxLag: number
}

const NTREND: Record<AdfRegression, number> = { n: 0, c: 1, ct: 2, ctt: 3 }

/** statsmodels' one-sided 5% normal quantile used by the "t-stat" lag search. */
const T_STOP = 1.6448536269514722

const isConstant = (x: Float64Array): boolean => {
  let min = Number.POSITIVE_INFINITY
  let max = Number.NEGATIVE_INFINITY
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!
    if (v < min) min = v
    if (v > max) max = v
  }
  return !(max > min)
}

/** Schwert's (1989) rule used by statsmodels for both tests: ceil(12 · (n / 100)^{1/4}). */
export const schwertLags = (n: number): number => Math.ceil(12 * (n / 100) ** 0.25)

/**
 * Fills the column-major ADF design for lag order `p` on the sample of rows t = p … n−2 (nobs = n − 1 − p):
 * columns [deterministic terms…, y_t, Δy_t−1, …, Δy_t−p] (or with the level last when `levelLast`), and returns
 * Δy_{t+1} in `dy`. The trend is (row + 1) / nobs (and its square for "ctt"), which spans the same space as
 * statsmodels' 1 … nobs with the constant, but keeps the columns on a common scale.
 */
const adfDesign = (
  x: Float64Array,
  p: number,
  regression: AdfRegression,
  levelLast: boolean
): { readonly a: Float64Array; readonly dy: Float64Array; readonly nobs: number; readonly k: number; readonly levelCol: number } => {
  const n = x.length
  const nobs = n - 1 - p
  const nt = NTREND[regression]
  const k = nt + 1 + p
  const a = new Float64Array(nobs * k)
  const dy = new Float64Array(nobs)
  let c = 0
  if (nt >= 1) {
    a.fill(1, 0, nobs)
    c++
  }
  if (nt >= 2) {
    for (let r = 0; r < nobs; r++) a[c * nobs + r] = (r + 1) / nobs
    c++
  }
  if (nt >= 3) {
    for (let r = 0; r < nobs; r++) {
      const t = (r + 1) / nobs
      a[c * nobs + r] = t * t
    }
    c++
  }
  const levelCol = levelLast ? k - 1 : nt
  const lag0 = levelLast ? nt : nt + 1
  for (let r = 0; r < nobs; r++) {
    const t = p + r
    dy[r] = x[t + 1]! - x[t]!
    a[levelCol * nobs + r] = x[t]!
    for (let j = 1; j <= p; j++) a[(lag0 + j - 1) * nobs + r] = x[t - j + 1]! - x[t - j]!
  }
  return { a, dy, nobs, k, levelCol }
}

/**
 * The augmented Dickey-Fuller test of `x` (no NaN; the caller checks), as statsmodels
 * `adfuller(x, maxlag, regression, autolag)`.
 */
export const adf = (
  x: Float64Array,
  regression: AdfRegression,
  maxLagOption: number | null,
  autolag: AdfAutolag
): Result<AdfOutput> => {
  const n = x.length
  const nt = NTREND[regression]
  if (n < 2 || isConstant(x))
    return {
      _tag: "Fail",
      kind: "constant",
      actual: n,
      message: n < 2 ? `the series has ${n} value(s); a unit-root test needs a non-constant series` : "the series is constant"
    }
  const limit = Math.floor(n / 2) - nt - 1
  let maxLag: number
  if (maxLagOption === null) {
    maxLag = Math.min(limit, schwertLags(n))
    if (maxLag < 0)
      return {
        _tag: "Fail",
        kind: "insufficient",
        required: 2 * (nt + 1),
        actual: n,
        message: `sample size ${n} is too short for regression "${regression}" (needs at least ${2 * (nt + 1)} values)`
      }
  } else {
    maxLag = maxLagOption
    if (maxLag > limit)
      return {
        _tag: "Fail",
        kind: "insufficient",
        required: 2 * (maxLag + nt + 1),
        actual: n,
        message: `maxLag ${maxLag} must be at most n/2 - 1 - ntrend = ${limit} (n = ${n}, ${nt} deterministic terms)`
      }
  }
  let usedLag = maxLag
  let icBest: number | null = null
  // the search's full fit, reused when the chosen lag is maxLag (same sample, same regressors)
  let searchFit: OlsFit | null = null
  if (autolag !== null) {
    // every candidate lag 0 … maxLag on the common sample of maxLag; one QR gives all the nested fits
    const d = adfDesign(x, maxLag, regression, false)
    const q = householderQr(d.a, d.nobs, d.k, d.dy)
    const firstLevelOrLag = nt // column index of the level; the models are the first nt + 1 + p columns
    if (q.singular >= 0 && q.singular <= firstLevelOrLag)
      return singularFail(regression)
    const fits = nestedFits(q)
    // a dependent column c makes every model with more than c columns singular: only search below it
    const maxUsable = q.singular >= 0 ? q.singular - nt - 1 : maxLag
    if (autolag === "t-stat") {
      icBest = 0
      usedLag = maxUsable
      for (let p = maxUsable; p >= 0; p--) {
        const t = Math.abs(fits.lastT[nt + 1 + p]!)
        icBest = t
        usedLag = p
        if (t >= T_STOP) break
      }
    } else {
      let best = Number.POSITIVE_INFINITY
      let bestLag = 0
      for (let p = 0; p <= maxUsable; p++) {
        const k = nt + 1 + p
        const ic = informationCriteria(d.nobs, k, fits.ssr[k]!)
        const v = autolag === "aic" ? ic.aic : ic.bic
        if (v < best) {
          best = v
          bestLag = p
        }
      }
      icBest = best
      usedLag = bestLag
    }
    if (usedLag === maxLag && q.singular < 0 && d.nobs > d.k) searchFit = fitFromQr(q)
  }
  if (searchFit !== null) {
    if (isPerfectFit(x, usedLag, searchFit.ssr)) return perfectFitFail(regression)
    return ok(adfOutput(searchFit.tvalues[nt]!, regression, usedLag, searchFit.nobs, icBest, maxLag))
  }
  const d = adfDesign(x, usedLag, regression, false)
  if (d.nobs - d.k <= 0)
    return {
      _tag: "Fail",
      kind: "insufficient",
      required: nt + 2 * usedLag + 3,
      actual: n,
      message: `no residual degrees of freedom: ${d.nobs} rows for ${d.k} regressors`
    }
  const fit = ols(d.a, d.nobs, d.k, d.dy)
  if ("singular" in fit) return singularFail(regression)
  if (isPerfectFit(x, usedLag, fit.ssr)) return perfectFitFail(regression)
  return ok(adfOutput(fit.tvalues[d.levelCol]!, regression, usedLag, d.nobs, icBest, maxLag))
}

const adfOutput = (
  statistic: number,
  regression: AdfRegression,
  usedLag: number,
  nobs: number,
  icBest: number | null,
  maxLag: number
): AdfOutput => {
  const crit = mackinnoncrit(regression, nobs)
  return {
    statistic,
    pValue: mackinnonp(statistic, regression),
    usedLag,
    nobs,
    criticalValues: { "1%": crit[0], "5%": crit[1], "10%": crit[2] },
    icBest,
    maxLag
  }
}

/** Whether the regression on lag p fits the differences exactly (no residual variation to test against). */
const isPerfectFit = (x: Float64Array, p: number, ssr: number): boolean => {
  let ss = 0
  for (let t = p; t < x.length - 1; t++) ss += (x[t + 1]! - x[t]!) ** 2
  return !(ssr > 1e-20 * ss)
}

const perfectFitFail = (regression: AdfRegression): Fail => ({
  _tag: "Fail",
  kind: "singular",
  message: `the ADF regression (regression "${regression}") fits the differences exactly: the series is deterministic`
})

const singularFail = (regression: AdfRegression): Fail => ({
  _tag: "Fail",
  kind: "singular",
  message:
    `the ADF regressors (regression "${regression}") are linearly dependent: the lagged level is a deterministic ` +
    "function of time, or the differences are constant over the sample"
})

// ---------------------------------------------------------------------------------------------------------------
// KPSS
// ---------------------------------------------------------------------------------------------------------------

export interface KpssOutput {
  readonly statistic: number
  readonly pValue: number
  readonly pValueBound: "smaller" | "greater" | null
  readonly lags: number
  readonly nobs: number
  readonly criticalValues: { readonly "10%": number; readonly "5%": number; readonly "2.5%": number; readonly "1%": number }
}

/** Σ_{t≥i} r_t r_{t−i}. */
const lagProduct = (r: Float64Array, i: number): number => {
  let s = 0
  for (let t = i; t < r.length; t++) s += r[t]! * r[t - i]!
  return s
}

/**
 * Lag order by Hobijn, Franses & Ooms (1998), as statsmodels `_kpss_autolag`: a Bartlett-kernel pilot with
 * int(n^{2/9}) autocovariances, ŝ = s1/s0, γ = 1.1447 (ŝ²)^{1/3}, lags = int(γ n^{1/3}).
 */
export const kpssAutoLags = (r: Float64Array): number => {
  const n = r.length
  const covlags = Math.trunc(n ** (2 / 9))
  let s0 = lagProduct(r, 0) / n
  let s1 = 0
  for (let i = 1; i <= covlags; i++) {
    const prod = lagProduct(r, i) / (n / 2)
    s0 += prod
    s1 += i * prod
  }
  const sHat = s1 / s0
  const gamma = 1.1447 * (sHat * sHat) ** (1 / 3)
  return Math.trunc(gamma * n ** (1 / 3))
}

/** The Newey-West (Bartlett) long-run variance of Kwiatkowski et al. (1992) eq. 10: (Σr² + 2 Σ_i w_i γ_i) / n. */
export const kpssLongRunVariance = (r: Float64Array, lags: number): number => {
  let s = lagProduct(r, 0)
  for (let i = 1; i <= lags; i++) s += 2 * lagProduct(r, i) * (1 - i / (lags + 1))
  return s / r.length
}

/**
 * The KPSS test of `x` (no NaN; the caller checks), as statsmodels `kpss(x, regression, nlags)`.
 * `nlags`: "auto" (Hobijn et al.), "legacy" (ceil(12 (n/100)^{1/4})), or a count 0 ≤ nlags < n.
 */
export const kpss = (x: Float64Array, regression: KpssRegression, nlags: "auto" | "legacy" | number): Result<KpssOutput> => {
  const n = x.length
  const need = regression === "c" ? 2 : 3
  if (n < need)
    return {
      _tag: "Fail",
      kind: "insufficient",
      required: need,
      actual: n,
      message: `KPSS with regression "${regression}" needs at least ${need} values, got ${n}`
    }
  if (isConstant(x)) return { _tag: "Fail", kind: "constant", actual: n, message: "the series is constant" }
  const resid = new Float64Array(n)
  if (regression === "c") {
    let mean = 0
    for (let i = 0; i < n; i++) mean += x[i]!
    mean /= n
    for (let i = 0; i < n; i++) resid[i] = x[i]! - mean
  } else {
    // residuals of x on [1, t], t = 1 … n (scaled to t / n: same fit)
    const a = new Float64Array(2 * n)
    a.fill(1, 0, n)
    for (let i = 0; i < n; i++) a[n + i] = (i + 1) / n
    const y = Float64Array.from(x)
    const fit = ols(a, n, 2, y)
    if ("singular" in fit) return { _tag: "Fail", kind: "singular", message: "the trend regression is singular" }
    const b0 = fit.params[0]!
    const b1 = fit.params[1]!
    let ss = 0
    let sx = 0
    for (let i = 0; i < n; i++) sx += x[i]!
    const mean = sx / n
    for (let i = 0; i < n; i++) {
      resid[i] = x[i]! - (b0 + b1 * ((i + 1) / n))
      ss += (x[i]! - mean) ** 2
    }
    if (!(fit.ssr > 1e-24 * ss))
      return { _tag: "Fail", kind: "constant", actual: n, message: "the series is an exact linear trend: no residual variation" }
  }
  let lags: number
  if (nlags === "legacy") lags = Math.min(schwertLags(n), n - 1)
  else if (nlags === "auto") lags = Math.min(kpssAutoLags(resid), n - 1)
  else {
    if (nlags >= n)
      return {
        _tag: "Fail",
        kind: "insufficient",
        required: nlags + 1,
        actual: n,
        message: `nlags (${nlags}) must be < number of observations (${n})`
      }
    lags = nlags
  }
  let cum = 0
  let eta = 0
  for (let i = 0; i < n; i++) {
    cum += resid[i]!
    eta += cum * cum
  }
  eta /= n * n
  const sHat = kpssLongRunVariance(resid, lags)
  const statistic = eta / sHat
  const { bound, pValue } = kpssPValue(statistic, regression)
  const crit = KPSS_CRITICAL[regression]
  return ok({
    statistic,
    pValue,
    pValueBound: bound,
    lags,
    nobs: n,
    criticalValues: { "10%": crit[0], "5%": crit[1], "2.5%": crit[2], "1%": crit[3] }
  })
}
