/**
 * Tests of the stationarity tests (`adfuller`, `kpss`) and their kernels (Householder OLS, MacKinnon tables).
 *
 * Oracles, none of them our own output:
 * - statsmodels' own reference values (Stata for ADF, R tseries / SAS for KPSS) on its `macrodata` series, as in
 *   `statsmodels/tsa/tests/test_stattools.py` and `test_adfuller_lag.py`;
 * - DuckDB: the ADF statistic without augmentation equals the t-value of the lagged level in Δy_t = a + b·y_{t−1},
 *   computed in SQL with `lag()` and the `regr_*` aggregates;
 * - an independent brute-force implementation in this file (normal equations solved by Gauss-Jordan, one fit per
 *   candidate lag on the common sample) for the lag search and the information criteria;
 * - MacKinnon's (2010) published asymptotic critical values and response-surface formula, and KPSS (1992) Table 1;
 * - a hand computation of the KPSS η statistic with the Bartlett long-run variance on small series;
 * - properties: p-values monotone in the statistic, ≈ 1% / 5% / 10% at the asymptotic critical values; invariance of
 *   both statistics under affine maps of the series; random walks not rejected, white noise rejected;
 * - real data (IBM 2013-10-07 quotes, Binance BTCUSDT trades): runs and gives finite results.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import fc from "fast-check"
import * as DT from "../src/Frame/DataType.ts"
import type { DataType } from "../src/Frame/DataType.ts"
import * as Build from "../src/internal/build.ts"
import type { Column } from "../src/internal/column.ts"
import * as F from "../src/internal/frame.ts"
import { normalCdf, ols } from "../src/internal/timeseries/stats.ts"
import { KPSS_CRITICAL, mackinnonCoefficients, mackinnoncrit, mackinnonp } from "../src/internal/timeseries/statsTables.ts"
import * as TS from "../src/TimeSeries/index.ts"
import { infl, realgdp } from "./support/macrodata.ts"
import { Oracle } from "./support/duckdb.ts"

// ---------------------------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------------------------

const column = (xs: ReadonlyArray<unknown>, dtype?: DataType): Column => {
  const r = Build.fromValues(xs, dtype)
  if (r._tag === "Err") throw new Error(`bad test column: row ${r.row}: ${r.expected}`)
  return r.column
}
const frameOf = (cols: Record<string, Column>): F.Frame => F.fromColumnsUnsafe(Object.keys(cols), Object.values(cols))
const run = <X, E>(e: Effect.Effect<X, E>): X => Effect.runSync(e)
const failure = <X, E>(e: Effect.Effect<X, E>): E => {
  const exit = Effect.runSyncExit(e)
  if (Exit.isSuccess(exit)) throw new Error(`expected a failure, got ${JSON.stringify(exit.value)}`)
  const err = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (err === undefined || err._tag !== "Fail") throw new Error("expected a typed failure")
  return err.error
}

/** mulberry32: a small seeded uniform generator. */
const rng = (seed: number) => {
  let a = seed >>> 0
  return (): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
/** Standard normal draws (Box-Muller). */
const normals = (seed: number, n: number): Float64Array => {
  const u = rng(seed)
  const out = new Float64Array(n)
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - u()))
    const th = 2 * Math.PI * u()
    out[i] = r * Math.cos(th)
    if (i + 1 < n) out[i + 1] = r * Math.sin(th)
  }
  return out
}
const randomWalk = (seed: number, n: number): Float64Array => {
  const e = normals(seed, n)
  for (let i = 1; i < n; i++) e[i] = e[i - 1]! + e[i]!
  return e
}
const ar1 = (seed: number, n: number, phi: number): Float64Array => {
  const e = normals(seed, n)
  for (let i = 1; i < n; i++) e[i] = phi * e[i - 1]! + e[i]!
  return e
}

// ---------------------------------------------------------------------------------------------------------------
// an independent reference: OLS by normal equations (Gauss-Jordan with partial pivoting), one fit per model
// ---------------------------------------------------------------------------------------------------------------

interface RefFit {
  readonly params: Array<number>
  readonly tvalues: Array<number>
  readonly ssr: number
}

const refOls = (rows: ReadonlyArray<ReadonlyArray<number>>, y: ReadonlyArray<number>): RefFit => {
  const n = rows.length
  const k = rows[0]!.length
  // augmented [XᵀX | I | Xᵀy]
  const m: Array<Array<number>> = []
  for (let i = 0; i < k; i++) {
    const row = new Array<number>(2 * k + 1).fill(0)
    for (let j = 0; j < k; j++) {
      let s = 0
      for (let t = 0; t < n; t++) s += rows[t]![i]! * rows[t]![j]!
      row[j] = s
    }
    row[k + i] = 1
    let sy = 0
    for (let t = 0; t < n; t++) sy += rows[t]![i]! * y[t]!
    row[2 * k] = sy
    m.push(row)
  }
  for (let c = 0; c < k; c++) {
    let p = c
    for (let r = c + 1; r < k; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r
    ;[m[c], m[p]] = [m[p]!, m[c]!]
    const piv = m[c]![c]!
    for (let j = 0; j <= 2 * k; j++) m[c]![j] = m[c]![j]! / piv
    for (let r = 0; r < k; r++) {
      if (r === c) continue
      const f = m[r]![c]!
      if (f !== 0) for (let j = 0; j <= 2 * k; j++) m[r]![j] = m[r]![j]! - f * m[c]![j]!
    }
  }
  const params = m.map((row) => row[2 * k]!)
  let ssr = 0
  for (let t = 0; t < n; t++) {
    let fit = 0
    for (let j = 0; j < k; j++) fit += rows[t]![j]! * params[j]!
    ssr += (y[t]! - fit) ** 2
  }
  const s2 = ssr / (n - k)
  const tvalues = params.map((b, j) => b / Math.sqrt(s2 * m[j]![k + j]!))
  return { params, tvalues, ssr }
}

const NT: Record<TS.AdfRegression, number> = { n: 0, c: 1, ct: 2, ctt: 3 }

/**
 * The ADF regression for lag p on the sample starting at row `start` of the differences (statsmodels' lagmat with
 * trim "both"): regressors [deterministic…, y_{t}, Δy_{t}, …] for Δy_{t+1}, written plainly from the definition.
 */
const refDesign = (x: Float64Array, p: number, start: number, regression: TS.AdfRegression) => {
  const rows: Array<Array<number>> = []
  const y: Array<number> = []
  const nobs = x.length - 1 - start
  for (let t = start; t < x.length - 1; t++) {
    const r: Array<number> = []
    const tt = (t - start + 1) / nobs
    if (NT[regression] >= 1) r.push(1)
    if (NT[regression] >= 2) r.push(tt)
    if (NT[regression] >= 3) r.push(tt * tt)
    r.push(x[t]!)
    for (let j = 1; j <= p; j++) r.push(x[t - j + 1]! - x[t - j]!)
    rows.push(r)
    y.push(x[t + 1]! - x[t]!)
  }
  return { rows, y, nobs }
}

/** The statsmodels algorithm written out naively: one separate fit per candidate lag on the common sample. */
const refAdf = (x: Float64Array, regression: TS.AdfRegression, maxLag: number, autolag: "aic" | "bic" | "t-stat") => {
  const nt = NT[regression]
  const fits: Array<{ ic: number; lastT: number }> = []
  for (let p = 0; p <= maxLag; p++) {
    const d = refDesign(x, p, maxLag, regression)
    const f = refOls(d.rows, d.y)
    const k = nt + 1 + p
    const llf = -(d.nobs / 2) * (Math.log(2 * Math.PI) + Math.log(f.ssr / d.nobs) + 1)
    const ic = autolag === "aic" ? -2 * llf + 2 * k : -2 * llf + Math.log(d.nobs) * k
    fits.push({ ic, lastT: f.tvalues[k - 1]! })
  }
  let usedLag = 0
  let icBest = 0
  if (autolag === "t-stat") {
    for (let p = maxLag; p >= 0; p--) {
      icBest = Math.abs(fits[p]!.lastT)
      usedLag = p
      if (icBest >= 1.6448536269514722) break
    }
  } else {
    icBest = Number.POSITIVE_INFINITY
    fits.forEach((f, p) => {
      if (f.ic < icBest) {
        icBest = f.ic
        usedLag = p
      }
    })
  }
  const d = refDesign(x, usedLag, usedLag, regression)
  const f = refOls(d.rows, d.y)
  return { usedLag, icBest, statistic: f.tvalues[nt]!, nobs: d.nobs }
}

// ---------------------------------------------------------------------------------------------------------------
// statsmodels reference values (macrodata)
// ---------------------------------------------------------------------------------------------------------------

describe("adfuller: statsmodels reference values (Stata, via statsmodels' test suite)", () => {
  // statsmodels/tsa/tests/test_stattools.py: CheckADF compares teststat and pvalue to 5 decimals and the critical
  // values to 2 decimals (Stata interpolates Fuller's table; statsmodels uses MacKinnon 2010).
  const cases = [
    { name: "realgdp c", x: realgdp, regression: "c", maxLag: 4, stat: 0.97505319, p: 0.99399563, crit: [-3.476, -2.883, -2.573] },
    { name: "realgdp ct", x: realgdp, regression: "ct", maxLag: 4, stat: -1.8566374, p: 0.67682968, crit: [-4.007, -3.437, -3.137] },
    { name: "realgdp n", x: realgdp, regression: "n", maxLag: 4, stat: 3.5227498, p: 0.99999, crit: [-2.587, -1.95, -1.617] },
    { name: "infl c", x: infl, regression: "c", maxLag: 1, stat: -4.3346988, p: 0.00038661, crit: [-3.476, -2.883, -2.573] },
    { name: "infl ct", x: infl, regression: "ct", maxLag: 1, stat: -4.425093, p: 0.00199633, crit: [-4.006, -3.437, -3.137] },
    { name: "infl n", x: infl, regression: "n", maxLag: 1, stat: -2.4511596, p: 0.013747, crit: [-2.587, -1.95, -1.617] }
  ] as const
  for (const c of cases) {
    it(`${c.name}, maxLag ${c.maxLag}, no autolag`, () => {
      const r = run(TS.adfullerValues(c.x, { regression: c.regression, maxLag: c.maxLag, autolag: null }))
      expect(Math.abs(r.statistic - c.stat)).toBeLessThan(1.5e-5)
      expect(Math.abs(r.pValue - c.p)).toBeLessThan(1.5e-5)
      expect(r.usedLag).toBe(c.maxLag)
      expect(r.nobs).toBe(c.x.length - 1 - c.maxLag)
      expect(r.icBest).toBeNull()
      const crit = [r.criticalValues["1%"], r.criticalValues["5%"], r.criticalValues["10%"]]
      for (let i = 0; i < 3; i++) expect(Math.abs(crit[i]! - c.crit[i]!)).toBeLessThan(1.5e-2)
    })
  }

  it("autolag AIC on log realgdp: default maxLag 15 and 2 lags for every regression, equal to the fixed-lag fit (test_adfuller_lag.py)", () => {
    const x = realgdp.map(Math.log)
    for (const regression of ["n", "c", "ct", "ctt"] as const) {
      const auto = run(TS.adfullerValues(x, { regression, autolag: "AIC" }))
      expect(auto.maxLag).toBe(15)
      expect(auto.usedLag).toBe(2)
      const fixed = run(TS.adfullerValues(x, { regression, maxLag: 2, autolag: null }))
      expect(Math.abs(auto.statistic - fixed.statistic)).toBeLessThan(1e-12)
      expect(Math.abs(auto.pValue - fixed.pValue)).toBeLessThan(1e-12)
    }
  })

  it("short series, as statsmodels test_adfuller_short_series / test_adfuller_maxlag_too_large", () => {
    const y7 = normals(9374, 7)
    expect(run(TS.adfullerValues(y7)).maxLag).toBe(1)
    const e2 = failure(TS.adfullerValues(normals(1, 2)))
    expect(e2._tag).toBe("InsufficientData")
    const e3 = failure(TS.adfullerValues(normals(2, 3), { regression: "ct" }))
    expect(e3._tag).toBe("InsufficientData")
    const e51 = failure(TS.adfullerValues(normals(3723, 100), { maxLag: 51 }))
    expect(e51).toMatchObject({ _tag: "InsufficientData", required: 2 * (51 + 1 + 1), actual: 100 })
    // the boundary itself is allowed: 100 / 2 - 1 - 1 = 48
    expect(run(TS.adfullerValues(normals(3723, 100), { maxLag: 48, autolag: null })).usedLag).toBe(48)
  })
})

describe("kpss: statsmodels reference values (R tseries kpss.stat, SAS 9.3 lags)", () => {
  it("realgdp with 3 lags: 5.0169 (level), 1.1828 (trend), p-value clipped at 0.01", () => {
    const c = run(TS.kpssValues(realgdp, { regression: "c", nlags: 3 }))
    expect(Math.abs(c.statistic - 5.0169)).toBeLessThan(1.5e-3)
    expect(c.pValue).toBe(0.01)
    expect(c.pValueBound).toBe("smaller")
    expect(c.lags).toBe(3)
    expect(c.nobs).toBe(203)
    const ct = run(TS.kpssValues(realgdp, { regression: "ct", nlags: 3 }))
    expect(Math.abs(ct.statistic - 1.1828)).toBeLessThan(1.5e-3)
    expect(ct.pValue).toBe(0.01)
  })
  it("lag selection: auto (Hobijn et al.) gives 9 and legacy 15 on realgdp", () => {
    expect(run(TS.kpssValues(realgdp, { nlags: "auto" })).lags).toBe(9)
    expect(run(TS.kpssValues(realgdp)).lags).toBe(9)
    expect(run(TS.kpssValues(realgdp, { nlags: "legacy" })).lags).toBe(15)
  })
  it("nlags ≥ n fails with InsufficientData", () => {
    expect(failure(TS.kpssValues(realgdp, { nlags: 204 }))).toMatchObject({ _tag: "InsufficientData", required: 205, actual: 203 })
  })
})

// ---------------------------------------------------------------------------------------------------------------
// DuckDB oracle: Dickey-Fuller without augmentation
// ---------------------------------------------------------------------------------------------------------------

describe("adfuller without augmentation against an OLS computed in DuckDB (regr_* aggregates)", () => {
  let db: Oracle
  beforeAll(async () => {
    db = await Oracle.make()
  })
  afterAll(() => db.close())

  const series: ReadonlyArray<[string, Float64Array]> = [
    ["random walk", randomWalk(11, 400)],
    ["AR(1) 0.9", ar1(12, 300, 0.9)],
    ["white noise", normals(13, 250)],
    ["random walk + drift", randomWalk(14, 500).map((v, i) => v + 0.05 * i + 100)],
    ["short", randomWalk(15, 12)]
  ]
  for (const [name, x] of series) {
    it(`${name} (n = ${x.length}): τ = b / se(b) in Δy_t = a + b·y_{t−1}, and with no constant`, async () => {
      await db.load("s", frameOf({ y: column(Array.from(x), DT.Float64) }), "i")
      const q = await db.query(`
        WITH d AS (SELECT y - lag(y) OVER (ORDER BY i) AS dy, lag(y) OVER (ORDER BY i) AS ylag FROM s)
        SELECT regr_slope(dy, ylag), regr_sxx(dy, ylag), regr_syy(dy, ylag), regr_sxy(dy, ylag), regr_count(dy, ylag),
               sum(dy * ylag) FILTER (WHERE dy IS NOT NULL) / sum(ylag * ylag) FILTER (WHERE dy IS NOT NULL),
               sum(dy * dy) FILTER (WHERE dy IS NOT NULL), sum(dy * ylag) FILTER (WHERE dy IS NOT NULL),
               sum(ylag * ylag) FILTER (WHERE dy IS NOT NULL)
        FROM d`)
      const [slope, sxx, syy, sxy, count, b0, syy0, sxy0, sxx0] = q.rows[0]!.map(Number) as [number, number, number, number, number, number, number, number, number]
      const tC = slope / Math.sqrt((syy - (sxy * sxy) / sxx) / (count - 2) / sxx)
      const tN = b0 / Math.sqrt((syy0 - (sxy0 * sxy0) / sxx0) / (count - 1) / sxx0)
      const c = run(TS.adfullerValues(x, { regression: "c", maxLag: 0, autolag: null }))
      expect(c.nobs).toBe(count)
      expect(Math.abs(c.statistic - tC)).toBeLessThan(1e-8 * Math.max(1, Math.abs(tC)))
      expect(c.pValue).toBeCloseTo(mackinnonp(tC, "c"), 8)
      const n0 = run(TS.adfullerValues(x, { regression: "n", maxLag: 0, autolag: null }))
      expect(Math.abs(n0.statistic - tN)).toBeLessThan(1e-8 * Math.max(1, Math.abs(tN)))
    })
  }
})

// ---------------------------------------------------------------------------------------------------------------
// lag search against the brute-force reference
// ---------------------------------------------------------------------------------------------------------------

describe("adfuller lag search against a brute-force reference (one normal-equations fit per lag)", () => {
  const series: ReadonlyArray<[string, Float64Array]> = [
    ["random walk", randomWalk(21, 240)],
    ["AR(2)", (() => {
      const e = normals(22, 300)
      for (let i = 2; i < e.length; i++) e[i] = 1.2 * e[i - 1]! - 0.5 * e[i - 2]! + e[i]!
      return e
    })()],
    ["trend + AR(1)", ar1(23, 200, 0.6).map((v, i) => v + 0.1 * i)]
  ]
  for (const [name, x] of series) {
    for (const regression of ["n", "c", "ct", "ctt"] as const) {
      for (const autolag of ["AIC", "BIC", "t-stat"] as const) {
        it(`${name}, regression ${regression}, autolag ${autolag}`, () => {
          const r = run(TS.adfullerValues(x, { regression, autolag }))
          const maxLag = Math.min(Math.floor(x.length / 2) - NT[regression] - 1, Math.ceil(12 * (x.length / 100) ** 0.25))
          expect(r.maxLag).toBe(maxLag)
          const ref = refAdf(x, regression, maxLag, autolag.toLowerCase() as "aic" | "bic" | "t-stat")
          expect(r.usedLag).toBe(ref.usedLag)
          expect(r.nobs).toBe(ref.nobs)
          expect(Math.abs(r.icBest! - ref.icBest)).toBeLessThan(1e-7 * Math.max(1, Math.abs(ref.icBest)))
          expect(Math.abs(r.statistic - ref.statistic)).toBeLessThan(1e-7 * Math.max(1, Math.abs(ref.statistic)))
          const crit = mackinnoncrit(regression, ref.nobs)
          expect(r.criticalValues["5%"]).toBe(crit[1])
        })
      }
    }
  }

  it("the QR OLS agrees with the normal-equations reference on every coefficient and t-value", () => {
    const u = rng(5)
    const n = 60
    const k = 4
    const rows = Array.from({ length: n }, (_, i) => [1, i / n, u() * 10, Math.sin(i)])
    const y = rows.map((r) => 2 + 3 * r[1]! - r[2]! + 0.5 * r[3]! + (u() - 0.5))
    const ref = refOls(rows, y)
    const a = new Float64Array(n * k)
    for (let j = 0; j < k; j++) for (let i = 0; i < n; i++) a[j * n + i] = rows[i]![j]!
    const fit = ols(a, n, k, Float64Array.from(y))
    if ("singular" in fit) throw new Error("unexpected singular design")
    for (let j = 0; j < k; j++) {
      expect(fit.params[j]).toBeCloseTo(ref.params[j]!, 9)
      expect(fit.tvalues[j]).toBeCloseTo(ref.tvalues[j]!, 7)
    }
    expect(fit.ssr).toBeCloseTo(ref.ssr, 9)
  })
})

// ---------------------------------------------------------------------------------------------------------------
// MacKinnon tables
// ---------------------------------------------------------------------------------------------------------------

describe("MacKinnon critical values and p-values", () => {
  it("asymptotic critical values are MacKinnon's (2010) published β∞ (N = 1; 'n' from MacKinnon 1996)", () => {
    const published = {
      c: [-3.43035, -2.86154, -2.56677],
      ct: [-3.95877, -3.41049, -3.12705],
      ctt: [-4.37113, -3.83239, -3.55326],
      n: [-2.56574, -1.941, -1.61682]
    } as const
    for (const reg of ["c", "ct", "ctt", "n"] as const) expect(mackinnoncrit(reg, Number.POSITIVE_INFINITY)).toEqual(published[reg])
  })

  it("finite-sample critical values follow C(T) = β∞ + β1/T + β2/T² + β3/T³ (MacKinnon 2010 Table 2)", () => {
    // the published coefficients for the constant-only case, typed here from the paper
    const c5 = [-2.86154, -2.8903, -4.234, -40.04]
    for (const T of [25, 50, 100, 198, 500, 10_000]) {
      const expected = c5[0]! + c5[1]! / T + c5[2]! / T ** 2 + c5[3]! / T ** 3
      expect(mackinnoncrit("c", T)[1]).toBeCloseTo(expected, 12)
    }
    // Fuller's (1976) classic 5% value for T = 100 with a constant is -2.89
    expect(mackinnoncrit("c", 100)[1]).toBeCloseTo(-2.89, 2)
    // 1%/5%/10% ordering and convergence to β∞ from below
    for (const reg of ["c", "ct", "ctt"] as const) {
      const [a, b, c] = mackinnoncrit(reg, 50)
      expect(a).toBeLessThan(b)
      expect(b).toBeLessThan(c)
      expect(a).toBeLessThan(mackinnonCoefficients(reg)[0]![0])
    }
  })

  it("p-values at the asymptotic critical values are ≈ 0.01, 0.05, 0.10", () => {
    for (const reg of ["n", "c", "ct", "ctt"] as const) {
      const crit = mackinnoncrit(reg, Number.POSITIVE_INFINITY)
      ;[0.01, 0.05, 0.1].forEach((p, i) => {
        expect(Math.abs(mackinnonp(crit[i]!, reg) - p)).toBeLessThan(0.1 * p)
      })
    }
    // and tightly in the constant-only case
    expect(mackinnonp(-3.43035, "c")).toBeCloseTo(0.01, 3)
    expect(mackinnonp(-2.86154, "c")).toBeCloseTo(0.05, 3)
    expect(mackinnonp(-2.56677, "c")).toBeCloseTo(0.1, 3)
  })

  // MacKinnon's right-tail cubic for "ct" and "ctt" turns down by about 1e-8 just below τmax (p ≈ 0.997), where
  // the p-value then jumps to 1: statsmodels has the same dip, so monotonicity is checked up to 1e-7.
  it("law: the p-value is monotone non-decreasing in the statistic (up to 1e-7), within [0, 1]", () => {
    for (const reg of ["n", "c", "ct", "ctt"] as const) {
      fc.assert(
        fc.property(fc.double({ min: -30, max: 10, noNaN: true }), fc.double({ min: -30, max: 10, noNaN: true }), (a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a]
          const pl = mackinnonp(lo, reg)
          const ph = mackinnonp(hi, reg)
          return pl >= 0 && ph <= 1 && pl <= ph + 1e-7
        }),
        { numRuns: 3000 }
      )
      // a fine grid through the branch switch τ* and the cut-offs
      let prev = -1
      for (let t = -25; t <= 5; t += 0.001) {
        const p = mackinnonp(t, reg)
        expect(p).toBeGreaterThanOrEqual(prev - 1e-7)
        prev = p
      }
    }
  })

  it("normalCdf matches known quantiles", () => {
    expect(normalCdf(-1.6448536269514722)).toBeCloseTo(0.05, 14)
    expect(normalCdf(-2.3263478740408408)).toBeCloseTo(0.01, 14)
    expect(normalCdf(0)).toBe(0.5)
    expect(Math.abs(normalCdf(-8) / 6.22096057427178e-16 - 1)).toBeLessThan(1e-12)
  })
})

// ---------------------------------------------------------------------------------------------------------------
// KPSS hand computation
// ---------------------------------------------------------------------------------------------------------------

/** η = Σ S_t² / (n² σ̂²), written from the definition (Kwiatkowski et al. 1992, eqs. 10–11). */
const handKpss = (x: ReadonlyArray<number>, regression: "c" | "ct", lags: number): number => {
  const n = x.length
  let e: Array<number>
  if (regression === "c") {
    const m = x.reduce((s, v) => s + v, 0) / n
    e = x.map((v) => v - m)
  } else {
    // simple regression on t = 1…n: slope = Sxy / Sxx
    const tm = (n + 1) / 2
    const xm = x.reduce((s, v) => s + v, 0) / n
    let sxy = 0
    let sxx = 0
    x.forEach((v, i) => {
      sxy += (i + 1 - tm) * (v - xm)
      sxx += (i + 1 - tm) ** 2
    })
    const b = sxy / sxx
    e = x.map((v, i) => v - xm - b * (i + 1 - tm))
  }
  const S: Array<number> = []
  e.reduce((acc, v) => {
    S.push(acc + v)
    return acc + v
  }, 0)
  const gamma = (j: number) => {
    let s = 0
    for (let t = j; t < n; t++) s += e[t]! * e[t - j]!
    return s / n
  }
  let lrv = gamma(0)
  for (let j = 1; j <= lags; j++) lrv += 2 * (1 - j / (lags + 1)) * gamma(j)
  return S.reduce((s, v) => s + v * v, 0) / (n * n * lrv)
}

describe("kpss against a hand computation", () => {
  const small: ReadonlyArray<ReadonlyArray<number>> = [
    [1, 3, 2, 5, 4, 6, 8, 7],
    [0.5, -0.2, 0.1, 0.9, -1.3, 0.4, 0.0, 0.7, -0.6, 0.2, 1.1],
    [10, 10.5, 9.8, 11.2, 12.1, 11.7, 13.0, 12.4, 14.2]
  ]
  for (const x of small) {
    for (const regression of ["c", "ct"] as const) {
      for (const lags of [0, 1, 2, 4]) {
        it(`[${x.join(", ")}] regression ${regression}, ${lags} lags`, () => {
          const r = run(TS.kpssValues(x, { regression, nlags: lags }))
          const expected = handKpss(x, regression, lags)
          expect(Math.abs(r.statistic - expected)).toBeLessThan(1e-12 * Math.max(1, expected))
          expect(r.lags).toBe(lags)
          expect(r.criticalValues["5%"]).toBe(KPSS_CRITICAL[regression][1])
        })
      }
    }
  }

  it("p-value: linear interpolation in Table 1 between the critical values, clipped with a bound flag", () => {
    // a random walk's level statistic with few lags is far above 0.739: clipped at 0.01
    const rw = run(TS.kpssValues(randomWalk(31, 500), { nlags: 4 }))
    expect(rw.statistic).toBeGreaterThan(0.739)
    expect(rw.pValue).toBe(0.01)
    expect(rw.pValueBound).toBe("smaller")
    // white noise usually sits below 0.347: clipped at 0.10
    const wn = run(TS.kpssValues(normals(32, 500), { nlags: 0 }))
    if (wn.statistic <= 0.347) {
      expect(wn.pValue).toBe(0.1)
      expect(wn.pValueBound).toBe("greater")
    }
    // inside the table: interpolated, no flag; check by rescaling a fixed series' statistic through the table
    const x = normals(33, 300)
    for (const target of [0.4, 0.5, 0.6, 0.7]) {
      // scale one half of the series to move the statistic; then interpolate by hand
      const r = run(TS.kpssValues(x.map((v, i) => v + (i > 150 ? target : 0)), { nlags: 4 }))
      const s = r.statistic
      const crit = KPSS_CRITICAL.c
      const levels = [0.1, 0.05, 0.025, 0.01]
      let expected = s <= crit[0] ? 0.1 : s >= crit[3] ? 0.01 : Number.NaN
      for (let i = 0; i < 3; i++)
        if (s > crit[i]! && s <= crit[i + 1]!) expected = levels[i]! + ((s - crit[i]!) / (crit[i + 1]! - crit[i]!)) * (levels[i + 1]! - levels[i]!)
      expect(r.pValue).toBeCloseTo(expected, 12)
      expect(r.pValueBound).toBe(expected === 0.01 ? "smaller" : expected === 0.1 ? "greater" : null)
    }
  })
})

// ---------------------------------------------------------------------------------------------------------------
// laws and known series
// ---------------------------------------------------------------------------------------------------------------

describe("laws", () => {
  it("law: the ADF statistic is invariant under x ↦ a·x + b (a > 0) with deterministic terms, and under x ↦ a·x with none", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 30, max: 200 }),
        fc.double({ min: 0.01, max: 1000, noNaN: true }),
        fc.double({ min: -1000, max: 1000, noNaN: true }),
        fc.constantFrom("c", "ct", "ctt", "n"),
        (seed, n, a, b, regression) => {
          const x = ar1(seed, n, 0.8)
          const y = x.map((v) => a * v + (regression === "n" ? 0 : b))
          const rx = run(TS.adfullerValues(x, { regression, maxLag: 2, autolag: null }))
          const ry = run(TS.adfullerValues(y, { regression, maxLag: 2, autolag: null }))
          return Math.abs(rx.statistic - ry.statistic) < 1e-6 * Math.max(1, Math.abs(rx.statistic))
        }
      ),
      { numRuns: 150 }
    )
  })

  it("law: the KPSS statistic is invariant under x ↦ a·x + b (a ≠ 0)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 10, max: 300 }),
        fc.double({ min: 0.01, max: 1000, noNaN: true }),
        fc.boolean(),
        fc.double({ min: -1000, max: 1000, noNaN: true }),
        fc.constantFrom("c", "ct"),
        (seed, n, a, negate, b, regression) => {
          const x = ar1(seed, n, 0.5)
          const y = x.map((v) => (negate ? -a : a) * v + b)
          const rx = run(TS.kpssValues(x, { regression }))
          const ry = run(TS.kpssValues(y, { regression }))
          return rx.lags === ry.lags && Math.abs(rx.statistic - ry.statistic) < 1e-8 * Math.max(1, rx.statistic)
        }
      ),
      { numRuns: 150 }
    )
  })

  it("random walks are usually not rejected (p > 0.05 for at least 16 of 20 seeds); white noise always is", () => {
    let notRejected = 0
    for (let seed = 100; seed < 120; seed++) {
      const rw = run(TS.adfullerValues(randomWalk(seed, 500)))
      if (rw.pValue > 0.05) notRejected++
      const wn = run(TS.adfullerValues(normals(seed, 500)))
      expect(wn.pValue).toBeLessThan(1e-6)
      expect(wn.statistic).toBeLessThan(wn.criticalValues["1%"])
    }
    expect(notRejected).toBeGreaterThanOrEqual(16)
  })

  it("KPSS mostly rejects random walks and mostly accepts white noise (at 5%, at least 16 of 20 seeds each)", () => {
    let accepted = 0
    let rejected = 0
    for (let seed = 200; seed < 220; seed++) {
      if (run(TS.kpssValues(randomWalk(seed, 500))).pValue < 0.05) rejected++
      if (run(TS.kpssValues(normals(seed, 500))).pValue > 0.05) accepted++
    }
    expect(rejected).toBeGreaterThanOrEqual(16)
    expect(accepted).toBeGreaterThanOrEqual(16)
  })
})

// ---------------------------------------------------------------------------------------------------------------
// frames, inputs and errors
// ---------------------------------------------------------------------------------------------------------------

describe("frame verbs, inputs and typed errors", () => {
  const x = ar1(41, 150, 0.7)
  const frame = frameOf({
    px: column(Array.from(x), DT.Float64),
    n: column(Array.from(x, (v) => BigInt(Math.round(v * 1000))), DT.Int64),
    s: column(Array.from(x, String), DT.Utf8)
  })

  it("data-first, data-last and Effect-of-frame forms agree with the values form", () => {
    const direct = run(TS.adfullerValues(x, { regression: "ct" }))
    expect(run(TS.adfuller(frame, "px", { regression: "ct" }))).toEqual(direct)
    expect(run(TS.adfuller("px", { regression: "ct" })(frame))).toEqual(direct)
    expect(run(TS.adfuller(Effect.succeed(frame), "px", { regression: "ct" }))).toEqual(direct)
    expect(run(TS.adfullerValues(frame.batches[0]!.columns[0]!, { regression: "ct" }))).toEqual(direct)
    expect(run(TS.kpss(frame, "px"))).toEqual(run(TS.kpssValues(x)))
    expect(run(TS.kpss("px", { regression: "ct", nlags: "legacy" })(frame))).toEqual(run(TS.kpssValues(x, { regression: "ct", nlags: "legacy" })))
  })

  it("integer columns are converted to Float64 (Int64 → number)", () => {
    const ints = Array.from(x, (v) => Math.round(v * 1000))
    expect(run(TS.adfuller(frame, "n")).statistic).toBeCloseTo(run(TS.adfullerValues(ints)).statistic, 12)
  })

  it("ColumnNotFound, TypeMismatch", () => {
    expect(failure(TS.adfuller(frame, "nope"))._tag).toBe("ColumnNotFound")
    expect(failure(TS.adfuller(frame, "s"))._tag).toBe("TypeMismatch")
    expect(failure(TS.kpss(frame, "s"))._tag).toBe("TypeMismatch")
  })

  it("nulls and non-finite values fail with InvalidArgument naming the first row", () => {
    const withNull = frameOf({ v: column([1, 2, 3.5, null, 2, 1, 4, 3, 5, 2], DT.Float64) })
    const e = failure(TS.adfuller(withNull, "v"))
    expect(e._tag).toBe("InvalidArgument")
    expect((e as { message: string }).message).toContain("row 3")
    const eNaN = failure(TS.kpssValues([1, 2, Number.NaN, 4]))
    expect(eNaN._tag).toBe("InvalidArgument")
    expect((eNaN as { message: string }).message).toContain("row 2")
  })

  it("constant series fail with InsufficientData (ADF as statsmodels; KPSS where statsmodels returns NaN)", () => {
    expect(failure(TS.adfullerValues(new Float64Array(50).fill(3)))._tag).toBe("InsufficientData")
    expect(failure(TS.kpssValues(new Float64Array(50).fill(3)))._tag).toBe("InsufficientData")
    expect(failure(TS.kpssValues(Array.from({ length: 20 }, (_, i) => 2 * i + 1), { regression: "ct" }))._tag).toBe("InsufficientData")
    expect(failure(TS.adfullerValues([]))._tag).toBe("InsufficientData")
    expect(failure(TS.kpssValues([1, 2], { regression: "ct" }))).toMatchObject({ _tag: "InsufficientData", required: 3, actual: 2 })
  })

  it("linearly dependent regressors fail with ComputeError (an exact linear trend with regression 'ct')", () => {
    const line = Array.from({ length: 60 }, (_, i) => 3 + 0.5 * i)
    expect(failure(TS.adfullerValues(line, { regression: "ct", maxLag: 1, autolag: null }))._tag).toBe("ComputeError")
    // with a constant only, the lag search stops below the first dependent lag column; the remaining fit is exact
    for (const autolag of ["AIC", "BIC", "t-stat"] as const)
      expect(failure(TS.adfullerValues(line, { regression: "c", autolag }))._tag).toBe("ComputeError")
    // periodic differences (+1, −0.5, …): lag 2 is a combination of the constant and lag 1
    const zigzag = [0]
    for (let i = 1; i < 60; i++) zigzag.push(zigzag[i - 1]! + (i % 2 === 1 ? 1 : -0.5))
    expect(failure(TS.adfullerValues(zigzag, { maxLag: 5, autolag: null }))._tag).toBe("ComputeError")
    expect(failure(TS.adfullerValues(zigzag, { maxLag: 5, autolag: "AIC" }))._tag).toBe("ComputeError")
  })

  it("bad options fail with InvalidArgument", () => {
    expect(failure(TS.adfullerValues(x, { maxLag: -1 }))._tag).toBe("InvalidArgument")
    expect(failure(TS.adfullerValues(x, { maxLag: 1.5 }))._tag).toBe("InvalidArgument")
    expect(failure(TS.adfullerValues(x, { regression: "x" as never }))._tag).toBe("InvalidArgument")
    expect(failure(TS.adfullerValues(x, { autolag: "HQIC" as never }))._tag).toBe("InvalidArgument")
    expect(failure(TS.kpssValues(x, { regression: "ctt" as never }))._tag).toBe("InvalidArgument")
    expect(failure(TS.kpssValues(x, { nlags: -2 }))._tag).toBe("InvalidArgument")
  })
})

// ---------------------------------------------------------------------------------------------------------------
// real data
// ---------------------------------------------------------------------------------------------------------------

const DATA = path.resolve(import.meta.dirname, "../../shared/data")
const hasData = fs.existsSync(DATA)
if (!hasData && process.env.CI) throw new Error(`shared data missing at ${DATA} (required in CI)`)
if (!hasData) console.warn(`skipping real-data stationarity tests: ${DATA} is absent`)

describe.runIf(hasData || process.env.CI)("real data", () => {
  it("IBM 2013-10-07 log mid-price (bid and ask forward-filled separately): finite ADF and KPSS", () => {
    const text = fs.readFileSync(path.join(DATA, "market/lean/equity/usa/tick/ibm/20131007_ibm_Quote_Tick.csv"), "utf8")
    const mids: Array<number> = []
    let bid = 0
    let ask = 0
    for (const line of text.split("\n")) {
      if (line === "") continue
      const f = line.split(",")
      const b = Number(f[1])
      const a = Number(f[3])
      if (b > 0) bid = b
      if (a > 0) ask = a
      if (bid > 0 && ask > 0) mids.push(Math.log((bid + ask) / 2 / 10_000))
    }
    expect(mids.length).toBeGreaterThan(100_000)
    const frame = frameOf({ logMid: column(mids, DT.Float64) })
    const adf = run(TS.adfuller(frame, "logMid"))
    expect(Number.isFinite(adf.statistic)).toBe(true)
    expect(adf.pValue).toBeGreaterThanOrEqual(0)
    expect(adf.pValue).toBeLessThanOrEqual(1)
    expect(adf.maxLag).toBe(Math.ceil(12 * (mids.length / 100) ** 0.25))
    expect(adf.usedLag).toBeLessThanOrEqual(adf.maxLag)
    expect(adf.nobs).toBe(mids.length - 1 - adf.usedLag)
    const k = run(TS.kpss(frame, "logMid", { regression: "ct" }))
    expect(Number.isFinite(k.statistic)).toBe(true)
    expect(k.lags).toBeGreaterThanOrEqual(0)
  })

  it("Binance BTCUSDT log trade prices: finite ADF (all autolag methods) and KPSS", () => {
    const text = fs.readFileSync(path.join(DATA, "market/hftbacktest/derived/btcusdt_20240808.trades.ndjson"), "utf8")
    const px = text
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => Math.log(Number((JSON.parse(l) as { p: string }).p)))
    expect(px.length).toBe(9757)
    for (const autolag of ["AIC", "BIC", "t-stat", null] as const) {
      const r = run(TS.adfullerValues(px, { autolag, regression: "c" }))
      expect(Number.isFinite(r.statistic)).toBe(true)
      expect(r.pValue).toBeGreaterThanOrEqual(0)
      expect(r.pValue).toBeLessThanOrEqual(1)
    }
    const k = run(TS.kpssValues(px))
    expect(Number.isFinite(k.statistic)).toBe(true)
    // minute-scale prices wander: KPSS rejects level stationarity
    expect(k.pValue).toBeLessThanOrEqual(0.05)
  })
})
