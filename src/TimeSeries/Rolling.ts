/**
 * Rolling windows on frames, as Polars `DataFrame.rolling`: one output row per input row, with aggregations over
 * the look-back window of that row on an index column. Rolling windows by row count and by duration as
 * *expressions* are methods of `Expr`: `rollingSum/Mean/Min/Max/Std/Var/Median/Quantile/Count/Map(windowSize,
 * { weights, minSamples, center })` (Polars `rolling_*`) and the same with `By(by, "5m", { closed, minSamples })`
 * (Polars `rolling_*_by`); they work inside `over("sym")` per partition.
 *
 * ```ts
 * import { Frame } from "polaroid"
 * import { col, len } from "polaroid/Expr"
 * import { rolling } from "polaroid/TimeSeries"
 * rolling(trades, { index: "time", period: "5m", by: "sym" }, [col("px").mean().alias("px_5m"), len()])
 * Frame.withColumns(trades, col("px").rollingMean(20).over("sym"), col("px").rollingStdBy("time", "30m"))
 * ```
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { Expr, ExprNode } from "../Expr/Expr.ts"
import { outputName } from "../Expr/Expr.ts"
import * as DT from "../Frame/DataType.ts"
import { InvalidArgument, InvalidDuration, NotSorted, TypeMismatch } from "../Frame/Errors.ts"
import * as C from "../internal/column.ts"
import type { Column } from "../internal/column.ts"
import * as Engine from "../internal/expr/engine.ts"
import * as F from "../internal/frame.ts"
import type { AnyRow, Frame, FrameLike } from "../internal/frame.ts"
import { aggOutputType } from "../internal/kernels/agg.ts"
import { groupIds } from "../internal/kernels/hash.ts"
import {
  type Bounds,
  type ClosedWindow,
  denseDurationSums,
  durationBounds,
  fixedLength,
  durationProblem,
  gather,
  isIndexType,
  isKernelFailure,
  partition,
  type RollingFn,
  rollingAgg,
  rowOf,
  timeKeys
} from "../internal/kernels/rolling.ts"
import { type Duration, isDurationError, parseDuration } from "../internal/kernels/temporal.ts"

/** Options of `rolling`, as Polars `DataFrame.rolling`. @since 0.1.0 @category models */
export interface RollingSpec {
  /** The index column: Date, Timestamp, or an integer column (then durations are "Ni"). Sorted within each `by` group. */
  readonly index: string
  /** Window length, a duration string: "30s", "5m", "1h", "1d", "1mo", "10i"… */
  readonly period: string
  /** Window start relative to the row's index value (default `-period`: the window ends at the row). */
  readonly offset?: string
  /** Which ends are included (default "right": `(t + offset, t + offset + period]`). */
  readonly closed?: ClosedWindow
  /** Group columns: windows never cross groups. */
  readonly by?: string | ReadonlyArray<string>
}

/** Errors of `rolling`. @since 0.1.0 @category models */
export type RollingError = Engine.EvalError | InvalidDuration | InvalidArgument | NotSorted

const SIMPLE: ReadonlySet<string> = new Set(["sum", "mean", "min", "max", "std", "var", "median", "quantile", "count"])

/** `col(x).<agg>()` (possibly aliased) with a sliding kernel: the column and the rolling function. */
const simpleAgg = (node: ExprNode, self: Frame): { readonly column: number; readonly fn: RollingFn; readonly options: { readonly [k: string]: unknown } } | undefined => {
  const inner = node._tag === "Alias" ? node.input : node
  if (inner._tag !== "Agg" || !SIMPLE.has(inner.fn) || inner.input._tag !== "Column") return undefined
  const name = inner.input.name
  const column = self.schema.findIndex((f) => f.name === name)
  if (column < 0) return undefined
  const t = self.schema[column]!.dtype
  const moment = (DT.isNumeric(t) && t._tag !== "Decimal") || t._tag === "Boolean"
  const temporalMinMax = (inner.fn === "min" || inner.fn === "max") && (t._tag === "Date" || t._tag === "Timestamp" || t._tag === "Duration")
  if (!moment && !temporalMinMax) return undefined
  if ("expected" in aggOutputType(inner.fn, t, inner.options)) return undefined
  return { column, fn: inner.fn as RollingFn, options: inner.options }
}

const parse = (argument: string, s: string | undefined, index: DT.DataType): Duration | InvalidDuration => {
  if (s === undefined) return new InvalidDuration({ duration: "", message: `${argument} is required` })
  const d = parseDuration(s)
  if (isDurationError(d)) return new InvalidDuration({ duration: s, message: d.error })
  const problem = durationProblem(d, index)
  if (problem !== undefined) return new InvalidDuration({ duration: s, message: `${argument}: ${problem}` })
  return d
}

const rollingImpl = (self: Frame, spec: RollingSpec, aggs: ReadonlyArray<Expr>): Effect.Effect<Frame, RollingError> =>
  Effect.gen(function* () {
    const cols = F.contiguous(self)
    const ii = yield* F.columnIndex(self, spec.index)
    const index = cols[ii]!
    if (!isIndexType(index.dtype))
      return yield* Effect.fail(
        new TypeMismatch({ expr: `rolling(index=${JSON.stringify(spec.index)})`, expected: "an index column of dtype Date, Timestamp or integer", actual: DT.format(index.dtype) })
      )
    const period = parse("period", spec.period, index.dtype)
    if (period instanceof InvalidDuration) return yield* Effect.fail(period)
    if (period.negative) return yield* Effect.fail(new InvalidDuration({ duration: spec.period, message: "period must be positive" }))
    const offset = spec.offset === undefined ? { ...period, negative: true } : parse("offset", spec.offset, index.dtype)
    if (offset instanceof InvalidDuration) return yield* Effect.fail(offset)
    const closed = spec.closed ?? "right"
    if (!["left", "right", "both", "none"].includes(closed))
      return yield* Effect.fail(new InvalidArgument({ argument: "closed", message: `closed must be left, right, both or none, not ${JSON.stringify(closed)}` }))
    const byNames = spec.by === undefined ? [] : typeof spec.by === "string" ? [spec.by] : spec.by
    const byIdx: Array<number> = []
    for (const b of byNames) byIdx.push(yield* F.columnIndex(self, b))
    if (index.nullCount > 0) {
      let r = 0
      while (C.isValid(index, r)) r++
      return yield* Effect.fail(new InvalidArgument({ argument: "index", message: `the index column "${spec.index}" has a null at row ${r}` }))
    }
    const n = self.height
    const p = partition(n, byIdx.length === 0 ? undefined : groupIds(byIdx.map((i) => cols[i]!), n))
    const gIndex = gather(p, index)
    const outNames = [...byNames, spec.index, ...aggs.map((e) => outputName(e.node))]
    const duplicate = (): InvalidArgument | undefined => {
      const seen = new Set<string>()
      for (const name of outNames) {
        if (seen.has(name)) return new InvalidArgument({ argument: "aggs", message: `duplicate output column "${name}"` })
        seen.add(name)
      }
      return undefined
    }
    // Fast path: only `col(x).sum()` / `.mean()` of Float64 columns without nulls on a 64-bit index with fixed
    // durations: one fused pass per aggregation (no key or bound arrays); any failure takes the general path.
    const fixedP = fixedLength(period, index.dtype)
    const fixedO = fixedLength(offset, index.dtype)
    if (fixedP !== undefined && fixedO !== undefined && aggs.length > 0) {
      const fast: Array<Column> = []
      for (const e of aggs) {
        const s = simpleAgg(e.node, self)
        if (s === undefined || (s.fn !== "sum" && s.fn !== "mean")) break
        const c = denseDurationSums(s.fn === "mean", gather(p, cols[s.column]!), gIndex, offset.negative ? -fixedO : fixedO, fixedP, false, closed, 0, p.offsets)
        if (c === undefined) break
        fast.push(c)
      }
      if (fast.length === aggs.length) {
        const dup = duplicate()
        if (dup !== undefined) return yield* Effect.fail(dup)
        return F.fromColumnsUnsafe(outNames, [...byIdx.map((i) => gather(p, cols[i]!)), gIndex, ...fast])
      }
    }
    const keys = timeKeys(gIndex, period, offset)
    if (isKernelFailure(keys)) return yield* Effect.fail(new InvalidArgument({ argument: "index", message: keys.error }))
    const bounds = durationBounds(keys, p.offsets, closed)
    if (isKernelFailure(bounds)) {
      const row = rowOf(p, bounds.row!)
      return yield* Effect.fail(
        new NotSorted({ column: spec.index, row, message: `the index column "${spec.index}" is not sorted ascending${byNames.length > 0 ? " within its group" : ""} at row ${row}` })
      )
    }
    // Aggregations: sliding kernels for `col(x).agg()`; anything else through the windows' rows as groups.
    const outs: Array<Column | undefined> = []
    const general: Array<{ readonly k: number; readonly expr: Expr }> = []
    aggs.forEach((e, k) => {
      const s = simpleAgg(e.node, self)
      if (s === undefined) {
        general.push({ k, expr: e })
        outs.push(undefined)
        return
      }
      const params = {
        minSamples: 0,
        ddof: (s.options["ddof"] as number | undefined) ?? 1,
        q: s.fn === "median" ? 0.5 : ((s.options["q"] as number | undefined) ?? 0.5),
        interpolation: (s.options["interpolation"] as "nearest" | undefined) ?? "nearest"
      }
      outs.push(rollingAgg(s.fn, gather(p, cols[s.column]!), bounds, params))
    })
    if (general.length > 0) {
      const r = yield* windowAggregate(self, p.perm, bounds, general.map((g) => g.expr))
      general.forEach((g, j) => {
        outs[g.k] = r[j]!.column
      })
    }
    const dup = duplicate()
    if (dup !== undefined) return yield* Effect.fail(dup)
    return F.fromColumnsUnsafe(outNames, [...byIdx.map((i) => gather(p, cols[i]!)), gIndex, ...(outs as Array<Column>)])
  })

/** Aggregation expressions over every window, by gathering each window's rows and grouping them by window. */
const windowAggregate = (self: Frame, perm: Int32Array | null, b: Bounds, exprs: ReadonlyArray<Expr>) => {
  const n = b.lo.length
  let total = 0
  for (let i = 0; i < n; i++) total += b.hi[i]! - b.lo[i]!
  const rows = new Int32Array(total)
  const ids = new Int32Array(total)
  const firstRow = new Int32Array(n).fill(-1)
  let k = 0
  for (let i = 0; i < n; i++) {
    if (b.hi[i]! > b.lo[i]!) firstRow[i] = k
    for (let j = b.lo[i]!; j < b.hi[i]!; j++) {
      rows[k] = perm === null ? j : perm[j]!
      ids[k++] = i
    }
  }
  const cols = F.contiguous(self)
  const exploded = F.fromColumnsUnsafe(self.columns, cols.map((c) => C.take(c, rows)))
  return Engine.aggregate(exploded, { ids, count: n, firstRow }, exprs)
}

/**
 * Rolling aggregations over a frame, as Polars `DataFrame.rolling(index_column, period, offset, closed,
 * group_by)`: for every row, the rows of its `by` group whose index lies in `(t + offset, t + offset + period]`
 * (`closed` "right", the default; "left" `[…)`, "both" `[…]`, "none" `(…)`), with `offset` defaulting to
 * `-period` (the window that ends at the row). Calendar durations (d, w, mo, q, y) follow the index's time zone.
 * `aggs` are aggregation expressions as in `groupBy().agg()` (`col("px").mean()`, `col("px").last()`, `len()`…);
 * plain `col(x).sum/mean/min/max/std/var/median/quantile/count()` use O(n) sliding kernels, other expressions are
 * evaluated per window (O(total window length)).
 * Shape: one row per input row: the `by` columns, the index column, then one column per aggregation; rows grouped
 * by `by` key (groups in order of first appearance), in input order within each group.
 * **Errors** `ColumnNotFound`, `TypeMismatch` (an index that is not Date/Timestamp/integer, or a bad aggregation),
 * `InvalidDuration` (period/offset that do not parse, or "i" durations on a time index and vice versa),
 * `NotSorted` (the index is not ascending within a group: the first offending row), `InvalidArgument` (nulls in the
 * index, a bad `closed`, duplicate output names), `ResolveErrors`, `ComputeError`.
 * @since 0.1.0 @category time series
 */
export const rolling: {
  (spec: RollingSpec, aggs: ReadonlyArray<Expr>): <A extends AnyRow, E, R>(self: FrameLike<A, E, R>) => Effect.Effect<Frame, E | RollingError, R>
  <A extends AnyRow, E, R>(self: FrameLike<A, E, R>, spec: RollingSpec, aggs: ReadonlyArray<Expr>): Effect.Effect<Frame, E | RollingError, R>
} = F.makeVerb(rollingImpl)

