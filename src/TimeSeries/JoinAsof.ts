/**
 * As-of joins (Polars `join_asof`, pandas `merge_asof`, DuckDB `ASOF JOIN`) and window joins (kdb+ `wj` / `wj1`).
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import type { Expr } from "../Expr/Expr.ts"
import * as DT from "../Frame/DataType.ts"
import { type ColumnNotFound, DuplicateColumn, InvalidArgument, InvalidDuration, NotSorted, TypeMismatch } from "../Frame/Errors.ts"
import * as C from "../internal/column.ts"
import type { Column } from "../internal/column.ts"
import { cast, isCastFailure } from "../internal/expr/cast.ts"
import * as Engine from "../internal/expr/engine.ts"
import * as F from "../internal/frame.ts"
import type { AnyRow, Frame, FrameLike } from "../internal/frame.ts"
import * as K from "../internal/timeseries/asof.ts"
import * as KW from "../internal/timeseries/asofWords.ts"
import { type BlockGather, blockGatherer, GatherSink, gather } from "../internal/timeseries/gather.ts"
import { windowBounds, windowGroups } from "../internal/timeseries/wjWindows.ts"

/** Errors of `joinAsof`. @since 0.1.0 @category models */
export type JoinAsofError = ColumnNotFound | TypeMismatch | InvalidArgument | InvalidDuration | NotSorted | DuplicateColumn

/** Options of `joinAsof`, as Polars `join_asof` (camelCase). @since 0.1.0 @category models */
export interface JoinAsofOptions {
  /** The as-of key, the same name on both sides. */
  readonly on?: string
  readonly leftOn?: string
  readonly rightOn?: string
  /** Equality keys matched before the as-of search (the same names on both sides). */
  readonly by?: string | ReadonlyArray<string>
  readonly leftBy?: string | ReadonlyArray<string>
  readonly rightBy?: string | ReadonlyArray<string>
  /** "backward" (default; the last right key ≤ the left key), "forward" (the first ≥) or "nearest". */
  readonly strategy?: K.Strategy
  /**
   * The largest allowed distance between the keys: a number in key units (days for Date, the column's unit for
   * Timestamp/Duration), or a fixed duration string ("5s", "1h30m", "1d" = 24 h, "10i" for integer keys).
   */
  readonly tolerance?: number | bigint | string
  /** Whether equal keys match (default true). False: strict < (backward), > (forward), ≠ (nearest). */
  readonly allowExactMatches?: boolean
  /** Tie-break of "nearest" between two equally distant keys: "greater" (default, Polars) or "backward" (pandas). */
  readonly tieBreak?: K.TieBreak
  /** Check that the keys ascend within each `by` group on both sides (default true). */
  readonly checkSortedness?: boolean
  /** Appended to right column names taken by the left side (default "_right"). */
  readonly suffix?: string
  /** Drop the right as-of key when it has the left key's name (default true, as Polars); false keeps it, suffixed. */
  readonly coalesce?: boolean
}

const asArray = (x: string | ReadonlyArray<string> | undefined): ReadonlyArray<string> =>
  x === undefined ? [] : typeof x === "string" ? [x] : x

interface Resolved {
  readonly leftOn: string
  readonly rightOn: string
  readonly leftBy: ReadonlyArray<string>
  readonly rightBy: ReadonlyArray<string>
}

const resolveKeys = (options: {
  readonly on?: string
  readonly leftOn?: string
  readonly rightOn?: string
  readonly by?: string | ReadonlyArray<string>
  readonly leftBy?: string | ReadonlyArray<string>
  readonly rightBy?: string | ReadonlyArray<string>
}): Effect.Effect<Resolved, InvalidArgument> => {
  const { on, leftOn, rightOn } = options
  if (on !== undefined && (leftOn !== undefined || rightOn !== undefined))
    return Effect.fail(new InvalidArgument({ argument: "on", message: "give either `on` or `leftOn` and `rightOn`, not both" }))
  const lo = on ?? leftOn
  const ro = on ?? rightOn
  if (lo === undefined || ro === undefined)
    return Effect.fail(new InvalidArgument({ argument: "on", message: "an as-of key is required: `on`, or `leftOn` and `rightOn`" }))
  if (options.by !== undefined && (options.leftBy !== undefined || options.rightBy !== undefined))
    return Effect.fail(new InvalidArgument({ argument: "by", message: "give either `by` or `leftBy` and `rightBy`, not both" }))
  const lb = asArray(options.by ?? options.leftBy)
  const rb = asArray(options.by ?? options.rightBy)
  if (lb.length !== rb.length)
    return Effect.fail(
      new InvalidArgument({ argument: "by", message: `leftBy has ${lb.length} columns but rightBy has ${rb.length}` })
    )
  return Effect.succeed({ leftOn: lo, rightOn: ro, leftBy: lb, rightBy: rb })
}

/** Brings a pair of by-key columns to one dtype (integers → Int64, Utf8/Categorical → Utf8), or fails. */
const unifyBy = (l: Column, r: Column, name: string): Effect.Effect<readonly [Column, Column], TypeMismatch> => {
  const lt = l.dtype
  const rt = r.dtype
  if (DT.equals(lt, rt) && lt._tag !== "Categorical") return Effect.succeed([l, r] as const)
  let target: DT.DataType | undefined
  if (DT.isString(lt) && DT.isString(rt)) target = DT.Utf8
  else if (DT.isInteger(lt) && DT.isInteger(rt)) target = lt._tag === "UInt64" || rt._tag === "UInt64" ? DT.UInt64 : DT.Int64
  else if ((DT.isInteger(lt) || DT.isFloat(lt)) && (DT.isInteger(rt) || DT.isFloat(rt))) target = DT.Float64
  if (target !== undefined) {
    const lc = cast(l, target, false)
    const rc = cast(r, target, false)
    if (!isCastFailure(lc) && !isCastFailure(rc)) return Effect.succeed([lc, rc] as const)
  }
  return Effect.fail(
    new TypeMismatch({ expr: `by key "${name}"`, expected: `a right by-key comparable with ${DT.format(lt)}`, actual: DT.format(rt) })
  )
}

interface Inputs {
  readonly keys: K.Keys
  readonly lBy: ReadonlyArray<Column>
  readonly rBy: ReadonlyArray<Column>
}

interface Prepared {
  readonly keys: K.Keys
  readonly buckets: K.Buckets
  /** Keys in bucket order. */
  readonly lk: K.KeyArray
  readonly rk: K.KeyArray
}

/**
 * The key columns as 32-bit word views when both are 64-bit integers of one dtype (Int64, or Timestamp / Duration
 * of one unit and zone) without right nulls; otherwise undefined. Callers check sortedness and range (±2^52).
 */
const wordKeys = (
  left: Frame,
  right: Frame,
  r: Resolved
): Effect.Effect<{ readonly lw: Int32Array; readonly rw: Int32Array; readonly lValid: Uint8Array | null; readonly dtype: DT.DataType } | undefined, ColumnNotFound> =>
  Effect.gen(function* () {
    const lcol = yield* F.getColumn(left, r.leftOn)
    const rcol = yield* F.getColumn(right, r.rightOn)
    const t = lcol.dtype
    if (!KW.LITTLE_ENDIAN || !DT.equals(t, rcol.dtype) || rcol.nullCount !== 0) return undefined
    if (t._tag !== "Int64" && t._tag !== "Timestamp" && t._tag !== "Duration") return undefined
    const lv = lcol.values
    const rv = rcol.values
    if (!(lv instanceof BigInt64Array) || !(rv instanceof BigInt64Array)) return undefined
    const lw = new Int32Array(lv.buffer, lv.byteOffset, 2 * lcol.length)
    const rw = new Int32Array(rv.buffer, rv.byteOffset, 2 * rcol.length)
    const lValid = lcol.nullCount === 0 ? null : lcol.validity
    return { lw, rw, lValid, dtype: t }
  })

/** The by-key columns, pairwise of one dtype. */
const byColumns = (
  left: Frame,
  right: Frame,
  r: Resolved
): Effect.Effect<{ readonly lBy: ReadonlyArray<Column>; readonly rBy: ReadonlyArray<Column> }, ColumnNotFound | TypeMismatch> =>
  Effect.gen(function* () {
    const lBy: Array<Column> = []
    const rBy: Array<Column> = []
    for (let k = 0; k < r.leftBy.length; k++) {
      const lc = yield* F.getColumn(left, r.leftBy[k]!)
      const rc = yield* F.getColumn(right, r.rightBy[k]!)
      const [a, b] = yield* unifyBy(lc, rc, r.leftBy[k]!)
      lBy.push(a)
      rBy.push(b)
    }
    return { lBy, rBy }
  })

/** The as-of keys in one domain and the by-key columns (pairwise of one dtype). */
const inputs = (left: Frame, right: Frame, r: Resolved): Effect.Effect<Inputs, ColumnNotFound | TypeMismatch> =>
  Effect.gen(function* () {
    const lcol = yield* F.getColumn(left, r.leftOn)
    const rcol = yield* F.getColumn(right, r.rightOn)
    const keys = K.prepareKeys(lcol, rcol)
    if (!("kind" in keys))
      return yield* new TypeMismatch({ expr: `as-of key "${r.leftOn}" / "${r.rightOn}"`, expected: keys.expected, actual: keys.actual })
    const { lBy, rBy } = yield* byColumns(left, right, r)
    return { keys, lBy, rBy }
  })

/** By-buckets, keys in bucket order, and the sortedness check within buckets. */
const bucketize = (
  left: Frame,
  right: Frame,
  r: Resolved,
  { keys, lBy, rBy }: Inputs,
  checkSortedness: boolean
): Effect.Effect<Prepared, NotSorted> =>
  Effect.gen(function* () {
    const buckets = K.groupRows(lBy, rBy, left.height, right.height, keys.leftValid, keys.rightValid)
    const lk = buckets.identity ? keys.left : K.gatherKeys(keys.left, buckets.lRows)
    const rk = buckets.identity ? keys.right : K.gatherKeys(keys.right, buckets.rRows)
    if (checkSortedness) {
      const sides = [
        ["left", r.leftOn, lk, buckets.lRows, buckets.lStart],
        ["right", r.rightOn, rk, buckets.rRows, buckets.rStart]
      ] as const
      for (const [side, name, ks, rows, start] of sides) {
        const row = K.firstUnsorted(ks, rows, start, buckets.count)
        if (row >= 0)
          return yield* new NotSorted({
            column: name,
            row,
            message: `the ${side} as-of key "${name}" is not sorted ascending${r.leftBy.length > 0 ? " within its by group" : ""}: row ${row} is smaller than the previous${r.leftBy.length > 0 ? " row of its group" : " non-null row"} (sort by ${r.leftBy.length > 0 ? "the by keys and " : ""}the key first, or pass checkSortedness: false)`
          })
      }
    }
    return { keys, buckets, lk, rk }
  })

/** Output names of the right columns: a name taken by an output column gets `suffix`. */
const outputNames = (
  taken: ReadonlyArray<string>,
  names: ReadonlyArray<string>,
  suffix: string
): Effect.Effect<ReadonlyArray<string>, DuplicateColumn> => {
  const seen = new Set(taken)
  const out: Array<string> = []
  for (const name of names) {
    const n = seen.has(name) ? name + suffix : name
    if (seen.has(n)) return Effect.fail(new DuplicateColumn({ column: n }))
    seen.add(n)
    out.push(n)
  }
  return Effect.succeed(out)
}

const amount = (
  value: number | bigint | string,
  dtype: DT.DataType,
  what: string
): Effect.Effect<{ readonly value: bigint; readonly float: number }, InvalidDuration | InvalidArgument> => {
  const a = K.toKeyUnits(value, dtype, what)
  if ("invalidDuration" in a) return Effect.fail(new InvalidDuration({ duration: String(value), message: a.invalidDuration }))
  if ("invalidArgument" in a) return Effect.fail(new InvalidArgument({ argument: what, message: a.invalidArgument }))
  return Effect.succeed(a)
}

const joinAsofImpl = (left: Frame, right: Frame, options: JoinAsofOptions): Effect.Effect<Frame, JoinAsofError> =>
  Effect.gen(function* () {
    const r = yield* resolveKeys(options)
    const strategy = options.strategy ?? "backward"
    if (strategy !== "backward" && strategy !== "forward" && strategy !== "nearest")
      return yield* new InvalidArgument({ argument: "strategy", message: `expected "backward", "forward" or "nearest", got ${JSON.stringify(strategy)}` })
    const tieBreak = options.tieBreak ?? "greater"
    if (tieBreak !== "greater" && tieBreak !== "backward")
      return yield* new InvalidArgument({ argument: "tieBreak", message: `expected "greater" or "backward", got ${JSON.stringify(tieBreak)}` })
    const words = yield* wordKeys(left, right, r)
    if (words !== undefined && strategy === "backward" && options.tolerance === undefined && words.lValid === null) {
      // the common case: a block-wise merge that checks sortedness and range as it reads the keys
      const by = yield* byColumns(left, right, r)
      const fused = by.lBy.length === 0 ? yield* fusedBackward(left, right, r, options, words) : "unsupported"
      if (fused !== "unsupported" && fused !== "failed") return fused
      if (fused === "unsupported") {
        const ids = by.lBy.length === 0 ? null : K.sharedIds(by.lBy, by.rBy, left.height, right.height)
        const idx = KW.backwardSorted(words.lw, words.rw, ids?.lg ?? null, ids?.rg ?? null, ids?.count ?? 1, options.allowExactMatches ?? true)
        if (idx !== undefined) return yield* output(left, right, r, options, idx)
      }
    } else if (
      words !== undefined &&
      KW.sortedWords(words.lw, left.height, words.lValid) &&
      KW.sortedWords(words.rw, right.height, null)
    ) {
      // both 64-bit key columns ascend as a whole and fit ±2^52: one streaming pass over the keys read in place
      let tol = Infinity
      if (options.tolerance !== undefined) {
        const a = yield* amount(options.tolerance, words.dtype, "tolerance")
        if (a.float < 0 || a.value < 0n)
          return yield* new InvalidArgument({ argument: "tolerance", message: `the tolerance must not be negative, got ${String(options.tolerance)}` })
        tol = a.float
      }
      const by = yield* byColumns(left, right, r)
      const ids = by.lBy.length === 0 ? null : K.sharedIds(by.lBy, by.rBy, left.height, right.height)
      const merge = { strategy, allowExactMatches: options.allowExactMatches ?? true, tolerance: tol, tieBreak }
      const idx = KW.streamAsofWords(words.lw, words.rw, words.lValid, ids?.lg ?? null, ids?.rg ?? null, ids?.count ?? 1, merge)
      return yield* output(left, right, r, options, idx)
    }
    const inp = yield* inputs(left, right, r)
    const keys = inp.keys
    let tolerance: number | bigint = Infinity
    if (options.tolerance !== undefined) {
      const a = yield* amount(options.tolerance, keys.dtype, "tolerance")
      if (a.float < 0 || a.value < 0n)
        return yield* new InvalidArgument({ argument: "tolerance", message: `the tolerance must not be negative, got ${String(options.tolerance)}` })
      tolerance = keys.kind === "big" ? (a.float === Infinity ? Infinity : a.value) : a.float
    }
    const merge = { strategy, allowExactMatches: options.allowExactMatches ?? true, tolerance, tieBreak }
    let idx: Int32Array
    if (keys.rightValid === null && K.isAscending(keys.left, keys.leftValid) && K.isAscending(keys.right, null)) {
      // both sides sorted as a whole: one sequential pass (sorted within every by group too, so nothing to report)
      const ids = inp.lBy.length === 0 ? null : K.sharedIds(inp.lBy, inp.rBy, left.height, right.height)
      idx = K.streamAsof(keys.left, keys.right, keys.leftValid, ids?.lg ?? null, ids?.rg ?? null, ids?.count ?? 1, merge)
    } else {
      const p = yield* bucketize(left, right, r, inp, options.checkSortedness ?? true)
      idx = K.matchRows(left.height, p.lk, p.rk, p.buckets, merge)
    }
    return yield* output(left, right, r, options, idx)
  })

/** The right columns of the output (less the right by keys and a coalesced key): their output names and sources. */
const outputPlan = (
  left: Frame,
  right: Frame,
  r: Resolved,
  options: JoinAsofOptions
): Effect.Effect<{ readonly names: ReadonlyArray<string>; readonly sources: ReadonlyArray<Column> }, DuplicateColumn> =>
  Effect.gen(function* () {
    const dropped = new Set(r.rightBy)
    if ((options.coalesce ?? true) && r.leftOn === r.rightOn) dropped.add(r.rightOn)
    const rightNames = right.columns.filter((c) => !dropped.has(c))
    const names = yield* outputNames(left.columns, rightNames, options.suffix ?? "_right")
    const rcols = F.contiguous(right)
    return { names, sources: rightNames.map((c) => rcols[right.columns.indexOf(c)]!) }
  })

/**
 * Backward without `by`, no tolerance, every left key valid, 64-bit keys as words: the merge hands its matches a
 * block of left rows at a time to per-column gatherers (`blockGatherer`), so the output is built in one pass with
 * no index array over all rows. "unsupported": a right column has no block gatherer (take `output`); "failed": a
 * key column does not ascend or leaves ±2^52 (take the general path, which reports `NotSorted`).
 */
const fusedBackward = (
  left: Frame,
  right: Frame,
  r: Resolved,
  options: JoinAsofOptions,
  words: { readonly lw: Int32Array; readonly rw: Int32Array }
): Effect.Effect<Frame | "unsupported" | "failed", DuplicateColumn> =>
  Effect.gen(function* () {
    const { names, sources } = yield* outputPlan(left, right, r, options)
    const n = left.height
    const gs: Array<BlockGather> = []
    for (const c of sources) {
      const g = blockGatherer(c, n)
      if (g === undefined) return "unsupported" as const
      gs.push(g)
    }
    const sink = new GatherSink(gs, n)
    if (!KW.backwardPlainBlocks(words.lw, words.rw, options.allowExactMatches ?? true, sink)) return "failed" as const
    const taken = gs.map((g) => g.finish(sink.neg))
    return F.fromColumnsUnsafe([...left.columns, ...names], [...F.contiguous(left), ...taken])
  })

/** The left columns, then the right columns (less the right by keys and a coalesced key) gathered by `idx`. */
const output = (
  left: Frame,
  right: Frame,
  r: Resolved,
  options: JoinAsofOptions,
  idx: Int32Array
): Effect.Effect<Frame, DuplicateColumn> =>
  Effect.gen(function* () {
    const { names, sources } = yield* outputPlan(left, right, r, options)
    let hasNeg = false
    for (let i = 0; i < idx.length; i++)
      if (idx[i]! < 0) {
        hasNeg = true
        break
      }
    // one validity for the unmatched rows, shared by every right column without nulls
    const negValidity = hasNeg ? C.takeValidity(null, idx) : undefined
    const taken = sources.map((c) => gather(c, idx, hasNeg, negValidity))
    return F.fromColumnsUnsafe([...left.columns, ...names], [...F.contiguous(left), ...taken])
  })

/**
 * As-of join, as Polars `join_asof`: for every left row, at most one right row — the one whose key `rightOn` is
 * the last ≤ the left key `leftOn` ("backward", the default), the first ≥ it ("forward"), or the nearest
 * ("nearest"; ties between a smaller and a greater key go to the greater key as Polars, or to the smaller with
 * `tieBreak: "backward"` as pandas) — among the right rows with equal `by` keys. The output has exactly the left
 * rows, in order, with the left columns unchanged, followed by the right columns (taken from the matched row, null
 * when there is none), except the right `by` columns and, with `coalesce` (default) and a shared key name, the
 * right key. A right name taken by the left side gets `suffix` ("_right").
 *
 * Among several equal right keys, backward takes the last, forward the first, nearest the last (as Polars).
 * `allowExactMatches: false` makes the comparisons strict; `tolerance` drops matches farther than it. A null left
 * key (or null by-key) matches nothing; null right keys (and right rows with a null by-key) are skipped; NaN keys
 * count as null. Unlike Polars, nulls may sit anywhere in a sorted key column.
 *
 * Keys: integers and floats (mixed widths compare by value; a 64-bit integer with a float compares as Float64),
 * Date with Date, Timestamp with Timestamp (the same time zone; different units are brought to the finer one), and
 * Duration with Duration. Comparisons are exact on 64-bit keys. `by` keys: any dtype, integers of different widths
 * and Utf8 with Categorical compare by value. O(n + m) per by group after an O(n + m) hash bucketing.
 *
 * **Errors** `ColumnNotFound`, `TypeMismatch` (key dtypes), `InvalidArgument` (no key, both `on` and
 * `leftOn`/`rightOn`, different numbers of by keys, a negative tolerance, an unknown strategy),
 * `InvalidDuration` (a tolerance string that is not a fixed duration fitting the key), `NotSorted` (with
 * `checkSortedness`, the first row whose key is smaller than the previous one of its by group, left side first),
 * `DuplicateColumn` (a suffixed name that still collides).
 *
 * @example
 * ```ts
 * const joined = trades.pipe(joinAsof(quotes, { on: "time", by: "sym", tolerance: "2s" }))
 * ```
 * @since 0.1.0 @category joining
 */
export const joinAsof: {
  <B extends AnyRow, E2 = never, R2 = never>(right: FrameLike<B, E2, R2>, options: JoinAsofOptions): <A extends AnyRow, E = never, R = never>(
    left: FrameLike<A, E, R>
  ) => Effect.Effect<Frame, E | E2 | JoinAsofError, R | R2>
  <A extends AnyRow, B extends AnyRow, E = never, R = never, E2 = never, R2 = never>(
    left: FrameLike<A, E, R>,
    right: FrameLike<B, E2, R2>,
    options: JoinAsofOptions
  ): Effect.Effect<Frame, E | E2 | JoinAsofError, R | R2>
} = dual(
  (args) => F.isFrameLike(args[0]) && F.isFrameLike(args[1]),
  (left: FrameLike<AnyRow, unknown, unknown>, right: FrameLike<AnyRow, unknown, unknown>, options: JoinAsofOptions) =>
    F.withFrame(left, (l) => F.withFrame(right, (r) => joinAsofImpl(l, r, options)))
)

// ---------------------------------------------------------------------------------------------------------------
// Window join
// ---------------------------------------------------------------------------------------------------------------

/** Errors of `windowJoin`. @since 0.1.0 @category models */
export type WindowJoinError = JoinAsofError | Engine.EvalError

/** Options of `windowJoin` (kdb+ `wj` / `wj1`). @since 0.1.0 @category models */
export interface WindowJoinOptions {
  readonly on?: string
  readonly leftOn?: string
  readonly rightOn?: string
  readonly by?: string | ReadonlyArray<string>
  readonly leftBy?: string | ReadonlyArray<string>
  readonly rightBy?: string | ReadonlyArray<string>
  /**
   * The window `[lo, hi]` around each left key t: right rows with t + lo ≤ key ≤ t + hi. Each bound is a number
   * in key units or a fixed duration string ("-5s", "0s", "10i"); lo ≤ hi.
   */
  readonly window: readonly [number | bigint | string, number | bigint | string]
  /** Aggregations over the right rows of each window, e.g. `col("bid").max()`, `len()`. */
  readonly aggs: ReadonlyArray<Expr>
  /**
   * Also include the prevailing right row at the window start — the last right row with key ≤ t + lo — as kdb+
   * `wj` (default true); false gives `wj1`: only the rows inside the window.
   */
  readonly prevailing?: boolean
  /** Check that the keys ascend within each `by` group on both sides (default true). */
  readonly checkSortedness?: boolean
  /** Appended to aggregation names taken by a left column (default "_right"). */
  readonly suffix?: string
}

const windowJoinImpl = (left: Frame, right: Frame, options: WindowJoinOptions): Effect.Effect<Frame, WindowJoinError> =>
  Effect.gen(function* () {
    const r = yield* resolveKeys(options)
    if (!Array.isArray(options.window) || options.window.length !== 2)
      return yield* new InvalidArgument({ argument: "window", message: "expected a pair [lo, hi]" })
    const p = yield* bucketize(left, right, r, yield* inputs(left, right, r), options.checkSortedness ?? true)
    const lo = yield* amount(options.window[0], p.keys.dtype, "window start")
    const hi = yield* amount(options.window[1], p.keys.dtype, "window end")
    const bad = p.keys.kind === "big" ? lo.value > hi.value : lo.float > hi.float
    if (bad || !Number.isFinite(lo.float) || !Number.isFinite(hi.float))
      return yield* new InvalidArgument({
        argument: "window",
        message: `the window must be finite with lo ≤ hi, got [${String(options.window[0])}, ${String(options.window[1])}]`
      })
    const big = p.keys.kind === "big"
    const windows = windowBounds(
      left.height,
      p.lk,
      p.rk,
      p.buckets,
      big ? lo.value : lo.float,
      big ? hi.value : hi.float,
      options.prevailing ?? true
    )
    const { take, groups } = windowGroups(windows)
    const gathered = F.fromColumnsUnsafe(
      right.columns,
      F.contiguous(right).map((c) => C.take(c, take))
    )
    const aggs = yield* Engine.aggregate(gathered, groups, options.aggs)
    const names = yield* outputNames(
      left.columns,
      aggs.map((a) => a.name),
      options.suffix ?? "_right"
    )
    return F.fromColumnsUnsafe(
      [...left.columns, ...names],
      [...F.contiguous(left), ...aggs.map((a) => a.column)]
    )
  })

/**
 * Window join, as kdb+ `wj` (`prevailing: true`, the default) and `wj1` (`prevailing: false`): for each left row
 * with key t, the right rows of its `by` group with t + lo ≤ key ≤ t + hi (both ends included) — with `wj` also
 * the prevailing row, the last right row with key ≤ t + lo, when no right key equals t + lo — are aggregated by
 * `aggs` (expressions such as `col("bid").max()`, `col("size").sum()`, `len()`). The output has the left rows in
 * order with the left columns unchanged, then one column per aggregation. An empty window aggregates as Polars
 * does an empty group: null, or 0 for `sum`, `count` and `len`. Null left keys get an empty window; null right
 * keys are skipped. Keys and `by` as in `joinAsof`.
 *
 * Differences from kdb+: with several right rows exactly at t + lo, `wj` starts at the first of them (kdb+'s `bin`
 * starts at the last). Cost: O(n + m) to find the windows, then O(total window length) to aggregate.
 *
 * **Errors** as `joinAsof`, plus `InvalidArgument` (a window that is not a pair with lo ≤ hi) and the expression
 * errors of `aggs` (`ColumnNotFound`, `TypeMismatch`, …).
 * @since 0.1.0 @category joining
 */
export const windowJoin: {
  <B extends AnyRow, E2 = never, R2 = never>(right: FrameLike<B, E2, R2>, options: WindowJoinOptions): <A extends AnyRow, E = never, R = never>(
    left: FrameLike<A, E, R>
  ) => Effect.Effect<Frame, E | E2 | WindowJoinError, R | R2>
  <A extends AnyRow, B extends AnyRow, E = never, R = never, E2 = never, R2 = never>(
    left: FrameLike<A, E, R>,
    right: FrameLike<B, E2, R2>,
    options: WindowJoinOptions
  ): Effect.Effect<Frame, E | E2 | WindowJoinError, R | R2>
} = dual(
  (args) => F.isFrameLike(args[0]) && F.isFrameLike(args[1]),
  (left: FrameLike<AnyRow, unknown, unknown>, right: FrameLike<AnyRow, unknown, unknown>, options: WindowJoinOptions) =>
    F.withFrame(left, (l) => F.withFrame(right, (r) => windowJoinImpl(l, r, options)))
)
