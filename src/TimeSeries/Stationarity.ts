/**
 * Stationarity tests: the augmented Dickey-Fuller unit-root test (`adfuller`) and the KPSS stationarity test
 * (`kpss`), following statsmodels (`statsmodels.tsa.stattools.adfuller` / `kpss`) step by step — the same default lag
 * orders, regression samples, lag search, information criteria, and MacKinnon / KPSS tables — so that results
 * agree with statsmodels to floating-point accuracy.
 *
 * Each test runs on one numeric column of a frame (`adfuller(frame, "px", options)`, dual, frame or Effect of a
 * frame) or on values directly (`adfullerValues(column | Float64Array | number[])`). Nulls and NaN are not dropped:
 * statsmodels requires complete data, and dropping would silently join observations across a gap, so the first
 * missing row fails with `InvalidArgument` (filter or fill the series first).
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as DT from "../Frame/DataType.ts"
import { type ColumnNotFound, ComputeError, InsufficientData, InvalidArgument, TypeMismatch } from "../Frame/Errors.ts"
import * as C from "../internal/column.ts"
import type { Column } from "../internal/column.ts"
import * as F from "../internal/frame.ts"
import type { AnyRow, Frame, FrameLike } from "../internal/frame.ts"
import { toFloat64 } from "../internal/kernels/agg.ts"
import * as UR from "../internal/timeseries/statsUnitRoot.ts"

// ---------------------------------------------------------------------------------------------------------------
// models
// ---------------------------------------------------------------------------------------------------------------

/**
 * Deterministic terms of the ADF regression, as statsmodels: "n" none, "c" constant (default), "ct" constant and
 * linear trend, "ctt" constant, linear and quadratic trend.
 * @since 0.1.0 @category models
 */
export type AdfRegression = "n" | "c" | "ct" | "ctt"

/**
 * How `adfuller` picks the number of lagged differences among 0 … maxLag, as statsmodels `autolag`: "AIC"
 * (default) or "BIC" minimize the criterion (all candidates fitted on the same sample, the one of maxLag); "t-stat"
 * starts at maxLag and drops lags until the last one is significant at 5% (|t| ≥ 1.6449); `null` uses maxLag.
 * @since 0.1.0 @category models
 */
export type AdfAutolag = "AIC" | "BIC" | "t-stat" | null

/** Options of `adfuller`, as statsmodels' keyword arguments (camelCase). @since 0.1.0 @category models */
export interface AdfOptions {
  /** Deterministic terms (default "c"). */
  readonly regression?: AdfRegression
  /**
   * The largest number of lagged differences (default, as statsmodels: min(⌈12 (n/100)^{1/4}⌉, ⌊n/2⌋ − ntrend − 1),
   * with n the series length and ntrend the number of deterministic terms). Must be ≤ ⌊n/2⌋ − ntrend − 1.
   */
  readonly maxLag?: number | null
  /** Lag selection (default "AIC"); `null` uses exactly `maxLag` lags. */
  readonly autolag?: AdfAutolag
}

/**
 * The result of `adfuller` (statsmodels' tuple `adf, pvalue, usedlag, nobs, critical values, icbest` as fields).
 * @since 0.1.0 @category models
 */
export interface AdfResult {
  /** The ADF τ statistic: the t-value of the lagged level in Δy_t = det + ρ y_{t−1} + Σ γ_i Δy_{t−i} + ε_t. */
  readonly statistic: number
  /**
   * MacKinnon's (1994) approximate asymptotic p-value (statsmodels `mackinnonp`). H0: unit root; a small p-value
   * rejects it in favour of stationarity.
   */
  readonly pValue: number
  /** Number of lagged differences in the final regression. */
  readonly usedLag: number
  /** Rows of the final regression (n − 1 − usedLag). */
  readonly nobs: number
  /** MacKinnon's (2010) finite-sample critical values for `nobs` (statsmodels `mackinnoncrit`). */
  readonly criticalValues: { readonly "1%": number; readonly "5%": number; readonly "10%": number }
  /** The best information criterion (AIC/BIC), or the |t| of the last lag for "t-stat"; null without autolag. */
  readonly icBest: number | null
  /** The maxLag searched (or used, without autolag). */
  readonly maxLag: number
  readonly regression: AdfRegression
}

/**
 * Deterministic terms of the KPSS null hypothesis, as statsmodels: "c" level stationary (default), "ct" trend
 * stationary.
 * @since 0.1.0 @category models
 */
export type KpssRegression = "c" | "ct"

/** Options of `kpss`, as statsmodels' keyword arguments. @since 0.1.0 @category models */
export interface KpssOptions {
  /** The null hypothesis (default "c"). */
  readonly regression?: KpssRegression
  /**
   * Bartlett-kernel truncation lag of the long-run variance: "auto" (default; Hobijn, Franses & Ooms 1998, as
   * statsmodels), "legacy" (⌈12 (n/100)^{1/4}⌉, capped at n − 1), or a count 0 ≤ nlags < n.
   */
  readonly nlags?: "auto" | "legacy" | number
}

/** The result of `kpss`. @since 0.1.0 @category models */
export interface KpssResult {
  /** η / σ̂²: η = Σ S_t² / n² over the partial sums S_t of the residuals, σ̂² the Newey-West long-run variance. */
  readonly statistic: number
  /**
   * Interpolated in Kwiatkowski et al. (1992) Table 1 and clipped to [0.01, 0.10], as statsmodels. H0: stationary; a
   * small p-value rejects stationarity.
   */
  readonly pValue: number
  /**
   * When `pValue` is a table end (where statsmodels warns): "smaller" means the true p-value is below 0.01,
   * "greater" above 0.10; null when it was interpolated.
   */
  readonly pValueBound: "smaller" | "greater" | null
  /** The truncation lag used. */
  readonly lags: number
  readonly nobs: number
  readonly criticalValues: { readonly "10%": number; readonly "5%": number; readonly "2.5%": number; readonly "1%": number }
  readonly regression: KpssRegression
}

/** Errors of the stationarity tests on values. @since 0.1.0 @category models */
export type StationarityError = TypeMismatch | InsufficientData | InvalidArgument | ComputeError

/** Values a test accepts directly: a numeric column, a Float64Array, or numbers. @since 0.1.0 @category models */
export type SeriesInput = Column | Float64Array | ReadonlyArray<number>

// ---------------------------------------------------------------------------------------------------------------
// input handling
// ---------------------------------------------------------------------------------------------------------------

const isColumn = (u: SeriesInput): u is Column =>
  !(u instanceof Float64Array) && !Array.isArray(u) && typeof u === "object" && u !== null && "dtype" in u

/** The series as a fresh Float64Array, failing on a non-numeric dtype or on the first null / NaN / ±∞. */
const toSeries = (input: SeriesInput, what: string): Effect.Effect<Float64Array, TypeMismatch | InvalidArgument> => {
  let out: Float64Array
  if (isColumn(input)) {
    const t = input.dtype
    if (!(DT.isInteger(t) || DT.isFloat(t) || t._tag === "Decimal"))
      return Effect.fail(new TypeMismatch({ expr: what, expected: "a numeric column (integer, float or decimal)", actual: DT.format(t) }))
    if (input.nullCount > 0) {
      for (let i = 0; i < input.length; i++)
        if (!C.isValid(input, i))
          return Effect.fail(
            new InvalidArgument({
              argument: what,
              message: `row ${i} is null; the test needs a complete series (as statsmodels): filter or fill nulls first`
            })
          )
    }
    out = Float64Array.from(toFloat64(input))
  } else out = Float64Array.from(input)
  for (let i = 0; i < out.length; i++)
    if (!Number.isFinite(out[i]!))
      return Effect.fail(
        new InvalidArgument({
          argument: what,
          message: `row ${i} is ${out[i]}; the test needs finite values (as statsmodels): filter or fill them first`
        })
      )
  return Effect.succeed(out)
}

const fromFail = (f: UR.Fail, what: string): InsufficientData | ComputeError => {
  switch (f.kind) {
    case "insufficient":
      return new InsufficientData({ message: `${what}: ${f.message}`, required: f.required, actual: f.actual })
    case "constant":
      return new InsufficientData({ message: `${what}: ${f.message}`, actual: f.actual })
    case "singular":
      return new ComputeError({ expr: what, message: f.message })
  }
}

const isNonNegativeInt = (u: unknown): u is number => typeof u === "number" && Number.isInteger(u) && u >= 0

const ADF_REGRESSIONS: ReadonlyArray<string> = ["n", "c", "ct", "ctt"]
const AUTOLAGS: Record<string, UR.AdfAutolag> = { aic: "aic", bic: "bic", "t-stat": "t-stat" }

const runAdf = (input: SeriesInput, options: AdfOptions, what: string): Effect.Effect<AdfResult, StationarityError> =>
  Effect.gen(function*() {
    const regression = options.regression ?? "c"
    if (!ADF_REGRESSIONS.includes(regression))
      return yield* new InvalidArgument({ argument: "regression", message: `regression must be "n", "c", "ct" or "ctt", got ${JSON.stringify(regression)}` })
    const maxLag = options.maxLag ?? null
    if (maxLag !== null && !isNonNegativeInt(maxLag))
      return yield* new InvalidArgument({ argument: "maxLag", message: `maxLag must be a non-negative integer, got ${String(maxLag)}` })
    const autolagOption = options.autolag === undefined ? "AIC" : options.autolag
    let autolag: UR.AdfAutolag = null
    if (autolagOption !== null) {
      const a = typeof autolagOption === "string" ? AUTOLAGS[autolagOption.toLowerCase()] : undefined
      if (a === undefined)
        return yield* new InvalidArgument({ argument: "autolag", message: `autolag must be "AIC", "BIC", "t-stat" or null, got ${String(autolagOption)}` })
      autolag = a
    }
    const x = yield* toSeries(input, what)
    const r = UR.adf(x, regression, maxLag, autolag)
    if (r._tag === "Fail") return yield* fromFail(r, what)
    return { ...r.value, regression }
  })

const runKpss = (input: SeriesInput, options: KpssOptions, what: string): Effect.Effect<KpssResult, StationarityError> =>
  Effect.gen(function*() {
    const regression = options.regression ?? "c"
    if (regression !== "c" && regression !== "ct")
      return yield* new InvalidArgument({ argument: "regression", message: `regression must be "c" or "ct", got ${JSON.stringify(regression)}` })
    const nlags = options.nlags ?? "auto"
    if (nlags !== "auto" && nlags !== "legacy" && !isNonNegativeInt(nlags))
      return yield* new InvalidArgument({ argument: "nlags", message: `nlags must be "auto", "legacy" or a non-negative integer, got ${String(nlags)}` })
    const x = yield* toSeries(input, what)
    const r = UR.kpss(x, regression, nlags)
    if (r._tag === "Fail") return yield* fromFail(r, what)
    return { ...r.value, regression }
  })

// ---------------------------------------------------------------------------------------------------------------
// public API
// ---------------------------------------------------------------------------------------------------------------

/**
 * Augmented Dickey-Fuller unit-root test on a series given as values, as statsmodels
 * `adfuller(x, maxlag, regression, autolag)`.
 *
 * - Input: a numeric column (any integer, float or decimal dtype; converted to Float64), a Float64Array, or numbers,
 *   in time order. No nulls, NaN or ±∞.
 * - The regression Δy_t = det_t + ρ y_{t−1} + Σ_{i=1..p} γ_i Δy_{t−i} + ε_t is fitted by Householder QR; the
 *   statistic is the t-value of ρ. With autolag, every p in 0 … maxLag is fitted on the common sample of maxLag,
 *   and the chosen p is refitted on its own sample (n − 1 − p rows), exactly as statsmodels.
 *
 * **Errors** `TypeMismatch` (a non-numeric column); `InvalidArgument` (a null / NaN / infinite value, naming the
 * first row; a bad option); `InsufficientData` (a constant series, or too few values for `maxLag` and the
 * regression: `required` and `actual` give the sizes); `ComputeError` (linearly dependent regressors, e.g. an exact
 * linear trend with regression "ct", or an exact fit of the differences by a deterministic series, where statsmodels
 * would return a pseudo-inverse solution or ±∞ / NaN).
 * @since 0.1.0 @category stationarity
 */
export const adfullerValues = (values: SeriesInput, options: AdfOptions = {}): Effect.Effect<AdfResult, StationarityError> =>
  runAdf(values, options, "adfuller")

/**
 * KPSS stationarity test on a series given as values, as statsmodels `kpss(x, regression, nlags)`.
 *
 * - Residuals e_t of the series on a constant ("c") or constant and trend ("ct"); partial sums S_t = Σ_{s≤t} e_s;
 *   statistic η = Σ S_t² / (n² σ̂²) with σ̂² = (Σ e_t² + 2 Σ_{i=1..L} (1 − i/(L+1)) Σ_t e_t e_{t−i}) / n (Bartlett).
 * - The p-value is interpolated in Kwiatkowski et al. (1992) Table 1 and clipped to [0.01, 0.10]
 *   (`pValueBound` flags the clipping, where statsmodels warns).
 *
 * **Errors** `TypeMismatch`, `InvalidArgument` (missing values, bad options), `InsufficientData` (a constant series or
 * an exact linear trend for "ct" — statsmodels returns NaN there —, fewer than 2 ("c") or 3 ("ct") values, or
 * nlags ≥ n), `ComputeError`.
 * @since 0.1.0 @category stationarity
 */
export const kpssValues = (values: SeriesInput, options: KpssOptions = {}): Effect.Effect<KpssResult, StationarityError> =>
  runKpss(values, options, "kpss")

const columnOf = (frame: Frame, column: string): Effect.Effect<Column, ColumnNotFound> => F.getColumn(frame, column)

/**
 * Augmented Dickey-Fuller unit-root test on the column `column` of a frame (rows in frame order, which must be time
 * order), as statsmodels `adfuller`. See `adfullerValues` for the model, defaults and result.
 *
 * **Example**
 * ```ts
 * const r = yield* TimeSeries.adfuller(quotes, "logMid", { regression: "c", autolag: "AIC" })
 * // r.statistic, r.pValue, r.usedLag, r.nobs, r.criticalValues["5%"], r.icBest
 * ```
 *
 * **Errors** `ColumnNotFound`, `TypeMismatch`, `InvalidArgument`, `InsufficientData`, `ComputeError` (see
 * `adfullerValues`).
 * @since 0.1.0 @category stationarity
 */
export const adfuller: {
  (column: string, options?: AdfOptions): <A extends AnyRow, E = never, R = never>(
    self: FrameLike<A, E, R>
  ) => Effect.Effect<AdfResult, E | ColumnNotFound | StationarityError, R>
  <A extends AnyRow, E = never, R = never>(
    self: FrameLike<A, E, R>,
    column: string,
    options?: AdfOptions
  ): Effect.Effect<AdfResult, E | ColumnNotFound | StationarityError, R>
} = F.makeVerb((self: Frame, column: string, options?: AdfOptions) =>
  Effect.flatMap(columnOf(self, column), (c) => runAdf(c, options ?? {}, `adfuller(${JSON.stringify(column)})`))
)

/**
 * KPSS stationarity test on the column `column` of a frame (rows in time order), as statsmodels `kpss`. See
 * `kpssValues` for the statistic, defaults and result.
 *
 * **Errors** `ColumnNotFound`, `TypeMismatch`, `InvalidArgument`, `InsufficientData`, `ComputeError` (see
 * `kpssValues`).
 * @since 0.1.0 @category stationarity
 */
export const kpss: {
  (column: string, options?: KpssOptions): <A extends AnyRow, E = never, R = never>(
    self: FrameLike<A, E, R>
  ) => Effect.Effect<KpssResult, E | ColumnNotFound | StationarityError, R>
  <A extends AnyRow, E = never, R = never>(
    self: FrameLike<A, E, R>,
    column: string,
    options?: KpssOptions
  ): Effect.Effect<KpssResult, E | ColumnNotFound | StationarityError, R>
} = F.makeVerb((self: Frame, column: string, options?: KpssOptions) =>
  Effect.flatMap(columnOf(self, column), (c) => runKpss(c, options ?? {}, `kpss(${JSON.stringify(column)})`))
)
