/**
 * Dynamic (time) windows over a sorted index column: `groupByDynamic` (as Polars `group_by_dynamic`), `resample`
 * (with pandas' defaults), `ohlcv` bars from price/size ticks, and `upsample` (as Polars `upsample`).
 *
 * ```ts
 * import { pipe } from "effect"
 * import { col, len } from "polaroid/Expr"
 * import { groupByDynamic, ohlcv } from "polaroid/TimeSeries"
 *
 * pipe(trades, groupByDynamic({ index: "ts", every: "5m", by: "sym" }, [col("px").mean(), len()]))
 * pipe(trades, ohlcv({ index: "ts", price: "px", size: "qty", every: "1m", by: "sym" }))
 * ```
 *
 * Durations are Polars duration strings: "500ms", "15s", "5m", "1h", "1d", "1w", "1mo", "1q", "1y", combinations
 * ("1h30m"), and "10i" (index steps) for integer index columns. Calendar units (d, w, mo, q, y) follow the index's
 * time zone, DST included (a "1d" window in New York lasts 23 or 25 hours on DST change days).
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { col, type Expr, len } from "../Expr/Expr.ts"
import * as DT from "../Frame/DataType.ts"
import {
  type ColumnNotFound,
  type ComputeError,
  DuplicateColumn,
  InvalidArgument,
  InvalidDuration,
  NotSorted,
  type ResolveErrors,
  TypeMismatch
} from "../Frame/Errors.ts"
import * as C from "../internal/column.ts"
import type { Column } from "../internal/column.ts"
import { aggregate } from "../internal/expr/engine.ts"
import * as F from "../internal/frame.ts"
import type { AnyRow, Frame, FrameLike } from "../internal/frame.ts"
import * as T from "../internal/kernels/temporal.ts"
import type { Duration } from "../internal/kernels/temporal.ts"
import * as W from "../internal/timeseries/windows.ts"
import { type FastOhlcv, fastOhlcv } from "../internal/timeseries/ohlcvFast.ts"

/** Which ends of a window `[lower, upper)` belong to it. @since 0.1.0 @category models */
export type ClosedWindow = W.Closed
/** How the first window's start is chosen. @since 0.1.0 @category models */
export type StartBy = W.StartBy
/** Which time labels a window. @since 0.1.0 @category models */
export type WindowLabel = W.Label

/** Errors of the dynamic-window verbs. @since 0.1.0 @category errors */
export type WindowError =
  | ColumnNotFound
  | TypeMismatch
  | ResolveErrors
  | ComputeError
  | DuplicateColumn
  | InvalidDuration
  | InvalidArgument
  | NotSorted

/** Options of `groupByDynamic`, as Polars `group_by_dynamic` (camelCase). @since 0.1.0 @category models */
export interface GroupByDynamicOptions {
  /** The index column: Timestamp (any unit, any time zone), Date, or an integer column (with "Ni" durations). */
  readonly index: string
  /** Step between window starts, a duration string ("5m", "1d", "1mo", "10i"). */
  readonly every: string
  /** Window length (default `every`). */
  readonly period?: string
  /** Shift of the window grid (default "0"), may be negative ("-1h"). Not used with `startBy: "datapoint"`. */
  readonly offset?: string
  /** Which bounds belong to a window: "left" (default, `[lower, upper)`), "right", "both", "none". */
  readonly closed?: ClosedWindow
  /** The window's label in the index column: "left" (default, lower bound), "right" (upper), "datapoint" (first time in the window). */
  readonly label?: WindowLabel
  /**
   * First window start: "windowBound" (default; also "window", Polars' name): the first time truncated to `every`,
   * plus `offset`; "datapoint": the first time itself; "monday" … "sunday": that weekday of the first time's week
   * (midnight local time), plus `offset`. Except for "datapoint", the start then moves along the `every` grid to
   * the earliest window that does not end before the first time.
   */
  readonly startBy?: StartBy
  /** Add `_lower_boundary` and `_upper_boundary` columns (default false). */
  readonly includeBoundaries?: boolean
  /** Group columns: windows are computed per group; the output is sorted by group (nulls last), then window. */
  readonly by?: string | ReadonlyArray<string>
  /**
   * "skip" (default, as Polars): only windows holding at least one row. "emit": every window between the first and
   * the last non-empty window of each group (pandas-style gap filling); aggregations of an empty window give null,
   * except `count`, `len` and `sum` which give 0.
   */
  readonly emptyWindows?: "skip" | "emit"
}

// ---------------------------------------------------------------------------------------------------------------
// shared plumbing
// ---------------------------------------------------------------------------------------------------------------

const parse = (text: string, what: string, axis: W.Axis): Effect.Effect<Duration, InvalidDuration> => {
  const d = T.parseDuration(text)
  if (T.isDurationError(d)) return Effect.fail(new InvalidDuration({ duration: text, message: `${what}: ${d.error}` }))
  const problem = W.durationProblem(d, axis)
  if (problem !== undefined) return Effect.fail(new InvalidDuration({ duration: text, message: `${what}: ${problem}` }))
  return Effect.succeed(d)
}

const positive = (d: Duration, text: string, what: string): Effect.Effect<Duration, InvalidDuration> =>
  d.negative || T.isZero(d)
    ? Effect.fail(new InvalidDuration({ duration: text, message: `${what} must be positive` }))
    : Effect.succeed(d)

const CLOSED: ReadonlySet<string> = new Set(["left", "right", "both", "none"])
const LABELS: ReadonlySet<string> = new Set(["left", "right", "datapoint"])
const STARTS: ReadonlySet<string> = new Set([
  "windowBound",
  "window",
  "datapoint",
  "monday",
  "tuesday",
  "wednesday",
  "thursday",
  "friday",
  "saturday",
  "sunday"
])

const badArg = (argument: string, message: string) => Effect.fail(new InvalidArgument({ argument, message }))

interface Prepared {
  readonly index: string
  readonly indexCol: Column
  readonly axis: W.Axis
  readonly keys: ReadonlyArray<{ readonly name: string; readonly column: Column }>
  readonly values: BigInt64Array
  readonly n: number
}

/** Resolves the index and `by` columns, rejects nulls in the index. */
const prepare = (self: Frame, index: string, by: ReadonlyArray<string>): Effect.Effect<Prepared, WindowError> =>
  Effect.gen(function* () {
    const indexCol = yield* F.getColumn(self, index)
    const axis = W.axisOf(indexCol)
    if ("expected" in axis)
      return yield* Effect.fail(new TypeMismatch({ expr: index, expected: axis.expected, actual: DT.format(indexCol.dtype) }))
    if (indexCol.nullCount > 0) {
      let row = 0
      while (C.isValid(indexCol, row)) row++
      return yield* badArg("index", `the index column "${index}" has a null at row ${row}; windows need a value in every row`)
    }
    const keys: Array<{ name: string; column: Column }> = []
    for (const name of by) {
      if (name === index) return yield* badArg("by", `the index column "${index}" cannot also be a by column`)
      keys.push({ name, column: yield* F.getColumn(self, name) })
    }
    return { index, indexCol, axis, keys, values: axis.values, n: self.height }
  })

const notSorted = (prep: Prepared, row: number): NotSorted => {
  const by = prep.keys.length > 0
  return new NotSorted({
    column: prep.index,
    row,
    message: `the index column "${prep.index}" is not sorted ascending${by ? " within its by groups" : ""}: row ${row} is smaller than the row before it${by ? " in its group" : ""}; sort it first`
  })
}

/** Rows partitioned by the `by` groups (ranked), after checking sortedness within groups. */
const partitioned = (prep: Prepared): Effect.Effect<W.Partition, NotSorted> =>
  Effect.suspend(() => {
    const part = W.partition(
      prep.keys.map((k) => k.column),
      prep.n
    )
    const bad = W.firstUnsorted(W.rowTimes(prep.values), part)
    return bad >= 0 ? Effect.fail(notSorted(prep, bad)) : Effect.succeed(part)
  })

const byList = (by: string | ReadonlyArray<string> | undefined): ReadonlyArray<string> =>
  by === undefined ? [] : typeof by === "string" ? [by] : by

/** Aggregates expressions over windows: one column per expression, `w.count` rows. */
const aggregateWindows = (
  self: Frame,
  w: W.Windows,
  aggs: ReadonlyArray<Expr>,
  precomputed?: W.WindowGroups
): Effect.Effect<ReadonlyArray<{ readonly name: string; readonly column: Column }>, WindowError> =>
  Effect.gen(function* () {
    if (aggs.length === 0) return []
    const wg = precomputed ?? W.windowGroups(w, self.height)
    const groups = { ids: wg.ids, count: wg.count, firstRow: wg.firstRow }
    const frame = wg.rows === null ? self : F.fromColumnsUnsafe(self.columns, F.contiguous(self).map((c) => C.take(c, wg.rows!)))
    const out = yield* aggregate(frame, groups, aggs)
    return wg.count === w.count ? out : out.map((o) => ({ name: o.name, column: C.slice(o.column, 0, w.count) }))
  })

const assemble = (
  names: ReadonlyArray<string>,
  cols: ReadonlyArray<Column>
): Effect.Effect<Frame, DuplicateColumn> => {
  const seen = new Set<string>()
  for (const n of names) {
    if (seen.has(n)) return Effect.fail(new DuplicateColumn({ column: n }))
    seen.add(n)
  }
  return Effect.succeed(F.fromColumnsUnsafe(names, cols))
}

interface Resolved {
  readonly prep: Prepared
  readonly spec: W.WindowSpec
}

const resolveSpec = (
  self: Frame,
  o: {
    readonly index: string
    readonly every: string
    readonly period?: string | undefined
    readonly offset?: string | undefined
    readonly closed?: ClosedWindow | undefined
    readonly startBy?: StartBy | undefined
    readonly by?: string | ReadonlyArray<string> | undefined
    readonly emptyWindows?: "skip" | "emit" | undefined
  }
): Effect.Effect<Resolved, WindowError> =>
  Effect.gen(function* () {
    const closed = o.closed ?? "left"
    if (!CLOSED.has(closed)) return yield* badArg("closed", `closed must be "left", "right", "both" or "none", got ${JSON.stringify(closed)}`)
    const startBy = o.startBy ?? "windowBound"
    if (!STARTS.has(startBy))
      return yield* badArg("startBy", `startBy must be "windowBound", "datapoint" or a weekday ("monday" … "sunday"), got ${JSON.stringify(startBy)}`)
    const emptyWindows = o.emptyWindows ?? "skip"
    if (emptyWindows !== "skip" && emptyWindows !== "emit")
      return yield* badArg("emptyWindows", `emptyWindows must be "skip" or "emit", got ${JSON.stringify(emptyWindows)}`)
    const prep = yield* prepare(self, o.index, byList(o.by))
    const every = yield* Effect.flatMap(parse(o.every, "every", prep.axis), (d) => positive(d, o.every, "every"))
    if (prep.axis.kind === "time" && (startBy === "windowBound" || startBy === "window")) {
      const problem = T.truncateProblem(every)
      if (problem !== undefined) return yield* Effect.fail(new InvalidDuration({ duration: o.every, message: `every: ${problem}` }))
    }
    if (prep.axis.kind === "index" && startBy !== "windowBound" && startBy !== "window" && startBy !== "datapoint")
      return yield* badArg("startBy", `startBy "${startBy}" needs a temporal index column`)
    const period =
      o.period === undefined ? every : yield* Effect.flatMap(parse(o.period, "period", prep.axis), (d) => positive(d, o.period!, "period"))
    const offset = o.offset === undefined ? ZERO : yield* parse(o.offset, "offset", prep.axis)
    return { prep, spec: { every, period, offset, closed, startBy, emit: emptyWindows === "emit" } }
  })

const ZERO: Duration = { months: 0, weeks: 0, days: 0, nanos: 0n, negative: false, index: false }

/** Builds the output frame: by keys, boundaries, the label column, then the aggregations. */
const windowFrame = (
  self: Frame,
  r: Resolved,
  w: W.Windows,
  options: { readonly index: string; readonly label: WindowLabel; readonly includeBoundaries: boolean },
  aggregator: WindowAggregator,
  precomputed?: W.WindowGroups
): Effect.Effect<Frame, WindowError> =>
  Effect.gen(function* () {
    const { prep } = r
    const names: Array<string> = []
    const cols: Array<Column> = []
    if (prep.keys.length > 0) {
      const rows = new Int32Array(w.count)
      for (let k = 0; k < w.count; k++) rows[k] = w.groupFirstRow[w.group[k]!]!
      for (const key of prep.keys) {
        names.push(key.name)
        cols.push(C.take(key.column, rows))
      }
    }
    if (options.includeBoundaries) {
      names.push("_lower_boundary", "_upper_boundary")
      cols.push(W.boundaryColumn(prep.indexCol, w.lower), W.boundaryColumn(prep.indexCol, w.upper))
    }
    names.push(options.index)
    cols.push(W.axisColumn(prep.indexCol, W.labels(w, options.label, prep.axis.values)))
    const out = yield* aggregator(self, w, precomputed)
    for (const o of out) {
      names.push(o.name)
      cols.push(o.column)
    }
    return yield* assemble(names, cols)
  })

// ---------------------------------------------------------------------------------------------------------------
// groupByDynamic
// ---------------------------------------------------------------------------------------------------------------

type WindowAggregator = (
  self: Frame,
  w: W.Windows,
  precomputed: W.WindowGroups | undefined
) => Effect.Effect<ReadonlyArray<{ readonly name: string; readonly column: Column }>, WindowError>

/**
 * A fused kernel tried before the generic window engine: the windows and the aggregated columns at once,
 * `{ unsorted }` for the first row out of order, or undefined when it does not apply.
 */
type FusedWindows = (
  prep: Prepared,
  spec: W.WindowSpec
) => FastOhlcv | { readonly unsorted: number } | undefined

const dynamicImpl = (
  self: Frame,
  options: GroupByDynamicOptions,
  aggregator: WindowAggregator,
  fused?: FusedWindows
): Effect.Effect<Frame, WindowError> =>
  Effect.gen(function* () {
    const label = options.label ?? "left"
    if (!LABELS.has(label)) return yield* badArg("label", `label must be "left", "right" or "datapoint", got ${JSON.stringify(label)}`)
    const r = yield* resolveSpec(self, options)
    const { prep, spec } = r
    const frameOptions = { index: options.index, label, includeBoundaries: options.includeBoundaries ?? false }
    const f = fused?.(prep, spec)
    if (f !== undefined) {
      if ("unsorted" in f) return yield* Effect.fail(notSorted(prep, f.unsorted))
      return yield* windowFrame(self, r, f.windows, frameOptions, () => Effect.succeed(f.columns))
    }
    const fast = W.fastWindows(
      prep.axis,
      prep.keys.map((k) => k.column),
      prep.n,
      spec
    )
    if (fast !== undefined) {
      if (fast.unsorted >= 0) return yield* Effect.fail(notSorted(prep, fast.unsorted))
      return yield* windowFrame(self, r, fast.windows, frameOptions, aggregator, fast.groups)
    }
    const part = yield* partitioned(prep)
    const w = W.computeWindows(prep.axis, part, spec)
    return yield* windowFrame(self, r, w, frameOptions, aggregator)
  })

const groupByDynamicImpl = (self: Frame, options: GroupByDynamicOptions, aggs: ReadonlyArray<Expr>): Effect.Effect<Frame, WindowError> =>
  dynamicImpl(self, options, (frame, w, pre) => aggregateWindows(frame, w, aggs, pre))

/**
 * Groups rows into time windows and aggregates each window, as Polars `group_by_dynamic(...).agg(...)`.
 *
 * Windows start every `every` and last `period` (default `every`): window k is `[start + k·every, start + k·every
 * + period)` with the side(s) given by `closed`; the first start follows `startBy` (see the options). With
 * `period > every` windows overlap and a row belongs to several; with `period < every` rows between windows
 * belong to none. Windows without rows are left out, unless `emptyWindows: "emit"`.
 *
 * Shape: one row per window (per `by` group, groups sorted ascending with nulls last, as Polars), columns: the
 * `by` keys, `_lower_boundary` and `_upper_boundary` (with `includeBoundaries`; Timestamp for a Date index, as
 * Polars), the index column holding each window's label (dtype of the index), then one column per aggregation
 * expression (as in `Frame.groupBy(...).agg`, e.g. `col("px").mean()`, `len()`, `col("px").last().alias("close")`).
 *
 * The index must be sorted ascending (within each `by` group) and have no nulls.
 * **Errors** `ColumnNotFound`; `TypeMismatch` (an index that is not Date/Timestamp/integer, or a bad aggregation);
 * `InvalidDuration` (a malformed duration, a non-positive `every`/`period`, "i" durations on a temporal index or
 * the reverse, a mixed-unit `every` with `startBy: "windowBound"`); `InvalidArgument` (an unknown option value, a
 * null in the index); `NotSorted` (first offending row); `DuplicateColumn`; `ResolveErrors`; `ComputeError`.
 * @since 0.1.0 @category windows
 */
export const groupByDynamic: {
  (options: GroupByDynamicOptions, aggs: ReadonlyArray<Expr>): <A extends AnyRow, E = never, R = never>(
    self: FrameLike<A, E, R>
  ) => Effect.Effect<Frame, E | WindowError, R>
  <A extends AnyRow, E = never, R = never>(
    self: FrameLike<A, E, R>,
    options: GroupByDynamicOptions,
    aggs: ReadonlyArray<Expr>
  ): Effect.Effect<Frame, E | WindowError, R>
} = F.makeVerb(groupByDynamicImpl)

// ---------------------------------------------------------------------------------------------------------------
// resample (pandas)
// ---------------------------------------------------------------------------------------------------------------

/** Options of `resample`, with pandas' `DataFrame.resample` defaults. @since 0.1.0 @category models */
export interface ResampleOptions {
  /** The index column (Timestamp or Date). */
  readonly index: string
  /**
   * The bin width: a Polars duration ("1m", "15s", "1h", "1d", "1w", "1mo", "1q", "1y"), or a period-end rule
   * "1ME" / "1QE" / "1YE" (also "ME", "QE", "YE", "3ME", …; pandas' month, quarter and year ends): calendar periods
   * `[first day, first day of the next period)` in local time, labelled by their last day at midnight.
   */
  readonly rule: string
  /** Which side of a bin is closed: "left" by default, "right" for period-end rules (as pandas). */
  readonly closed?: "left" | "right"
  /** Which edge labels a bin: "left" by default, "right" for period-end rules (as pandas). */
  readonly label?: "left" | "right"
  /**
   * Where the grid of fixed-width bins is anchored (pandas `origin`): "start_day" (default: midnight of the first
   * day, local time), "epoch" (1970-01-01), "start" (the first time), "end" (the last time: bins are laid out
   * backwards from it), "end_day" (midnight after the last day). Calendar rules (d, w, mo, q, y and period ends)
   * follow the calendar instead.
   */
  readonly origin?: "epoch" | "start" | "start_day" | "end" | "end_day"
  /** Added to the origin (pandas `offset`), a duration string. */
  readonly offset?: string
  /** Group columns (pandas `groupby(...).resample(...)`): bins per group, groups sorted ascending. */
  readonly by?: string | ReadonlyArray<string>
}

/** Period-end rules: "ME" (month end), "QE" (quarter end), "YE" (year end, also "A"/"Y"), with a multiple. */
const PERIOD_END = /^(\d*)(ME|QE|YE|M|Q|A|Y)$/

const parseRule = (rule: string): { readonly months: number } | undefined => {
  const m = PERIOD_END.exec(rule.trim())
  if (m === null) return undefined
  const k = m[1] === "" ? 1 : Number(m[1])
  const unit = m[2]!
  const months = unit.startsWith("M") ? 1 : unit.startsWith("Q") ? 3 : 12
  return { months: k * months }
}

const resampleImpl = (self: Frame, options: ResampleOptions, aggs: ReadonlyArray<Expr>): Effect.Effect<Frame, WindowError> =>
  Effect.gen(function* () {
    const periodEnd = parseRule(options.rule)
    const origin = options.origin ?? "start_day"
    // pandas: period-end rules and the "end"/"end_day" origins default to closed and labelled on the right.
    const rightDefault = periodEnd !== undefined || origin === "end" || origin === "end_day"
    const closed = options.closed ?? (rightDefault ? "right" : "left")
    const label = options.label ?? (rightDefault ? "right" : "left")
    if (closed !== "left" && closed !== "right") return yield* badArg("closed", `closed must be "left" or "right", got ${JSON.stringify(closed)}`)
    if (label !== "left" && label !== "right") return yield* badArg("label", `label must be "left" or "right", got ${JSON.stringify(label)}`)
    if (!["epoch", "start", "start_day", "end", "end_day"].includes(origin))
      return yield* badArg("origin", `origin must be "epoch", "start", "start_day", "end" or "end_day", got ${JSON.stringify(origin)}`)
    const prep = yield* prepare(self, options.index, byList(options.by))
    const part = yield* partitioned(prep)
    if (prep.axis.kind !== "time")
      return yield* Effect.fail(new TypeMismatch({ expr: options.index, expected: "a Date or Timestamp index", actual: DT.format(prep.indexCol.dtype) }))
    const axis = prep.axis
    let every: Duration
    if (periodEnd !== undefined) every = { ...ZERO, months: periodEnd.months }
    else {
      every = yield* Effect.flatMap(parse(options.rule, "rule", axis), (d) => positive(d, options.rule, "rule"))
      const problem = T.truncateProblem(every)
      if (problem !== undefined) return yield* Effect.fail(new InvalidDuration({ duration: options.rule, message: `rule: ${problem}` }))
    }
    const offset = options.offset === undefined ? ZERO : yield* parse(options.offset, "offset", axis)
    const calendar = every.months !== 0 || every.weeks !== 0 || every.days !== 0
    const spec: W.WindowSpec = { every, period: every, offset: ZERO, closed, startBy: "windowBound", emit: true }
    const w = resampleWindows(axis, part, spec, { calendar, periodEnd: periodEnd !== undefined, origin, offset })
    // pandas labels: bin edges; period-end rules label with the period's last day (upper edge minus one day).
    const day: Duration = { ...ZERO, days: 1 }
    let labelValues: BigInt64Array
    if (periodEnd !== undefined) {
      labelValues = new BigInt64Array(w.count)
      const edges = label === "right" ? w.upper : w.lower
      for (let k = 0; k < w.count; k++) labelValues[k] = W.addDuration(edges[k]!, day, axis, -1)
    } else labelValues = label === "right" ? w.upper : w.lower
    const names: Array<string> = []
    const cols: Array<Column> = []
    if (prep.keys.length > 0) {
      const rows = new Int32Array(w.count)
      for (let k = 0; k < w.count; k++) rows[k] = w.groupFirstRow[w.group[k]!]!
      for (const key of prep.keys) {
        names.push(key.name)
        cols.push(C.take(key.column, rows))
      }
    }
    names.push(options.index)
    cols.push(W.axisColumn(prep.indexCol, labelValues))
    const out = yield* aggregateWindows(self, w, aggs)
    for (const o of out) {
      names.push(o.name)
      cols.push(o.column)
    }
    return yield* assemble(names, cols)
  })

/**
 * pandas bins: fixed-width rules on a grid anchored at `origin` (+ offset); calendar rules on the calendar grid
 * (truncate); period-end rules on calendar periods closed on the right at the last day (so whole periods).
 */
const resampleWindows = (
  axis: W.Axis,
  part: W.Partition,
  spec: W.WindowSpec,
  o: { readonly calendar: boolean; readonly periodEnd: boolean; readonly origin: string; readonly offset: Duration }
): W.Windows => {
  if (o.periodEnd) {
    // pandas moves right-closed period-end edges to the end of their last day: bins are whole calendar periods,
    // [first day, next first day), whatever `closed` says.
    return W.computeWindows(axis, part, { ...spec, closed: "left", offset: o.offset })
  }
  if (o.calendar) {
    // Calendar rules: bins are calendar days/weeks/months of the local time zone.
    return W.computeWindows(axis, part, { ...spec, offset: o.offset })
  }
  // Fixed rules: grid origin per group.
  const e = W.fixedUnits(spec.every, axis)!
  const values = axis.values
  const parts: Array<W.Windows> = []
  const { perm, offsets } = part
  for (let g = 0; g + 1 < offsets.length; g++) {
    const a = offsets[g]!
    const b = offsets[g + 1]!
    if (b <= a) continue
    const first = values[perm[a]!]!
    const last = values[perm[b - 1]!]!
    let anchor: bigint
    const dayD: Duration = { ...ZERO, days: 1 }
    switch (o.origin) {
      case "epoch":
        anchor = 0n
        break
      case "start":
        anchor = first
        break
      case "end":
        anchor = last
        break
      case "end_day":
        anchor = W.addDuration(W.truncateValue(last, dayD, axis), dayD, axis)
        break
      default:
        anchor = W.truncateValue(first, dayD, axis)
    }
    anchor = W.addDuration(anchor, o.offset, axis)
    // The grid's start for this group: the bin holding `first` (closed side considered).
    const closedLeft = spec.closed === "left"
    const rel = first - anchor
    let k = floorDiv(rel, e)
    if (!closedLeft && rel % e === 0n) k -= 1n
    const s0 = anchor + k * e
    const sub: W.Partition = { perm: perm.subarray(a, b), offsets: Int32Array.of(0, b - a), firstRow: part.firstRow.subarray(g, g + 1) }
    const w = W.computeWindows(axis, sub, { ...spec, startBy: "datapoint", offset: ZERO }, s0)
    parts.push({ ...w, start: w.start.map((x) => x + a), group: w.group.fill(g) })
  }
  return concatWindows(parts, part)
}

const floorDiv = (a: bigint, b: bigint): bigint => {
  const q = a / b
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q
}

const concatWindows = (parts: ReadonlyArray<W.Windows>, part: W.Partition): W.Windows => {
  let count = 0
  for (const p of parts) count += p.count
  const lower = new BigInt64Array(count)
  const upper = new BigInt64Array(count)
  const start = new Int32Array(count)
  const ln = new Int32Array(count)
  const group = new Int32Array(count)
  let at = 0
  let overlapping = false
  for (const p of parts) {
    lower.set(p.lower, at)
    upper.set(p.upper, at)
    start.set(p.start, at)
    ln.set(p.len, at)
    group.set(p.group, at)
    at += p.count
    overlapping ||= p.overlapping
  }
  return { count, lower, upper, start, len: ln, group, perm: part.perm, groupFirstRow: part.firstRow, overlapping }
}

/**
 * Downsamples into fixed bins and aggregates each, as pandas `DataFrame.resample(rule, closed, label, origin,
 * offset).agg(...)` (or `groupby(by).resample(...)`), built on the `groupByDynamic` engine.
 *
 * Bins (pandas semantics): fixed rules ("1m", "15s", "1h") tile time from `origin` (default "start_day"); calendar
 * rules ("1d", "1w", "1mo", "1q", "1y") are calendar periods in the index's time zone; period-end rules ("1ME",
 * "1QE", "1YE") are whole calendar months / quarters / years labelled by their last day (pandas' defaults for them:
 * `closed` and `label` "right"). Every bin from the first to the last row's bin is emitted, as pandas does: empty
 * bins give null, or 0 for `count`/`len`/`sum`.
 *
 * Shape: one row per bin (per `by` group), columns: `by` keys, the index column (bin labels), then the aggregations.
 * **Errors** as `groupByDynamic`; `TypeMismatch` for an integer index.
 * @since 0.1.0 @category windows
 */
export const resample: {
  (options: ResampleOptions, aggs: ReadonlyArray<Expr>): <A extends AnyRow, E = never, R = never>(
    self: FrameLike<A, E, R>
  ) => Effect.Effect<Frame, E | WindowError, R>
  <A extends AnyRow, E = never, R = never>(self: FrameLike<A, E, R>, options: ResampleOptions, aggs: ReadonlyArray<Expr>): Effect.Effect<
    Frame,
    E | WindowError,
    R
  >
} = F.makeVerb(resampleImpl)

// ---------------------------------------------------------------------------------------------------------------
// ohlcv
// ---------------------------------------------------------------------------------------------------------------

/** Options of `ohlcv`. @since 0.1.0 @category models */
export interface OhlcvOptions extends Omit<GroupByDynamicOptions, "index"> {
  /** The time column of the ticks. */
  readonly index: string
  /** Trade price column (numeric). */
  readonly price: string
  /** Trade size column (numeric). */
  readonly size: string
}

const ohlcvImpl = (self: Frame, options: OhlcvOptions): Effect.Effect<Frame, WindowError> => {
  const { price, size, ...rest } = options
  const px = col(price)
  const qty = col(size)
  const generic = [
    px.first().alias("open"),
    px.max().alias("high"),
    px.min().alias("low"),
    px.last().alias("close"),
    qty.sum().alias("volume"),
    px.mul(qty).sum().div(qty.sum()).alias("vwap"),
    len().alias("trades")
  ]
  return Effect.flatMap(
    Effect.all([F.getColumn(self, price), F.getColumn(self, size)]),
    ([pc, sc]) => {
      const dense = pc.dtype._tag === "Float64" && sc.dtype._tag === "Float64" && pc.nullCount === 0 && sc.nullCount === 0
      return dynamicImpl(
        self,
        rest,
        (frame, w, pre) => {
          // Fused single pass for Float64 prices and sizes without nulls (same results as the expressions).
          if (dense) {
            const wg = pre ?? W.windowGroups(w, frame.height)
            if (wg.rows === null) {
              const r = W.ohlcvKernel(pc.values as Float64Array, sc.values as Float64Array, wg.ids, w.count)
              if (r !== undefined) return Effect.succeed(r)
            }
            return aggregateWindows(frame, w, generic, wg)
          }
          return aggregateWindows(frame, w, generic, pre)
        },
        // fixed disjoint windows over Float64 ticks: window assignment and aggregation in one pass
        dense
          ? (prep, spec) =>
              fastOhlcv(
                prep.axis,
                prep.keys.map((k) => k.column),
                prep.n,
                spec,
                pc.values as Float64Array,
                sc.values as Float64Array
              )
          : undefined
      )
    }
  )
}

/**
 * Open-high-low-close bars with volume, VWAP and trade count per window (per symbol with `by`), from price/size
 * ticks: `groupByDynamic(options, [price.first() "open", price.max() "high", price.min() "low", price.last()
 * "close", size.sum() "volume", sum(price·size)/sum(size) "vwap", len() "trades"])`.
 * Nulls are skipped by each aggregation (a null price still counts as a trade); with `emptyWindows: "emit"` an
 * empty bar has null prices, volume 0, trades 0 and a NaN VWAP (0/0). Float64 prices and sizes without nulls or
 * NaN take a fused single-pass kernel with the same results.
 * Shape: one row per window: by keys, boundaries (optional), index label, open, high, low, close (price dtype),
 * volume (sum dtype of size), vwap (Float64), trades (UInt32).
 * **Errors** as `groupByDynamic`; `TypeMismatch` for a non-numeric price or size.
 * @since 0.1.0 @category windows
 */
export const ohlcv: {
  (options: OhlcvOptions): <A extends AnyRow, E = never, R = never>(self: FrameLike<A, E, R>) => Effect.Effect<Frame, E | WindowError, R>
  <A extends AnyRow, E = never, R = never>(self: FrameLike<A, E, R>, options: OhlcvOptions): Effect.Effect<Frame, E | WindowError, R>
} = F.makeVerb(ohlcvImpl)

// ---------------------------------------------------------------------------------------------------------------
// upsample
// ---------------------------------------------------------------------------------------------------------------

/** Options of `upsample`, as Polars `upsample`. @since 0.1.0 @category models */
export interface UpsampleOptions {
  /** The index column (Timestamp, Date or integer with "Ni" steps), sorted ascending within groups. */
  readonly index: string
  /** The step, a duration string ("1m", "1d", "1mo", "2i"). */
  readonly every: string
  /** Group columns: rows are inserted per group, between the group's first and last time. */
  readonly by?: string | ReadonlyArray<string>
  /**
   * How the other columns of inserted rows are filled: "none" (default, null, as Polars), "forward" (the previous
   * row's values), "backward" (the next row's). `by` columns always carry their group's key.
   */
  readonly fill?: "none" | "forward" | "backward"
}

const upsampleImpl = (self: Frame, options: UpsampleOptions): Effect.Effect<Frame, WindowError> =>
  Effect.gen(function* () {
    const fill = options.fill ?? "none"
    if (fill !== "none" && fill !== "forward" && fill !== "backward")
      return yield* badArg("fill", `fill must be "none", "forward" or "backward", got ${JSON.stringify(fill)}`)
    const by = byList(options.by)
    const prep = yield* prepare(self, options.index, by)
    const part = yield* partitioned(prep)
    const axis = prep.axis
    const every = yield* Effect.flatMap(parse(options.every, "every", axis), (d) => positive(d, options.every, "every"))
    const values = axis.values
    const { perm, offsets } = part
    const fixed = W.fixedUnits(every, axis)
    // Output rows, as Polars (a range from the first to the last time, left-joined with the data on the time):
    // per group, the grid t0 + k·every up to the last time; a grid time present in the data takes its row(s),
    // others get an inserted row; data rows off the grid are dropped.
    const outTimes: Array<bigint> = []
    const outRow: Array<number> = [] // source row, or -1 for an inserted row
    const outGroup: Array<number> = []
    for (let g = 0; g + 1 < offsets.length; g++) {
      const a = offsets[g]!
      const b = offsets[g + 1]!
      if (b <= a) continue
      const t0 = values[perm[a]!]!
      const last = values[perm[b - 1]!]!
      let j = a
      let k = 0
      let t = t0
      while (t <= last) {
        while (j < b && values[perm[j]!]! < t) j++
        if (j < b && values[perm[j]!]! === t) {
          while (j < b && values[perm[j]!]! === t) {
            outTimes.push(t)
            outRow.push(perm[j]!)
            outGroup.push(g)
            j++
          }
        } else {
          outTimes.push(t)
          outRow.push(-1)
          outGroup.push(g)
        }
        k++
        t = fixed !== undefined ? t0 + fixed * BigInt(k) : W.addDuration(t0, every, axis, k)
      }
    }
    const m = outTimes.length
    const take = new Int32Array(m)
    for (let i = 0; i < m; i++) take[i] = outRow[i]!
    if (fill !== "none") {
      if (fill === "forward") {
        let prev = -1
        let pg = -1
        for (let i = 0; i < m; i++) {
          if (outGroup[i] !== pg) {
            pg = outGroup[i]!
            prev = -1
          }
          if (take[i]! >= 0) prev = take[i]!
          else take[i] = prev
        }
      } else {
        let next = -1
        let pg = -1
        for (let i = m - 1; i >= 0; i--) {
          if (outGroup[i] !== pg) {
            pg = outGroup[i]!
            next = -1
          }
          if (take[i]! >= 0) next = take[i]!
          else take[i] = next
        }
      }
    }
    const input = F.contiguous(self)
    const keyIdx = new Set(prep.keys.map((k) => self.columns.indexOf(k.name)))
    const indexIdx = self.columns.indexOf(options.index)
    const timeVals = new BigInt64Array(m)
    for (let i = 0; i < m; i++) timeVals[i] = outTimes[i]!
    const groupRows = new Int32Array(m)
    for (let i = 0; i < m; i++) groupRows[i] = part.firstRow[outGroup[i]!]!
    const cols = input.map((c, ci) => {
      if (ci === indexIdx) return W.axisColumn(prep.indexCol, timeVals)
      if (keyIdx.has(ci)) return C.take(c, groupRows)
      return C.take(c, take)
    })
    return F.fromColumnsUnsafe(self.columns, cols)
  })

/**
 * Inserts rows at every step between the first and the last time (per `by` group), as Polars `upsample`: the
 * output holds, per group in ascending key order (nulls last), the times `first + k·every` up to the last time
 * (calendar steps in the index's time zone, counted from the first time, so "1mo" from Jan 31 gives Feb 28/29,
 * Mar 31, …), left-joined with the input rows on the time: a grid time present in the input keeps its row(s),
 * other grid times get a new row, and input rows off the grid are dropped (as Polars). Other columns of new rows
 * are null, or filled from the previous/next kept row of the group (`fill`). Schema unchanged.
 * **Errors** `ColumnNotFound`, `TypeMismatch` (index dtype), `InvalidDuration`, `InvalidArgument` (bad `fill`,
 * null in the index), `NotSorted`.
 * @since 0.1.0 @category windows
 */
export const upsample: {
  (options: UpsampleOptions): <A extends AnyRow, E = never, R = never>(self: FrameLike<A, E, R>) => Effect.Effect<Frame<A>, E | WindowError, R>
  <A extends AnyRow, E = never, R = never>(self: FrameLike<A, E, R>, options: UpsampleOptions): Effect.Effect<Frame<A>, E | WindowError, R>
} = F.makeVerb(upsampleImpl)
