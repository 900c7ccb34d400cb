/**
 * Published response-surface tables for unit-root and stationarity tests, and the functions that read them,
 * as statsmodels' `statsmodels/tsa/adfvalues.py` (`mackinnonp`, `mackinnoncrit`) and `kpss`.
 *
 * Only the N = 1 rows (one I(1) series, i.e. the Dickey-Fuller case) are kept: the cointegration rows (N > 1) are
 * not used by this library.
 *
 * Sources (the numbers are data from the papers, reproduced as statsmodels does):
 * - MacKinnon, J.G. (1994). "Approximate asymptotic distribution functions for unit-root and cointegration tests."
 *   Journal of Business & Economic Statistics 12(2), 167–176. Tables 3 and 4 (τ, N = 1): the cut-offs τ*, τmin,
 *   τmax and the left-tail ("small p") and right-tail ("large p") polynomial coefficients of Φ⁻¹(p) in τ.
 * - MacKinnon, J.G. (2010). "Critical values for cointegration tests." Queen's University, Dept. of Economics
 *   Working Paper 1227, Table 2 (N = 1): critical values C(T) = β∞ + β1/T + β2/T² + β3/T³ at 1%, 5% and 10%.
 *   The no-constant ("n") row is from MacKinnon (1996), "Numerical distribution functions for unit root and
 *   cointegration tests", Journal of Applied Econometrics 11, 601–618, as 2010 did not update it.
 * - Kwiatkowski, D., Phillips, P.C.B., Schmidt, P. & Shin, Y. (1992). "Testing the null hypothesis of stationarity
 *   against the alternative of a unit root." Journal of Econometrics 54, 159–178. Table 1 (upper-tail critical
 *   values of η_μ and η_τ at 10%, 5%, 2.5%, 1%).
 * @internal
 */
import { normalCdf } from "./stats.ts"

/** Deterministic terms of the ADF regression: none, constant, constant + trend, constant + trend + trend². */
export type AdfRegression = "n" | "c" | "ct" | "ctt"

interface TauSurface {
  /** τ* : at or below it the left-tail ("small p") polynomial is used, above it the right-tail one. */
  readonly star: number
  /** Below τmin the p-value is 0. */
  readonly min: number
  /** Above τmax the p-value is 1. */
  readonly max: number
  /** Φ⁻¹(p) ≈ γ0 + γ1 τ + γ2 τ² (MacKinnon 1994 Table 3, γ2 already scaled by 1e-2). */
  readonly small: readonly [number, number, number]
  /** Φ⁻¹(p) ≈ γ0 + γ1 τ + γ2 τ² + γ3 τ³ (MacKinnon 1994 Table 4, scaled by [1, 1e-1, 1e-1, 1e-2]). */
  readonly large: readonly [number, number, number, number]
}

// MacKinnon (1994), N = 1. Published as e.g. "c: 2.1659 1.4412 3.8269" with the last column in units of 1e-2,
// and the large-p table "c: 1.7339 9.3202 -1.2745 -1.0368" in units of [1, 1e-1, 1e-1, 1e-2].
const TAU: Record<AdfRegression, TauSurface> = {
  n: {
    star: -1.04,
    min: -19.04,
    max: Number.POSITIVE_INFINITY,
    small: [0.6344, 1.2378, 3.2496e-2],
    large: [0.4797, 9.3557e-1, -0.6999e-1, 3.3066e-2]
  },
  c: {
    star: -1.61,
    min: -18.83,
    max: 2.74,
    small: [2.1659, 1.4412, 3.8269e-2],
    large: [1.7339, 9.3202e-1, -1.2745e-1, -1.0368e-2]
  },
  ct: {
    star: -2.89,
    min: -16.18,
    max: 0.7,
    small: [3.2512, 1.6047, 4.9588e-2],
    large: [2.5261, 6.1654e-1, -3.7956e-1, -6.0285e-2]
  },
  ctt: {
    star: -3.21,
    min: -17.17,
    max: 0.54,
    small: [4.0003, 1.658, 4.8288e-2],
    large: [3.0778, 4.9529e-1, -4.1477e-1, -5.9359e-2]
  }
}

/**
 * MacKinnon's (1994) approximate p-value of a Dickey-Fuller τ statistic, as statsmodels `mackinnonp(teststat,
 * regression, N=1)`: 0 below τmin, 1 above τmax, else Φ(polynomial in τ) with the left-tail coefficients at or
 * below τ* and the right-tail ones above. Monotone non-decreasing in τ within each branch.
 */
export const mackinnonp = (stat: number, regression: AdfRegression): number => {
  const s = TAU[regression]
  if (Number.isNaN(stat)) return Number.NaN
  if (stat > s.max) return 1
  if (stat < s.min) return 0
  if (stat <= s.star) {
    const [g0, g1, g2] = s.small
    return normalCdf(g0 + stat * (g1 + stat * g2))
  }
  const [g0, g1, g2, g3] = s.large
  return normalCdf(g0 + stat * (g1 + stat * (g2 + stat * g3)))
}

/** β∞, β1, β2, β3 for 1%, 5% and 10% (MacKinnon 2010 Table 2, N = 1; "n" from MacKinnon 1996). */
const TAU_2010: Record<AdfRegression, ReadonlyArray<readonly [number, number, number, number]>> = {
  n: [
    [-2.56574, -2.2358, -3.627, 0],
    [-1.941, -0.2686, -3.365, 31.223],
    [-1.61682, 0.2656, -2.714, 25.364]
  ],
  c: [
    [-3.43035, -6.5393, -16.786, -79.433],
    [-2.86154, -2.8903, -4.234, -40.04],
    [-2.56677, -1.5384, -2.809, 0]
  ],
  ct: [
    [-3.95877, -9.0531, -28.428, -134.155],
    [-3.41049, -4.3904, -9.036, -45.374],
    [-3.12705, -2.5856, -3.925, -22.38]
  ],
  ctt: [
    [-4.37113, -11.5882, -35.819, -334.047],
    [-3.83239, -5.9057, -12.49, -118.284],
    [-3.55326, -3.6596, -5.293, -63.559]
  ]
}

/** The response-surface coefficients [β∞, β1, β2, β3] for each level (1%, 5%, 10%). Exposed for tests and docs. */
export const mackinnonCoefficients = (regression: AdfRegression): ReadonlyArray<readonly [number, number, number, number]> =>
  TAU_2010[regression]

/**
 * MacKinnon's (2010) finite-sample critical values at 1%, 5% and 10% for a regression on `nobs` rows, as statsmodels
 * `mackinnoncrit(N=1, regression, nobs)`: β∞ + β1/T + β2/T² + β3/T³ with T = nobs (Infinity gives β∞).
 */
export const mackinnoncrit = (regression: AdfRegression, nobs: number): readonly [number, number, number] => {
  const rows = TAU_2010[regression]
  const at = (r: readonly [number, number, number, number]): number => {
    if (nobs === Number.POSITIVE_INFINITY) return r[0]
    const u = 1 / nobs
    return r[0] + u * (r[1] + u * (r[2] + u * r[3]))
  }
  return [at(rows[0]!), at(rows[1]!), at(rows[2]!)]
}

/** Deterministic terms of the KPSS null: level stationarity (constant) or trend stationarity (constant + trend). */
export type KpssRegression = "c" | "ct"

/** Kwiatkowski et al. (1992) Table 1: critical values at 10%, 5%, 2.5%, 1% (increasing). */
export const KPSS_CRITICAL: Record<KpssRegression, readonly [number, number, number, number]> = {
  c: [0.347, 0.463, 0.574, 0.739],
  ct: [0.119, 0.146, 0.176, 0.216]
}

/** The significance levels of `KPSS_CRITICAL`, in the same order. */
export const KPSS_LEVELS = [0.1, 0.05, 0.025, 0.01] as const

/**
 * The KPSS p-value by linear interpolation in Table 1, as statsmodels (`np.interp(stat, crit, pvals)`): clipped to
 * [0.01, 0.10]; `bound` says when the returned value is a table end ("smaller": the true p-value is smaller than
 * 0.01; "greater": greater than 0.10), where statsmodels warns with an `InterpolationWarning`.
 */
export const kpssPValue = (
  stat: number,
  regression: KpssRegression
): { readonly pValue: number; readonly bound: "smaller" | "greater" | null } => {
  const crit = KPSS_CRITICAL[regression]
  let p: number
  if (Number.isNaN(stat)) return { pValue: Number.NaN, bound: null }
  if (stat <= crit[0]) p = KPSS_LEVELS[0]
  else if (stat >= crit[3]) p = KPSS_LEVELS[3]
  else {
    let i = 0
    while (stat > crit[i + 1]!) i++
    const x0 = crit[i]!
    const x1 = crit[i + 1]!
    const y0 = KPSS_LEVELS[i]!
    const y1 = KPSS_LEVELS[i + 1]!
    p = y0 + ((stat - x0) * (y1 - y0)) / (x1 - x0)
  }
  return { pValue: p, bound: p === KPSS_LEVELS[3] ? "smaller" : p === KPSS_LEVELS[0] ? "greater" : null }
}
