/**
 * Polars-style expressions. An `Expr` is pure data (a tree of `ExprNode`s): building one never fails and never
 * touches a frame. Expressions are resolved (type-checked) against a frame's schema when a verb runs, and every
 * missing column and type error is reported before any data is computed.
 *
 * ```ts
 * import { col, lit, when } from "polaroid/Expr"
 * col("price").mul(col("size")).alias("notional")
 * when(col("side").eq("buy")).then(col("size")).otherwise(col("size").neg())
 * col("px").mean().over("sym")
 * ```
 *
 * The static parameters are the output name `N` (Polars' rule: the left-most column's name, or the alias) and the
 * JS type `T` of the values where known (`number`, `boolean`, `string`, `unknown`), used to type the frames that
 * `select` and `withColumns` produce.
 *
 * @since 0.1.0
 */
import { type Pipeable, pipeArguments } from "effect/Pipeable"
import type { DataType, TimeUnit } from "../Frame/DataType.ts"

/** @since 0.1.0 @category models */
export type BinaryOp =
  | "add"
  | "sub"
  | "mul"
  | "div"
  | "floorDiv"
  | "mod"
  | "pow"
  | "eq"
  | "neq"
  | "lt"
  | "ltEq"
  | "gt"
  | "gtEq"
  | "and"
  | "or"
  | "xor"

/** @since 0.1.0 @category models */
export type UnaryOp = "neg" | "not" | "isNull" | "isNotNull" | "isNan" | "isNotNan" | "abs" | "sqrt" | "exp" | "log" | "floor" | "ceil" | "round"

/** @since 0.1.0 @category models */
export type AggFn =
  | "sum"
  | "mean"
  | "min"
  | "max"
  | "count"
  | "len"
  | "nUnique"
  | "first"
  | "last"
  | "std"
  | "var"
  | "median"
  | "quantile"
  | "argMin"
  | "argMax"
  | "topK"
  | "bottomK"

/** Interpolation of `quantile`, as in Polars. @since 0.1.0 @category models */
export type QuantileInterpolation = "nearest" | "higher" | "lower" | "midpoint" | "linear"

/** Rank methods, as in Polars `rank`. @since 0.1.0 @category models */
export type RankMethod = "average" | "min" | "max" | "dense" | "ordinal"

/**
 * Functions applied row-wise or along the column (`cum*`, `rank`, `shift`), by name. `args` are further expression
 * operands; `options` plain settings.
 *
 * Names: `fillNull`, `fillNan`, `isIn`, `between`, `cumSum`, `cumMin`, `cumMax`, `cumCount`, `cumProd`, `rank`,
 * `str.len`, `str.contains`, `str.startsWith`, `str.endsWith`, `str.toUppercase`, `str.toLowercase`,
 * `str.replace`, `str.replaceAll`, `str.slice`, `str.split`, `str.strptime`, `dt.year`, `dt.month`, `dt.day`,
 * `dt.hour`, `dt.minute`, `dt.second`, `dt.millisecond`, `dt.weekday`, `dt.ordinalDay`, `dt.epoch`, `dt.truncate`,
 * `dt.date`, `dt.convertTimeZone`, `dt.replaceTimeZone`.
 * @since 0.1.0 @category models
 */
export type FunctionName = string

/** @since 0.1.0 @category models */
export type ExprNode =
  | { readonly _tag: "Column"; readonly name: string }
  | { readonly _tag: "Literal"; readonly value: unknown; readonly dtype: DataType | null }
  | { readonly _tag: "Binary"; readonly op: BinaryOp; readonly left: ExprNode; readonly right: ExprNode }
  | { readonly _tag: "Unary"; readonly op: UnaryOp; readonly input: ExprNode }
  | { readonly _tag: "Cast"; readonly input: ExprNode; readonly dtype: DataType; readonly strict: boolean }
  | { readonly _tag: "Alias"; readonly input: ExprNode; readonly name: string }
  | {
      readonly _tag: "When"
      readonly branches: ReadonlyArray<{ readonly when: ExprNode; readonly then: ExprNode }>
      readonly otherwise: ExprNode
    }
  | {
      readonly _tag: "Function"
      readonly fn: FunctionName
      readonly input: ExprNode
      readonly args: ReadonlyArray<ExprNode>
      readonly options: { readonly [key: string]: unknown }
    }
  | {
      readonly _tag: "Agg"
      readonly fn: AggFn
      readonly input: ExprNode
      readonly options: { readonly [key: string]: unknown }
    }
  | { readonly _tag: "Window"; readonly input: ExprNode; readonly partitionBy: ReadonlyArray<ExprNode> }
  | { readonly _tag: "Len" }

/**
 * The static output name of an aliased expression: the string `M`, branded with the name `From` the expression had
 * before `alias` (its left-most column, or "literal"/"len"). Frame verbs use the brand to check, at compile time,
 * the column an aliased expression reads, and to unwrap the output name; at run time it is just the string `M`.
 * @since 0.1.0 @category models
 */
export type Alias<M extends string, From extends string> = M & { readonly "~alias": M; readonly "~from": From }

/** What can stand where an expression is expected: an expression, or a JS literal (string literal = value). @since 0.1.0 @category models */
export type IntoExpr = Expr<string, unknown> | number | bigint | string | boolean | Date | null

const toNode = (x: IntoExpr): ExprNode => (x instanceof Expr ? x.node : { _tag: "Literal", value: x, dtype: null })

/**
 * Builds an expression; every method returns a new `Expr`, never mutating.
 * @since 0.1.0 @category models
 */
export class Expr<out N extends string = string, out T = unknown> implements Pipeable {
  declare readonly _N: N
  declare readonly _T: T
  readonly node: ExprNode
  constructor(node: ExprNode) {
    this.node = node
  }

  pipe() {
    return pipeArguments(this, arguments)
  }
  /** The expression as text, e.g. `(col("a") + 1)`. */
  toString(): string {
    return show(this.node)
  }
  toJSON(): unknown {
    return { _id: "Expr", expr: show(this.node) }
  }

  private bin<U>(op: BinaryOp, other: IntoExpr): Expr<N, U> {
    return new Expr({ _tag: "Binary", op, left: this.node, right: toNode(other) })
  }
  private un<U>(op: UnaryOp): Expr<N, U> {
    return new Expr({ _tag: "Unary", op, input: this.node })
  }
  /** @internal */
  fn<U>(fn: string, args: ReadonlyArray<IntoExpr> = [], options: { readonly [k: string]: unknown } = {}): Expr<N, U> {
    return new Expr({ _tag: "Function", fn, input: this.node, args: args.map(toNode), options })
  }
  private agg(fn: AggFn, options: { readonly [k: string]: unknown } = {}): Expr<N, number> {
    return new Expr({ _tag: "Agg", fn, input: this.node, options })
  }

  // arithmetic
  /** `self + other`. Numeric promotion as in Polars (see docs/expressions.md); Utf8 + Utf8 concatenates. */
  add(other: IntoExpr): Expr<N, T extends string ? string : number> {
    return this.bin("add", other)
  }
  sub(other: IntoExpr): Expr<N, number> {
    return this.bin("sub", other)
  }
  mul(other: IntoExpr): Expr<N, number> {
    return this.bin("mul", other)
  }
  /** True division: always Float64 (Float32 for Float32 operands), as Polars `/`. */
  div(other: IntoExpr): Expr<N, number> {
    return this.bin("div", other)
  }
  /** Floor division, as Polars `//`. */
  floorDiv(other: IntoExpr): Expr<N, number> {
    return this.bin("floorDiv", other)
  }
  /** Remainder with the sign of the divisor (Python/Polars `%`). */
  mod(other: IntoExpr): Expr<N, number> {
    return this.bin("mod", other)
  }
  pow(other: IntoExpr): Expr<N, number> {
    return this.bin("pow", other)
  }
  neg(): Expr<N, number> {
    return this.un("neg")
  }
  abs(): Expr<N, number> {
    return this.un("abs")
  }
  sqrt(): Expr<N, number> {
    return this.un("sqrt")
  }
  exp(): Expr<N, number> {
    return this.un("exp")
  }
  /** Natural logarithm. */
  log(): Expr<N, number> {
    return this.un("log")
  }
  floor(): Expr<N, number> {
    return this.un("floor")
  }
  ceil(): Expr<N, number> {
    return this.un("ceil")
  }
  /** Rounds half away from zero to `decimals` digits. */
  round(decimals = 0): Expr<N, number> {
    return new Expr({ _tag: "Function", fn: "round", input: this.node, args: [], options: { decimals } })
  }

  // comparison
  eq(other: IntoExpr): Expr<N, boolean> {
    return this.bin("eq", other)
  }
  neq(other: IntoExpr): Expr<N, boolean> {
    return this.bin("neq", other)
  }
  lt(other: IntoExpr): Expr<N, boolean> {
    return this.bin("lt", other)
  }
  ltEq(other: IntoExpr): Expr<N, boolean> {
    return this.bin("ltEq", other)
  }
  gt(other: IntoExpr): Expr<N, boolean> {
    return this.bin("gt", other)
  }
  gtEq(other: IntoExpr): Expr<N, boolean> {
    return this.bin("gtEq", other)
  }

  // boolean (Kleene three-valued logic, as SQL and Polars)
  and(other: IntoExpr): Expr<N, boolean> {
    return this.bin("and", other)
  }
  or(other: IntoExpr): Expr<N, boolean> {
    return this.bin("or", other)
  }
  xor(other: IntoExpr): Expr<N, boolean> {
    return this.bin("xor", other)
  }
  not(): Expr<N, boolean> {
    return this.un("not")
  }

  // nulls and NaN
  isNull(): Expr<N, boolean> {
    return this.un("isNull")
  }
  isNotNull(): Expr<N, boolean> {
    return this.un("isNotNull")
  }
  /** True where the value is NaN (floats only; null stays null). NaN is a value, not a null. */
  isNan(): Expr<N, boolean> {
    return this.un("isNan")
  }
  isNotNan(): Expr<N, boolean> {
    return this.un("isNotNan")
  }
  /** Replaces nulls by `value` (an expression or literal), or by a strategy: "forward", "backward", "zero", "min", "max", "mean". */
  fillNull(value: IntoExpr | { readonly strategy: "forward" | "backward" | "zero" | "min" | "max" | "mean" }): Expr<N, T> {
    if (value !== null && typeof value === "object" && !(value instanceof Expr) && !(value instanceof Date))
      return this.fn("fillNull", [], { strategy: value.strategy })
    return this.fn("fillNull", [value as IntoExpr])
  }
  /** Replaces NaN by `value`. */
  fillNan(value: IntoExpr): Expr<N, T> {
    return this.fn("fillNan", [value])
  }

  // cast
  /** Converts to `dtype`; a value that does not fit fails the verb with `ComputeError` (Polars `strict=True`). */
  cast(dtype: DataType): Expr<N, unknown> {
    return new Expr({ _tag: "Cast", input: this.node, dtype, strict: true })
  }
  /** Converts to `dtype`; values that do not fit become null (Polars `strict=False`). */
  tryCast(dtype: DataType): Expr<N, unknown> {
    return new Expr({ _tag: "Cast", input: this.node, dtype, strict: false })
  }
  /** Names the output column. (Statically the name is `Alias<M, N>`: `M`, remembering the input's name `N`.) */
  alias<M extends string>(name: M): Expr<Alias<M, N>, T> {
    return new Expr({ _tag: "Alias", input: this.node, name })
  }

  // membership
  /** True where the value is one of `values` (null → null, as Polars). */
  isIn(values: ReadonlyArray<number | bigint | string | boolean | Date>): Expr<N, boolean> {
    return this.fn("isIn", [], { values })
  }
  /** `lower <= self <= upper` by default; `closed` chooses which bounds are inclusive. */
  between(lower: IntoExpr, upper: IntoExpr, closed: "both" | "left" | "right" | "none" = "both"): Expr<N, boolean> {
    return this.fn("between", [lower, upper], { closed })
  }

  // aggregations (nulls skipped, as Polars)
  sum(): Expr<N, number> {
    return this.agg("sum")
  }
  mean(): Expr<N, number> {
    return this.agg("mean")
  }
  min(): Expr<N, T> {
    return this.agg("min") as Expr<N, never>
  }
  max(): Expr<N, T> {
    return this.agg("max") as Expr<N, never>
  }
  /** Number of non-null values (UInt32 in Polars; Int64 here... see docs). */
  count(): Expr<N, number> {
    return this.agg("count")
  }
  /** Number of values including nulls. */
  len(): Expr<N, number> {
    return this.agg("len")
  }
  /** Number of distinct values (null counts as one value, as Polars `n_unique`). */
  nUnique(): Expr<N, number> {
    return this.agg("nUnique")
  }
  first(): Expr<N, T> {
    return this.agg("first") as Expr<N, never>
  }
  last(): Expr<N, T> {
    return this.agg("last") as Expr<N, never>
  }
  /** Standard deviation with `ddof` (default 1, sample), as Polars. */
  std(ddof = 1): Expr<N, number> {
    return this.agg("std", { ddof })
  }
  var(ddof = 1): Expr<N, number> {
    return this.agg("var", { ddof })
  }
  median(): Expr<N, number> {
    return this.agg("median")
  }
  /** The `q` quantile (0 ≤ q ≤ 1) with Polars' interpolation options (default "nearest", as Polars). */
  quantile(q: number, interpolation: QuantileInterpolation = "nearest"): Expr<N, number> {
    return this.agg("quantile", { q, interpolation })
  }
  /** Index (within the group) of the smallest value. */
  argMin(): Expr<N, number> {
    return this.agg("argMin")
  }
  argMax(): Expr<N, number> {
    return this.agg("argMax")
  }
  /**
   * The `k` largest values (a non-negative integer) as a List of the input dtype, largest first (NaN above every
   * number, ties in row order); nulls only fill up a group with fewer than `k` valid values. One list per group in
   * `groupBy().agg()`, as Polars `top_k` in an aggregation (then `explode` gives one row per value); a single list
   * in `select` (Polars gives `k` rows there). Orderable dtypes.
   */
  topK(k: number): Expr<N, ReadonlyArray<T | null>> {
    return new Expr({ _tag: "Agg", fn: "topK", input: this.node, options: { k } })
  }
  /** The `k` smallest values, smallest first; otherwise as `topK` (Polars `bottom_k`). */
  bottomK(k: number): Expr<N, ReadonlyArray<T | null>> {
    return new Expr({ _tag: "Agg", fn: "bottomK", input: this.node, options: { k } })
  }

  // along the column
  cumSum(reverse = false): Expr<N, number> {
    return this.fn("cumSum", [], { reverse })
  }
  cumMin(reverse = false): Expr<N, T> {
    return this.fn("cumMin", [], { reverse })
  }
  cumMax(reverse = false): Expr<N, T> {
    return this.fn("cumMax", [], { reverse })
  }
  cumProd(reverse = false): Expr<N, number> {
    return this.fn("cumProd", [], { reverse })
  }
  /** Running count of non-null values. */
  cumCount(reverse = false): Expr<N, number> {
    return this.fn("cumCount", [], { reverse })
  }
  /** Rank of each value (nulls stay null), as Polars `rank` (default method "average"). */
  rank(method: RankMethod = "average", options: { readonly descending?: boolean } = {}): Expr<N, number> {
    return this.fn("rank", [], { method, descending: options.descending ?? false })
  }

  // ---- time series: rolling windows, series operations, EWM (family TS2: fn/rolling.ts, fn/series.ts, fn/ewm.ts) ----
  /**
   * Sum over a sliding window of `windowSize` rows (this row and the `windowSize - 1` before it, or centred with
   * `center`), as Polars `rolling_sum`. Nulls are skipped; a window with fewer than `minSamples` (default
   * `windowSize`) non-null values gives null. Integers → Int64, floats → Float64, Boolean → UInt32; with
   * `weights` (one per window row, the last on the newest row): Σ wᵢxᵢ in Float64. Within `over` partitions.
   */
  rollingSum(windowSize: number, options: RollingOptions = {}): Expr<N, number> {
    return this.fn("rollingSum", [], rollingOpts(windowSize, options))
  }
  /** Mean over a sliding window of rows (Float64), as Polars `rolling_mean`; with `weights`: Σ wᵢxᵢ / Σ wᵢ. See `rollingSum`. */
  rollingMean(windowSize: number, options: RollingOptions = {}): Expr<N, number> {
    return this.fn("rollingMean", [], rollingOpts(windowSize, options))
  }
  /** Minimum over a sliding window of rows (same dtype: numeric or temporal), as Polars `rolling_min`. See `rollingSum`. */
  rollingMin(windowSize: number, options: RollingOptions = {}): Expr<N, T> {
    return this.fn("rollingMin", [], rollingOpts(windowSize, options))
  }
  /** Maximum over a sliding window of rows (same dtype), as Polars `rolling_max`. See `rollingSum`. */
  rollingMax(windowSize: number, options: RollingOptions = {}): Expr<N, T> {
    return this.fn("rollingMax", [], rollingOpts(windowSize, options))
  }
  /** Standard deviation over a sliding window of rows (Float64, `ddof` default 1; null when count ≤ ddof), as Polars `rolling_std`. */
  rollingStd(windowSize: number, options: RollingOptions & { readonly ddof?: number } = {}): Expr<N, number> {
    return this.fn("rollingStd", [], { ...rollingOpts(windowSize, options), ddof: options.ddof ?? 1 })
  }
  /** Variance over a sliding window of rows (Float64, `ddof` default 1), as Polars `rolling_var`. */
  rollingVar(windowSize: number, options: RollingOptions & { readonly ddof?: number } = {}): Expr<N, number> {
    return this.fn("rollingVar", [], { ...rollingOpts(windowSize, options), ddof: options.ddof ?? 1 })
  }
  /** Median over a sliding window of rows (Float64, linear interpolation), as Polars `rolling_median`. */
  rollingMedian(windowSize: number, options: RollingOptions = {}): Expr<N, number> {
    return this.fn("rollingMedian", [], rollingOpts(windowSize, options))
  }
  /** The `q` quantile over a sliding window of rows (Float64, `interpolation` default "nearest"), as Polars `rolling_quantile`. */
  rollingQuantile(q: number, windowSize: number, options: RollingOptions & { readonly interpolation?: QuantileInterpolation } = {}): Expr<N, number> {
    return this.fn("rollingQuantile", [], { ...rollingOpts(windowSize, options), q, interpolation: options.interpolation ?? "nearest" })
  }
  /** Number of non-null values in a sliding window of rows (UInt32; null under `minSamples`, default `windowSize`). */
  rollingCount(windowSize: number, options: RollingOptions = {}): Expr<N, number> {
    return this.fn("rollingCount", [], rollingOpts(windowSize, options))
  }
  /**
   * A custom aggregation over a sliding window of rows, as Polars `rolling_map`: `f` gets a Float64Array view of
   * the window's non-null values (valid only during the call) and returns a number, or null. Slow path: one JS call
   * per row and O(windowSize) per row.
   */
  rollingMap(f: (window: Float64Array) => number | null, windowSize: number, options: RollingOptions = {}): Expr<N, number> {
    return this.fn("rollingMap", [], { ...rollingOpts(windowSize, options), map: f })
  }
  /**
   * Sum over a look-back window of a duration on an index column `by` (Date, Timestamp, or an integer with "Ni"
   * durations), as Polars `rolling_sum_by`: for row i the rows with `by` in `(by[i] - windowSize, by[i]]`
   * (`closed` "right", default; "left", "both", "none" move the ends). `minSamples` default 1. `by` must be sorted
   * (within each `over` partition): otherwise `ComputeError` (NotSorted, with the first offending row).
   */
  rollingSumBy(by: string | Expr, windowSize: string, options: RollingByOptions = {}): Expr<N, number> {
    return this.fn("rollingSumBy", [from(by)], rollingByOpts(windowSize, options))
  }
  /** Mean over a duration window on `by`, as Polars `rolling_mean_by`. See `rollingSumBy`. */
  rollingMeanBy(by: string | Expr, windowSize: string, options: RollingByOptions = {}): Expr<N, number> {
    return this.fn("rollingMeanBy", [from(by)], rollingByOpts(windowSize, options))
  }
  /** Minimum over a duration window on `by`, as Polars `rolling_min_by`. See `rollingSumBy`. */
  rollingMinBy(by: string | Expr, windowSize: string, options: RollingByOptions = {}): Expr<N, T> {
    return this.fn("rollingMinBy", [from(by)], rollingByOpts(windowSize, options))
  }
  /** Maximum over a duration window on `by`, as Polars `rolling_max_by`. See `rollingSumBy`. */
  rollingMaxBy(by: string | Expr, windowSize: string, options: RollingByOptions = {}): Expr<N, T> {
    return this.fn("rollingMaxBy", [from(by)], rollingByOpts(windowSize, options))
  }
  /** Standard deviation over a duration window on `by` (`ddof` default 1), as Polars `rolling_std_by`. */
  rollingStdBy(by: string | Expr, windowSize: string, options: RollingByOptions & { readonly ddof?: number } = {}): Expr<N, number> {
    return this.fn("rollingStdBy", [from(by)], { ...rollingByOpts(windowSize, options), ddof: options.ddof ?? 1 })
  }
  /** Variance over a duration window on `by` (`ddof` default 1), as Polars `rolling_var_by`. */
  rollingVarBy(by: string | Expr, windowSize: string, options: RollingByOptions & { readonly ddof?: number } = {}): Expr<N, number> {
    return this.fn("rollingVarBy", [from(by)], { ...rollingByOpts(windowSize, options), ddof: options.ddof ?? 1 })
  }
  /** Median over a duration window on `by`, as Polars `rolling_median_by`. */
  rollingMedianBy(by: string | Expr, windowSize: string, options: RollingByOptions = {}): Expr<N, number> {
    return this.fn("rollingMedianBy", [from(by)], rollingByOpts(windowSize, options))
  }
  /** The `q` quantile over a duration window on `by`, as Polars `rolling_quantile_by` (interpolation default "nearest"). */
  rollingQuantileBy(
    by: string | Expr,
    q: number,
    windowSize: string,
    options: RollingByOptions & { readonly interpolation?: QuantileInterpolation } = {}
  ): Expr<N, number> {
    return this.fn("rollingQuantileBy", [from(by)], { ...rollingByOpts(windowSize, options), q, interpolation: options.interpolation ?? "nearest" })
  }
  /** Number of non-null values in a duration window on `by` (UInt32). */
  rollingCountBy(by: string | Expr, windowSize: string, options: RollingByOptions = {}): Expr<N, number> {
    return this.fn("rollingCountBy", [from(by)], rollingByOpts(windowSize, options))
  }
  /** A custom aggregation over a duration window on `by` (see `rollingMap`; slow path). */
  rollingMapBy(f: (window: Float64Array) => number | null, by: string | Expr, windowSize: string, options: RollingByOptions = {}): Expr<N, number> {
    return this.fn("rollingMapBy", [from(by)], { ...rollingByOpts(windowSize, options), map: f })
  }
  /**
   * Shifts values down by `n` rows (a lag; negative `n` shifts up, a lead), as Polars `shift`; the `n` rows
   * without a source take `fillValue` (cast to the dtype) or null. Within `over` partitions.
   */
  shift(n = 1, fillValue?: IntoExpr): Expr<N, T> {
    return this.fn("shift", fillValue === undefined ? [] : [fillValue], { n })
  }
  /** The value `n` rows before (`shift(n)`). */
  lag(n = 1): Expr<N, T> {
    return this.shift(n)
  }
  /** The value `n` rows after (`shift(-n)`). */
  lead(n = 1): Expr<N, T> {
    return this.shift(-n)
  }
  /**
   * `x[i] - x[i - n]`, as Polars `diff` (null_behavior "ignore"): signed integers and floats keep their dtype
   * (integers wrap), unsigned → Int64, Date → Duration("ms"), Timestamp → Duration(unit).
   */
  diff(n = 1): Expr<N, number> {
    return this.fn("diff", [], { n })
  }
  /** `x[i] / x[i - n] - 1` (Float64), as Polars `pct_change` (nulls are not filled first). */
  pctChange(n = 1): Expr<N, number> {
    return this.fn("pctChange", [], { n })
  }
  /** Fills nulls with the last non-null value (at most `limit` in a row), as Polars `forward_fill` / `fill_null(strategy="forward")`. */
  forwardFill(limit?: number): Expr<N, T> {
    return this.fn("forwardFill", [], limit === undefined ? {} : { limit })
  }
  /** Fills nulls with the next non-null value (at most `limit` in a row), as Polars `backward_fill`. */
  backwardFill(limit?: number): Expr<N, T> {
    return this.fn("backwardFill", [], limit === undefined ? {} : { limit })
  }
  /**
   * Fills interior nulls, as Polars `interpolate`: "linear" (default; Float64, Float32 for Float32) on the row
   * position, "nearest" (same dtype; the next value on a tie). Leading and trailing nulls stay null.
   */
  interpolate(method: "linear" | "nearest" = "linear"): Expr<N, number> {
    return this.fn("interpolate", [], { method })
  }
  /** Linear interpolation of interior nulls on the values of `by` (numeric, Date or Timestamp; no nulls), as Polars `interpolate_by`. */
  interpolateBy(by: string | Expr): Expr<N, number> {
    return this.fn("interpolateBy", [from(by)])
  }
  /**
   * Exponentially weighted mean, as Polars `ewm_mean`: decay given by exactly one of `alpha`, `span`
   * (α = 2 / (span + 1)), `halfLife` (α = 1 - exp(-ln 2 / halfLife)), `com` (α = 1 / (1 + com)); `adjust` (default
   * true) uses the normalized weights (1 - α)^i, else y = (1 - α) y + α x; `ignoreNulls` (default false, as Polars)
   * skips nulls instead of decaying through them; `minSamples` default 1. Null rows give null. Float64.
   */
  ewmMean(options: EwmOptions): Expr<N, number> {
    return this.fn("ewmMean", [], ewmOpts(options))
  }
  /** Exponentially weighted standard deviation, as Polars `ewm_std` (`bias` default false). See `ewmMean`. */
  ewmStd(options: EwmOptions & { readonly bias?: boolean }): Expr<N, number> {
    return this.fn("ewmStd", [], { ...ewmOpts(options), bias: options.bias ?? false })
  }
  /** Exponentially weighted variance, as Polars `ewm_var` (`bias` default false). See `ewmMean`. */
  ewmVar(options: EwmOptions & { readonly bias?: boolean }): Expr<N, number> {
    return this.fn("ewmVar", [], { ...ewmOpts(options), bias: options.bias ?? false })
  }
  /**
   * Time-decayed exponentially weighted mean over the index `by` (Date, Timestamp, or integer with "Ni"), as Polars
   * `ewm_mean_by`: y = a·y + (1 - a)·x with a = exp(-ln 2 · Δt / halfLife) (a duration such as "1h"). `by` must
   * be sorted and without nulls.
   */
  ewmMeanBy(by: string | Expr, options: { readonly halfLife: string }): Expr<N, number> {
    return this.fn("ewmMeanBy", [from(by)], { halfLife: options.halfLife })
  }
  // ---- end of time series (TS2) ----

  /**
   * Evaluates the expression within groups of `partitionBy` and maps the result back to the rows, as Polars
   * `over`: an aggregation is broadcast to every row of its group; a row-wise or cumulative expression is computed
   * per group.
   */
  over(...partitionBy: ReadonlyArray<string | Expr>): Expr<N, T> {
    return new Expr({
      _tag: "Window",
      input: this.node,
      partitionBy: partitionBy.map((p) => (typeof p === "string" ? col(p).node : p.node))
    })
  }

  /** String functions (Polars `.str`). */
  get str(): StrNamespace<N> {
    return new StrNamespace(this)
  }
  /** Date and time functions (Polars `.dt`). */
  get dt(): DtNamespace<N> {
    return new DtNamespace(this)
  }
}

/** String functions on a Utf8 or Categorical expression. @since 0.1.0 @category models */
export class StrNamespace<N extends string> {
  private readonly self: Expr<N, unknown>
  constructor(self: Expr<N, unknown>) {
    this.self = self
  }
  /** Length in characters (Unicode code points), as Polars `str.len_chars`. */
  len(): Expr<N, number> {
    return this.self.fn("str.len")
  }
  /** Length in UTF-8 bytes, as Polars `str.len_bytes`. */
  lenBytes(): Expr<N, number> {
    return this.self.fn("str.lenBytes")
  }
  /** Contains `pattern` (a regular expression unless `literal`). */
  contains(pattern: string, options: { readonly literal?: boolean } = {}): Expr<N, boolean> {
    return this.self.fn("str.contains", [], { pattern, literal: options.literal ?? false })
  }
  startsWith(prefix: string): Expr<N, boolean> {
    return this.self.fn("str.startsWith", [], { prefix })
  }
  endsWith(suffix: string): Expr<N, boolean> {
    return this.self.fn("str.endsWith", [], { suffix })
  }
  toUppercase(): Expr<N, string> {
    return this.self.fn("str.toUppercase")
  }
  toLowercase(): Expr<N, string> {
    return this.self.fn("str.toLowercase")
  }
  /** Replaces the first match of `pattern` (a regular expression unless `literal`). */
  replace(pattern: string, value: string, options: { readonly literal?: boolean } = {}): Expr<N, string> {
    return this.self.fn("str.replace", [], { pattern, value, literal: options.literal ?? false, all: false })
  }
  replaceAll(pattern: string, value: string, options: { readonly literal?: boolean } = {}): Expr<N, string> {
    return this.self.fn("str.replace", [], { pattern, value, literal: options.literal ?? false, all: true })
  }
  /** Characters `[offset, offset + length)`; a negative offset counts from the end, as Polars `str.slice`. */
  slice(offset: number, length?: number): Expr<N, string> {
    return this.self.fn("str.slice", [], { offset, length: length ?? null })
  }
  /** Splits on `by` into a List(Utf8). */
  split(by: string): Expr<N, unknown> {
    return this.self.fn("str.split", [], { by })
  }
  /**
   * Parses to Date or Timestamp with a strftime `format` (%Y %m %d %H %M %S %f %z %b %j and literals); values
   * that do not match fail with `ComputeError` when `strict` (default) or become null.
   */
  strptime(dtype: DataType, format: string, options: { readonly strict?: boolean } = {}): Expr<N, Date> {
    return this.self.fn("str.strptime", [], { dtype, format, strict: options.strict ?? true })
  }
}

/** Date and time functions on a Date or Timestamp expression (calendar fields in the column's time zone). @since 0.1.0 @category models */
export class DtNamespace<N extends string> {
  private readonly self: Expr<N, unknown>
  constructor(self: Expr<N, unknown>) {
    this.self = self
  }
  year(): Expr<N, number> {
    return this.self.fn("dt.year")
  }
  month(): Expr<N, number> {
    return this.self.fn("dt.month")
  }
  day(): Expr<N, number> {
    return this.self.fn("dt.day")
  }
  hour(): Expr<N, number> {
    return this.self.fn("dt.hour")
  }
  minute(): Expr<N, number> {
    return this.self.fn("dt.minute")
  }
  second(): Expr<N, number> {
    return this.self.fn("dt.second")
  }
  millisecond(): Expr<N, number> {
    return this.self.fn("dt.millisecond")
  }
  /** ISO weekday: Monday = 1 … Sunday = 7, as Polars. */
  weekday(): Expr<N, number> {
    return this.self.fn("dt.weekday")
  }
  ordinalDay(): Expr<N, number> {
    return this.self.fn("dt.ordinalDay")
  }
  /** The instant as an Int64 count of `unit` since the epoch ("s", "ms", "us", "ns", or "d" for days). */
  epoch(unit: TimeUnit | "d" = "us"): Expr<N, bigint> {
    return this.self.fn("dt.epoch", [], { unit })
  }
  /** Truncates to a multiple of a duration such as "15m", "1h", "1d", "1w", "1mo", "1q", "1y" (Polars `dt.truncate`). */
  truncate(every: string): Expr<N, Date> {
    return this.self.fn("dt.truncate", [], { every })
  }
  /** The calendar date (in the column's time zone). */
  date(): Expr<N, Date> {
    return this.self.fn("dt.date")
  }
  /** Same instant, shown in another time zone. */
  convertTimeZone(timeZone: string): Expr<N, Date> {
    return this.self.fn("dt.convertTimeZone", [], { timeZone })
  }
  /** Same wall-clock time, reinterpreted in another time zone (null = naive). */
  replaceTimeZone(timeZone: string | null): Expr<N, Date> {
    return this.self.fn("dt.replaceTimeZone", [], { timeZone })
  }
}

/** A column by name. @since 0.1.0 @category constructors */
export const col = <const N extends string>(name: N): Expr<N, unknown> => new Expr({ _tag: "Column", name })

type LitType<V> = V extends number ? number : V extends string ? string : V extends boolean ? boolean : V extends bigint ? bigint : V

/**
 * A literal value, broadcast to the frame's height. Its dtype is inferred (number → Float64 unless an integer
 * fits in Int32, as Polars; bigint → Int64; string → Utf8; Date → Timestamp(ms)), or given.
 * @since 0.1.0 @category constructors
 */
export const lit = <const V extends number | bigint | string | boolean | Date | null>(
  value: V,
  dtype?: DataType
): Expr<"literal", LitType<V>> => new Expr({ _tag: "Literal", value, dtype: dtype ?? null })

/** The number of rows (in the group, in an aggregation context), as Polars `pl.len()`. @since 0.1.0 @category constructors */
export const len = (): Expr<"len", number> => new Expr({ _tag: "Len" })

/** Turns a string (a column name) or an Expr into an Expr. @since 0.1.0 @category constructors */
export const from = (x: string | Expr): Expr => (typeof x === "string" ? col(x) : x)

class WhenThen {
  private readonly branches: ReadonlyArray<{ readonly when: ExprNode; readonly then: ExprNode }>
  constructor(branches: ReadonlyArray<{ readonly when: ExprNode; readonly then: ExprNode }>) {
    this.branches = branches
  }
  when(cond: IntoExpr): { then: (value: IntoExpr) => WhenThen } {
    return { then: (value) => new WhenThen([...this.branches, { when: toNode(cond), then: toNode(value) }]) }
  }
  otherwise<E extends IntoExpr>(value: E): Expr<E extends Expr<infer M, unknown> ? M : "literal", unknown> {
    return new Expr({ _tag: "When", branches: this.branches, otherwise: toNode(value) })
  }
}

/**
 * `when(cond).then(a).when(cond2).then(b).otherwise(c)`, as Polars; a null condition counts as false. Without
 * `otherwise`, call `.otherwise(null)`.
 * @since 0.1.0 @category constructors
 */
export const when = (cond: IntoExpr): { then: (value: IntoExpr) => WhenThen } => new WhenThen([]).when(cond)

/** Output name of an expression (Polars' rule: alias, else the left-most column, else "literal"/"len"). @since 0.1.0 @category getters */
export const outputName = (node: ExprNode): string => {
  switch (node._tag) {
    case "Column":
      return node.name
    case "Alias":
      return node.name
    case "Literal":
      return "literal"
    case "Len":
      return "len"
    case "Binary":
      return outputName(node.left)
    case "When":
      return outputName(node.branches[0]!.then)
    default:
      return outputName(node.input)
  }
}

const BIN_SYMBOL: Record<BinaryOp, string> = {
  add: "+",
  sub: "-",
  mul: "*",
  div: "/",
  floorDiv: "//",
  mod: "%",
  pow: "**",
  eq: "==",
  neq: "!=",
  lt: "<",
  ltEq: "<=",
  gt: ">",
  gtEq: ">=",
  and: "&",
  or: "|",
  xor: "^"
}

const showLit = (v: unknown): string =>
  typeof v === "string" ? JSON.stringify(v) : v instanceof Date ? `Date(${v.toISOString()})` : typeof v === "bigint" ? `${v}n` : String(v)

/** The expression as text, in Polars' style. @since 0.1.0 @category formatting */
export const show = (node: ExprNode): string => {
  switch (node._tag) {
    case "Column":
      return `col(${JSON.stringify(node.name)})`
    case "Literal":
      return showLit(node.value)
    case "Len":
      return "len()"
    case "Binary":
      return `(${show(node.left)} ${BIN_SYMBOL[node.op]} ${show(node.right)})`
    case "Unary":
      return `${show(node.input)}.${node.op}()`
    case "Cast":
      return `${show(node.input)}.${node.strict ? "cast" : "tryCast"}(${node.dtype._tag})`
    case "Alias":
      return `${show(node.input)}.alias(${JSON.stringify(node.name)})`
    case "When":
      return `${node.branches.map((b, i) => `${i === 0 ? "when" : ".when"}(${show(b.when)}).then(${show(b.then)})`).join("")}.otherwise(${show(node.otherwise)})`
    case "Function": {
      const opts = Object.entries(node.options)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${typeof v === "object" && v !== null && "_tag" in v ? (v as { _tag: string })._tag : JSON.stringify(v)}`)
      return `${show(node.input)}.${node.fn}(${[...node.args.map(show), ...opts].join(", ")})`
    }
    case "Agg": {
      const opts = Object.entries(node.options).map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      return `${show(node.input)}.${node.fn}(${opts.join(", ")})`
    }
    case "Window":
      return `${show(node.input)}.over(${node.partitionBy.map(show).join(", ")})`
  }
}

// ---- time series options (family TS2) ----

/** Options of rolling windows by row count, as Polars `rolling_*`. @since 0.1.0 @category models */
export interface RollingOptions {
  /** One weight per window row (the last weight on the newest row); see each function. */
  readonly weights?: ReadonlyArray<number>
  /** Fewest non-null values for a non-null result (default: `windowSize`). */
  readonly minSamples?: number
  /** Centre the window on the row (default false). */
  readonly center?: boolean
}

/** Options of rolling windows by duration, as Polars `rolling_*_by`. @since 0.1.0 @category models */
export interface RollingByOptions {
  /** Which window ends are included (default "right": `(t - windowSize, t]`). */
  readonly closed?: "left" | "right" | "both" | "none"
  /** Fewest non-null values for a non-null result (default 1). */
  readonly minSamples?: number
}

/** Decay and null handling of EWM functions, as Polars `ewm_*` (exactly one of alpha, span, halfLife, com). @since 0.1.0 @category models */
export interface EwmOptions {
  readonly alpha?: number
  readonly span?: number
  readonly halfLife?: number
  readonly com?: number
  readonly adjust?: boolean
  readonly minSamples?: number
  readonly ignoreNulls?: boolean
}

const rollingOpts = (windowSize: number, o: RollingOptions): { readonly [k: string]: unknown } => ({
  windowSize,
  ...(o.weights !== undefined ? { weights: o.weights } : {}),
  ...(o.minSamples !== undefined ? { minSamples: o.minSamples } : {}),
  center: o.center ?? false
})

const rollingByOpts = (windowSize: string, o: RollingByOptions): { readonly [k: string]: unknown } => ({
  windowSize,
  closed: o.closed ?? "right",
  minSamples: o.minSamples ?? 1
})

const ewmOpts = (o: EwmOptions): { readonly [k: string]: unknown } => ({
  ...(o.alpha !== undefined ? { alpha: o.alpha } : {}),
  ...(o.span !== undefined ? { span: o.span } : {}),
  ...(o.halfLife !== undefined ? { halfLife: o.halfLife } : {}),
  ...(o.com !== undefined ? { com: o.com } : {}),
  adjust: o.adjust ?? true,
  minSamples: o.minSamples ?? 1,
  ignoreNulls: o.ignoreNulls ?? false
})
