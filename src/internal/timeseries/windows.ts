/**
 * The dynamic-window engine behind `groupByDynamic`, `resample`, `ohlcv` and `upsample`.
 *
 * Input: an index column (Timestamp in any unit and time zone, Date, or Int32/Int64/UInt32 for "Ni" windows),
 * optional `by` groups, and a window spec (every / period / offset durations, closed side, start strategy).
 * Output: the windows as slices `[start, start + len)` of a row permutation `perm` (rows ordered by group, then in
 * their original order, which the sortedness check guarantees is time order), with their bounds.
 *
 * Windows of one group are found by two monotone pointers over its sorted times: O(rows + windows). Bounds are
 * computed in 64-bit integers (BigInt, one step per window; calendar durations through `offsetValues` in the
 * index's time zone); rows are compared as float64 offsets from a base value when the column's span fits 2^52
 * units (exact), else as BigInt.
 * @internal
 */
import * as DT from "../../Frame/DataType.ts"
import type { TimeUnit } from "../../Frame/DataType.ts"
import * as Bits from "../bitmap.ts"
import type { Column } from "../column.ts"
import * as C from "../column.ts"
import { groupIds } from "../kernels/hash.ts"
import { sortIndices } from "../kernels/sort.ts"
import * as T from "../kernels/temporal.ts"
import type { Duration } from "../kernels/temporal.ts"

export type Closed = "left" | "right" | "both" | "none"
export type Weekday = "monday" | "tuesday" | "wednesday" | "thursday" | "friday" | "saturday" | "sunday"
export type StartBy = "windowBound" | "window" | "datapoint" | Weekday
export type Label = "left" | "right" | "datapoint"

const WEEKDAYS: ReadonlyArray<string> = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

/**
 * The index axis: `values` are 64-bit integers, either instants in `unit` (Timestamp; a Date index is read as
 * microseconds at midnight UTC, as Polars casts it to `Datetime("us")`) or plain integers (`kind: "index"`).
 */
export interface Axis {
  readonly kind: "time" | "index"
  readonly unit: TimeUnit
  readonly timeZone: string | null
  readonly values: BigInt64Array
}

export interface WindowSpec {
  readonly every: Duration
  readonly period: Duration
  readonly offset: Duration
  readonly closed: Closed
  readonly startBy: StartBy
  /** Keep empty windows between the first and the last non-empty window of each group. */
  readonly emit: boolean
}

/** The windows found, in output order (by group rank, then time). */
export interface Windows {
  readonly count: number
  readonly lower: BigInt64Array
  readonly upper: BigInt64Array
  /** Slice of `perm` of each window. */
  readonly start: Int32Array
  readonly len: Int32Array
  /** Rank of the window's `by` group (index into `groupFirstRow`). */
  readonly group: Int32Array
  /** Rows ordered by group rank, then original order. */
  readonly perm: Int32Array
  /** A row of each group (in rank order), to gather `by` key values. */
  readonly groupFirstRow: Int32Array
  /** Whether two windows of a group share a row (then a row may belong to several windows). */
  readonly overlapping: boolean
  /** The fast path's first row of each window (-1 when empty); `perm`/`start` are then unused. */
  readonly firstRowOf?: Int32Array
}

// ---------------------------------------------------------------------------------------------------------------
// Axis
// ---------------------------------------------------------------------------------------------------------------

const US_PER_DAY = 86_400_000_000n

/** The axis of an index column, or a description of what was expected. Callers reject nulls first. */
export const axisOf = (col: Column): Axis | { readonly expected: string } => {
  const t = col.dtype
  const n = col.length
  switch (t._tag) {
    case "Timestamp":
      return { kind: "time", unit: t.unit, timeZone: t.timeZone, values: col.values as BigInt64Array }
    case "Date": {
      const days = col.values as Int32Array
      const ms = new Float64Array(n)
      for (let i = 0; i < n; i++) ms[i] = days[i]! * T.MS_PER_DAY
      return { kind: "time", unit: "us", timeZone: null, values: T.writeMs(ms, "us") }
    }
    case "Int64":
      return { kind: "index", unit: "ns", timeZone: null, values: col.values as BigInt64Array }
    case "Int32":
    case "Int16":
    case "Int8":
    case "UInt32":
    case "UInt16":
    case "UInt8": {
      const v = col.values as ArrayLike<number>
      const out = new BigInt64Array(n)
      const w = new Int32Array(out.buffer)
      for (let i = 0; i < n; i++) {
        const x = v[i]!
        w[2 * i] = x | 0
        w[2 * i + 1] = x < 0 ? -1 : 0
      }
      return { kind: "index", unit: "ns", timeZone: null, values: out }
    }
    default:
      return { expected: "a Date, Timestamp or integer index column" }
  }
}

/** Converts axis values back to a column of the index's dtype (Date: floor days; integers: narrowed). */
export const axisColumn = (like: Column, values: BigInt64Array): Column => {
  const t = like.dtype
  const n = values.length
  switch (t._tag) {
    case "Timestamp":
    case "Int64":
      return C.make(t, n, values, null)
    case "Date": {
      const out = new Int32Array(n)
      for (let i = 0; i < n; i++) {
        const v = values[i]!
        let q = v / US_PER_DAY
        if (v % US_PER_DAY < 0n) q -= 1n
        out[i] = Number(q)
      }
      return C.make(t, n, out, null)
    }
    default: {
      const out = C.allocValues(t, n) as Int32Array
      for (let i = 0; i < n; i++) out[i] = Number(values[i]!)
      return C.make(t, n, out, null)
    }
  }
}

/** The dtype of window boundary columns: the index's, except Date → Timestamp("us") (as Polars). */
export const boundaryColumn = (like: Column, values: BigInt64Array): Column =>
  like.dtype._tag === "Date" ? C.make({ _tag: "Timestamp", unit: "us", timeZone: null }, values.length, values, null) : axisColumn(like, values)

// ---------------------------------------------------------------------------------------------------------------
// Durations on one value
// ---------------------------------------------------------------------------------------------------------------

const NS_PER: Record<TimeUnit, bigint> = { ns: 1n, us: 1000n, ms: 1_000_000n, s: 1_000_000_000n }

/** A duration's length in axis units when it has no calendar part (else undefined). Signed. */
export const fixedUnits = (d: Duration, axis: Axis): bigint | undefined => {
  if (d.months !== 0 || d.weeks !== 0 || d.days !== 0) {
    // On a naive (or UTC) axis weeks and days are fixed lengths.
    if (d.months !== 0 || axis.kind === "index" || !isUtcLike(axis.timeZone)) return undefined
    const ns = (BigInt(d.weeks) * 7n + BigInt(d.days)) * 86_400_000_000_000n + d.nanos
    return (d.negative ? -ns : ns) / NS_PER[axis.unit]
  }
  const u = axis.kind === "index" ? d.nanos : d.nanos / NS_PER[axis.unit]
  return d.negative ? -u : u
}

const isUtcLike = (tz: string | null): boolean => {
  if (tz === null) return true
  const z = T.zone(tz)
  return z?.isUtc === true
}

/**
 * Checks a duration for use on an axis: index durations ("3i") only on integer axes and only there; fixed parts
 * must be whole units of the axis (no "1ms" on a seconds column). Returns a message, or undefined when fine.
 */
export const durationProblem = (d: Duration, axis: Axis): string | undefined => {
  if (axis.kind === "index") return d.index || T.isZero(d) ? undefined : "an integer index needs index durations such as \"10i\""
  if (d.index) return "an index duration (\"i\") needs an integer index column"
  if (d.nanos % NS_PER[axis.unit] !== 0n) return `the duration is finer than the index's unit (${axis.unit})`
  return undefined
}

const one = new BigInt64Array(1)

/** `v + k * d` on the axis (calendar parts in the axis' time zone, as Polars `dt.offset_by`). */
export const addDuration = (v: bigint, d: Duration, axis: Axis, k = 1): bigint => {
  const f = fixedUnits(d, axis)
  if (f !== undefined) return v + f * BigInt(k)
  one[0] = v
  return T.offsetValues(one, axis.unit, axis.timeZone, d, k)[0]!
}

/** `v` truncated to `d` (as Polars `dt.truncate`; integers: floor to a multiple). */
export const truncateValue = (v: bigint, d: Duration, axis: Axis): bigint => {
  if (axis.kind === "index") {
    const e = d.nanos
    if (e <= 1n) return v
    let r = v % e
    if (r < 0n) r += e
    return v - r
  }
  const fixed = d.months === 0 && d.weeks === 0 && d.days === 0
  if (fixed && !isUtcLike(axis.timeZone)) {
    // Polars (as pinned: nodejs-polars 0.26) truncates window starts of fixed durations on the local wall clock
    // too: "90m" windows in Asia/Kolkata start at local multiples of 90 minutes.
    const z = T.zone(axis.timeZone!)!
    const upm = axis.unit === "s" ? 0n : NS_PER.ms / NS_PER[axis.unit]
    const ms = T.epochMsAt(v, axis.unit)
    const off = BigInt(z.offsetMs(ms))
    const local = axis.unit === "s" ? v + off / 1000n : v + off * upm
    const e = d.nanos / NS_PER[axis.unit]
    let r = local % e
    if (r < 0n) r += e
    const tr = local - r
    const trMs = T.epochMsAt(tr, axis.unit)
    const back = BigInt(z.utcFromLocal(trMs) - trMs)
    return axis.unit === "s" ? tr + back / 1000n : tr + back * upm
  }
  one[0] = v
  return T.truncateValues(one, axis.unit, axis.timeZone, d)[0]!
}

// ---------------------------------------------------------------------------------------------------------------
// Grouping and sortedness
// ---------------------------------------------------------------------------------------------------------------

export interface Partition {
  /** Rows by group rank, original order within a group. */
  readonly perm: Int32Array
  /** `offsets[g]..offsets[g + 1]` is group g's slice of `perm` (g in rank order). */
  readonly offsets: Int32Array
  /** A row of each group, in rank order. */
  readonly firstRow: Int32Array
}

/**
 * Partitions rows by `by` key columns: groups ranked by their key values (ascending, nulls last, as Polars sorts
 * the groups of `group_by_dynamic`), rows in original order within a group. No keys: one group of every row.
 */
export const partition = (keys: ReadonlyArray<Column>, n: number): Partition => {
  if (keys.length === 0) {
    const perm = new Int32Array(n)
    for (let i = 0; i < n; i++) perm[i] = i
    return { perm, offsets: Int32Array.of(0, n), firstRow: n > 0 ? Int32Array.of(0) : new Int32Array(0) }
  }
  const groups = groupIds(keys, n)
  const G = groups.count
  const order = sortIndices(
    keys.map((k) => C.take(k, groups.firstRow)),
    keys.map(() => false),
    keys.map(() => true)
  )
  const rank = new Int32Array(G)
  for (let r = 0; r < G; r++) rank[order[r]!] = r
  const offsets = new Int32Array(G + 1)
  const ids = groups.ids
  for (let i = 0; i < n; i++) offsets[rank[ids[i]!]! + 1]!++
  for (let g = 0; g < G; g++) offsets[g + 1]! += offsets[g]!
  const pos = offsets.slice(0, G)
  const perm = new Int32Array(n)
  for (let i = 0; i < n; i++) perm[pos[rank[ids[i]!]!]!++] = i
  const firstRow = new Int32Array(G)
  for (let r = 0; r < G; r++) firstRow[r] = groups.firstRow[order[r]!]!
  return { perm, offsets, firstRow }
}

/** The first row (smallest row number) whose time is smaller than the previous one of its group, or -1. */
export const firstUnsorted = (rt: RowTimes, p: Partition): number => {
  let worst = -1
  const { perm, offsets } = p
  const t = rt.t
  for (let g = 0; g + 1 < offsets.length; g++) {
    for (let k = offsets[g]! + 1; k < offsets[g + 1]!; k++) {
      if (t[perm[k]!]! < t[perm[k - 1]!]!) {
        const row = perm[k]!
        if (worst < 0 || row < worst) worst = row
        break
      }
    }
  }
  return worst
}

/** Row times for comparisons: float64 offsets from `base` when exact, else the BigInt values themselves. */
export interface RowTimes {
  readonly t: Float64Array | BigInt64Array
  readonly base: bigint
  readonly exact: boolean
}

const TWO32 = 4294967296

export const rowTimes = (values: BigInt64Array): RowTimes => {
  const n = values.length
  if (n === 0) return { t: new Float64Array(0), base: 0n, exact: true }
  const base = values[0]!
  const w = new Int32Array(values.buffer, values.byteOffset, 2 * n)
  const bh = w[1]!
  const bl = w[0]! >>> 0
  const t = new Float64Array(n)
  let maxAbs = 0
  for (let i = 0; i < n; i++) {
    const d = (w[2 * i + 1]! - bh) * TWO32 + ((w[2 * i]! >>> 0) - bl)
    t[i] = d
    const a = d < 0 ? -d : d
    if (a > maxAbs) maxAbs = a
  }
  if (maxAbs < 2 ** 51) return { t, base, exact: true }
  return { t: values, base, exact: false }
}

// ---------------------------------------------------------------------------------------------------------------
// Windows
// ---------------------------------------------------------------------------------------------------------------

/** Window starting at `s` lies after `t` (Polars' `is_past`). */
const startsAfter = (s: bigint, t: bigint, closed: Closed): boolean => (closed === "left" || closed === "both" ? s > t : s >= t)

/** A duration's length in axis units with months as 31 days, as Polars' `nte_duration` (used for strides). */
const minUnits = (d: Duration, axis: Axis): bigint => {
  if (axis.kind === "index") return d.nanos
  const ns = (BigInt(d.months) * 31n + BigInt(d.weeks) * 7n + BigInt(d.days)) * 86_400_000_000_000n + d.nanos
  const u = ns / NS_PER[axis.unit]
  return u > 0n ? u : 1n
}

/**
 * Start of the first window of a group whose first time is `t0`, as Polars' `group_by_dynamic`:
 * - `datapoint`: `t0`;
 * - `windowBound`: `truncate(t0, every) + offset`;
 * - a weekday: the Monday (local time) of `t0`'s week, plus the weekday, plus `offset`;
 * then (except `datapoint`), when that start lies after `t0`, moved back by whole `every` steps until it does
 * not (Polars' `ensure_t_in_or_in_front_of_window`: the stride is the gap over `every`, months as 31 days).
 * Windows from there on that hold no row are skipped by the caller.
 */
export const firstStart = (t0: bigint, spec: WindowSpec, axis: Axis): bigint => {
  const { every, closed } = spec
  if (spec.startBy === "datapoint") return t0
  let s: bigint
  if (spec.startBy === "windowBound" || spec.startBy === "window") s = truncateValue(t0, every, axis)
  else {
    const week = T.parseDuration("1w") as Duration
    s = truncateValue(t0, week, axis)
    const wd = WEEKDAYS.indexOf(spec.startBy)
    if (wd > 0) s = addDuration(s, T.parseDuration(`${wd}d`) as Duration, axis)
  }
  s = addDuration(s, spec.offset, axis)
  const nte = minUnits(every, axis)
  let guard = 0
  while (startsAfter(s, t0, closed) && guard++ < 1_000_000) {
    let gap = s - t0
    if (closed === "right" || closed === "none") gap += 1n
    let stride = (gap + nte - 1n) / nte
    if (stride < 1n) stride = 1n
    s = addDuration(s, every, axis, -Number(stride))
  }
  return s
}

const floorDiv = (a: bigint, b: bigint): bigint => {
  const q = a / b
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q
}

class Growable {
  lower = new BigInt64Array(64)
  upper = new BigInt64Array(64)
  start = new Int32Array(64)
  len = new Int32Array(64)
  group = new Int32Array(64)
  count = 0
  push(lo: bigint, hi: bigint, start: number, len: number, group: number): void {
    if (this.count === this.start.length) {
      const cap = this.count * 2
      const l = new BigInt64Array(cap)
      l.set(this.lower)
      this.lower = l
      const u = new BigInt64Array(cap)
      u.set(this.upper)
      this.upper = u
      const s = new Int32Array(cap)
      s.set(this.start)
      this.start = s
      const n = new Int32Array(cap)
      n.set(this.len)
      this.len = n
      const g = new Int32Array(cap)
      g.set(this.group)
      this.group = g
    }
    const c = this.count++
    this.lower[c] = lo
    this.upper[c] = hi
    this.start[c] = start
    this.len[c] = len
    this.group[c] = group
  }
  /** Moves windows [from, to) down to `at` and truncates after them. */
  keep(at: number, from: number, to: number): void {
    if (from !== at) {
      this.lower.copyWithin(at, from, to)
      this.upper.copyWithin(at, from, to)
      this.start.copyWithin(at, from, to)
      this.len.copyWithin(at, from, to)
      this.group.copyWithin(at, from, to)
    }
    this.count = at + (to - from)
  }
}

/**
 * The windows of every group (see the module doc). Empty windows are left out unless `spec.emit`, in which case
 * every window between the first and the last non-empty one of a group is kept. `startAt` overrides the first
 * window's start (callers with one group that place their own grid, as `resample`).
 */
export const computeWindows = (axis: Axis, part: Partition, spec: WindowSpec, startAt?: bigint, times?: RowTimes): Windows => {
  const { perm, offsets } = part
  const values = axis.values
  const rt = times ?? rowTimes(values)
  const tt = rt.t
  const exact = rt.exact
  const base = rt.base
  const toRow = (x: bigint): number | bigint => (exact ? Number(x - base) : x)
  const { closed, every, period, emit } = spec
  const leftIn = closed === "left" || closed === "both"
  const rightIn = closed === "right" || closed === "both"
  const e = fixedUnits(every, axis)
  const p = fixedUnits(period, axis)
  const fixed = e !== undefined && p !== undefined
  const out = new Growable()
  let overlapping = false
  const G = offsets.length - 1
  for (let g = 0; g < G; g++) {
    const a = offsets[g]!
    const b = offsets[g + 1]!
    if (b <= a) continue
    const t0 = values[perm[a]!]!
    const end = values[perm[b - 1]!]! + 1n
    let s = startAt ?? firstStart(t0, spec, axis)
    let lo = a
    let hi = a
    const groupAt = out.count
    let firstNonEmpty = -1
    let lastNonEmpty = -1
    let prevEnd = -1
    while (s < end) {
      const stop = p !== undefined ? s + p : addDuration(s, period, axis)
      const sR = toRow(s)
      const eR = toRow(stop)
      if (leftIn) while (lo < b && tt[perm[lo]!]! < sR) lo++
      else while (lo < b && tt[perm[lo]!]! <= sR) lo++
      if (hi < lo) hi = lo
      if (rightIn) while (hi < b && tt[perm[hi]!]! <= eR) hi++
      else while (hi < b && tt[perm[hi]!]! < eR) hi++
      const len = hi - lo
      if (len > 0) {
        if (lo < prevEnd) overlapping = true
        prevEnd = hi
        if (firstNonEmpty < 0) firstNonEmpty = out.count
        lastNonEmpty = out.count
        out.push(s, stop, lo, len, g)
      } else if (emit) {
        if (firstNonEmpty >= 0) out.push(s, stop, lo, 0, g)
      } else {
        if (lo >= b) break
        const t = values[perm[lo]!]!
        if (fixed) {
          // Jump to the first window that does not end before the next row.
          const num = t - stop
          const k = closed === "left" || closed === "none" ? floorDiv(num, e) + 1n : -floorDiv(-num, e)
          if (k >= 1n) {
            s += k * e
            continue
          }
        } else {
          // Calendar steps past an empty window: Polars (0.26, `BoundsIter::get_stride` / `nth`) jumps towards the
          // next row with one `every * stride` step from the next start, the stride estimated with months as 31
          // days (never overshooting); with month-end clamping that can differ from stepping one month at a time
          // (Jan 31 + 3mo is Apr 30, three single steps give Apr 28), so do exactly the same. A gap of at most
          // `every + period` is stepped one window at a time.
          const next = addDuration(s, every, axis)
          const gap = t - next
          const eN = minUnits(every, axis)
          const pN = minUnits(period, axis)
          if (next < end && gap > eN + pN) {
            const stride = (gap - pN) / eN
            s = addDuration(next, every, axis, Number(stride))
            continue
          }
        }
      }
      s = e !== undefined ? s + e : addDuration(s, every, axis)
    }
    if (emit) {
      if (firstNonEmpty < 0) out.keep(groupAt, groupAt, groupAt)
      else out.keep(groupAt, firstNonEmpty, lastNonEmpty + 1)
    }
  }
  const c = out.count
  return {
    count: c,
    lower: out.lower.slice(0, c),
    upper: out.upper.slice(0, c),
    start: out.start.slice(0, c),
    len: out.len.slice(0, c),
    group: out.group.slice(0, c),
    perm,
    groupFirstRow: part.firstRow,
    overlapping
  }
}

/** Per-window label values: the lower bound, the upper bound, or the first time in the window (lower if empty). */
export const labels = (w: Windows, label: Label, values: BigInt64Array): BigInt64Array => {
  if (label === "left") return w.lower
  if (label === "right") return w.upper
  const out = new BigInt64Array(w.count)
  const f = w.firstRowOf
  for (let k = 0; k < w.count; k++) {
    const row = f !== undefined ? f[k]! : w.len[k]! > 0 ? w.perm[w.start[k]!]! : -1
    out[k] = row >= 0 ? values[row]! : w.lower[k]!
  }
  return out
}

/**
 * Rows-to-windows assignment as groups for the aggregation engine.
 * - Disjoint windows: `ids` over the original rows (window index; rows in no window go to a trailing extra group
 *   that callers drop), so no column is copied.
 * - Overlapping windows: `rows` lists the (window, row) pairs' rows (gather the columns with it) and `ids` their
 *   windows.
 */
export interface WindowGroups {
  readonly rows: Int32Array | null
  readonly ids: Int32Array
  /** Number of groups including the trailing "no window" group when present. */
  readonly count: number
  readonly firstRow: Int32Array
}

export const windowGroups = (w: Windows, n: number): WindowGroups => {
  const W = w.count
  const { perm, start, len } = w
  if (!w.overlapping) {
    const ids = new Int32Array(n).fill(W)
    let covered = 0
    const firstRow = new Int32Array(W + 1).fill(-1)
    for (let k = 0; k < W; k++) {
      const s = start[k]!
      const e = s + len[k]!
      covered += e - s
      for (let j = s; j < e; j++) ids[perm[j]!] = k
      if (e > s) firstRow[k] = perm[s]!
    }
    if (covered === n) return { rows: null, ids, count: W, firstRow: firstRow.subarray(0, W) }
    for (let i = 0; i < n; i++)
      if (ids[i] === W) {
        firstRow[W] = i
        break
      }
    return { rows: null, ids, count: W + 1, firstRow }
  }
  let total = 0
  for (let k = 0; k < W; k++) total += len[k]!
  const rows = new Int32Array(total)
  const ids = new Int32Array(total)
  const firstRow = new Int32Array(W).fill(-1)
  let q = 0
  for (let k = 0; k < W; k++) {
    const s = start[k]!
    const e = s + len[k]!
    if (e > s) firstRow[k] = q
    for (let j = s; j < e; j++) {
      rows[q] = perm[j]!
      ids[q++] = k
    }
  }
  return { rows, ids, count: W, firstRow }
}

// ---------------------------------------------------------------------------------------------------------------
// Fast path: fixed, non-overlapping windows in one sequential pass
// ---------------------------------------------------------------------------------------------------------------

export interface FastResult {
  readonly windows: Windows
  readonly groups: WindowGroups
  /** First row (row order) smaller than the previous row of its group, or -1. */
  readonly unsorted: number
}

/**
 * Windows of fixed `every` and `period` that cannot share a row (`period < every`, or `period = every` unless
 * closed "both"), on an axis whose span fits exact float64 offsets: one pass over the rows in their original order,
 * with per-group state (no row permutation). Each row's window index is `k = floor((t - start) / every)` from its
 * group's first start, checked exactly against the window's bounds; windows are numbered by group rank, then k.
 * Also checks sortedness within groups. Returns undefined when the case does not apply.
 */
export const fastWindows = (axis: Axis, keys: ReadonlyArray<Column>, n: number, spec: WindowSpec): FastResult | undefined => {
  const e = fixedUnits(spec.every, axis)
  const p = fixedUnits(spec.period, axis)
  if (e === undefined || p === undefined || n === 0) return undefined
  if (p > e || (p === e && spec.closed === "both")) return undefined
  if (e >= 1n << 50n) return undefined
  const eN = Number(e)
  const pN = Number(p)
  const values = axis.values
  // groups: ids in first-appearance order, ranked by key (nulls last)
  let gid: Int32Array | null = null
  let G = 1
  let firstRows: Int32Array = Int32Array.of(0)
  let rank: Int32Array = Int32Array.of(0)
  if (keys.length > 0) {
    const groups = groupIds(keys, n)
    gid = groups.ids
    G = groups.count
    firstRows = groups.firstRow
    const order = sortIndices(
      keys.map((k) => C.take(k, groups.firstRow)),
      keys.map(() => false),
      keys.map(() => true)
    )
    rank = new Int32Array(G)
    for (let r = 0; r < G; r++) rank[order[r]!] = r
  }
  // first window start per group, as offsets from the first row's value (exact while |offset| < 2^51)
  const base = values[0]!
  const s0 = new Float64Array(G)
  const s0Big = new BigInt64Array(G)
  for (let g = 0; g < G; g++) {
    const st = firstStart(values[firstRows[g]!]!, spec, axis)
    s0Big[g] = st
    const d = st - base
    if (d >= 1n << 51n || d <= -(1n << 51n)) return undefined
    s0[g] = Number(d)
  }
  const w32 = new Int32Array(values.buffer, values.byteOffset, 2 * n)
  const u32 = new Uint32Array(values.buffer, values.byteOffset, 2 * n)
  const bh = w32[1]!
  const bl = u32[0]!
  const LIMIT = 2 ** 51
  const leftIn = spec.closed === "left" || spec.closed === "both"
  const rightIn = spec.closed === "right" || spec.closed === "both"
  const emit = spec.emit
  // pass 1 (row order): each row's window ordinal within its group (-1: in no window), sortedness, window counts
  const ids = new Int32Array(n)
  const last = new Float64Array(G).fill(-Infinity)
  const lastK = new Float64Array(G).fill(-1)
  const kFirst = new Float64Array(G).fill(-1)
  const winCount = new Int32Array(G)
  let unsorted = -1
  for (let i = 0; i < n; i++) {
    const g = gid === null ? 0 : gid[i]!
    const t = (w32[2 * i + 1]! - bh) * TWO32 + (u32[2 * i]! - bl)
    if (t >= LIMIT || t <= -LIMIT) return undefined
    if (t < last[g]!) {
      unsorted = i
      break
    }
    last[g] = t
    const rel = t - s0[g]!
    let k = Math.floor(rel / eN)
    let lo = k * eN
    if (!leftIn && rel === lo) {
      k -= 1
      lo -= eN
    }
    const d = rel - lo
    if (rightIn ? d > pN : d >= pN) {
      ids[i] = -1
      continue
    }
    if (k !== lastK[g]) {
      if (kFirst[g]! < 0) kFirst[g] = k
      lastK[g] = k
      winCount[g]!++
    }
    const ord = emit ? k - kFirst[g]! : winCount[g]! - 1
    if (ord >= 2 ** 31) return undefined
    ids[i] = ord
  }
  if (unsorted >= 0) return { windows: undefined as never, groups: undefined as never, unsorted }
  if (emit) for (let g = 0; g < G; g++) winCount[g] = kFirst[g]! < 0 ? 0 : lastK[g]! - kFirst[g]! + 1
  // window numbering: by group rank, then k
  const byRank = new Int32Array(G)
  for (let g = 0; g < G; g++) byRank[rank[g]!] = g
  const baseId = new Int32Array(G)
  let W = 0
  for (let r = 0; r < G; r++) {
    const g = byRank[r]!
    baseId[g] = W
    W += winCount[g]!
  }
  const len = new Int32Array(W)
  const firstRowOf = new Int32Array(W).fill(-1)
  // pass 2: global window ids (rows in no window go to group W)
  let unassigned = 0
  let firstUnassigned = -1
  for (let i = 0; i < n; i++) {
    const o = ids[i]!
    if (o < 0) {
      ids[i] = W
      if (unassigned++ === 0) firstUnassigned = i
      continue
    }
    const w = baseId[gid === null ? 0 : gid[i]!]! + o
    ids[i] = w
    if (len[w]++ === 0) firstRowOf[w] = i
  }
  // bounds: k = first k of the group + ordinal (emit), or the k of the window's first row (skip)
  const lower = new BigInt64Array(W)
  const upper = new BigInt64Array(W)
  const group = new Int32Array(W)
  const groupFirstRow = new Int32Array(G)
  for (let r = 0; r < G; r++) {
    const g = byRank[r]!
    groupFirstRow[r] = firstRows[g]!
    for (let j = 0; j < winCount[g]!; j++) {
      const w = baseId[g]! + j
      group[w] = r
      let k: number
      if (emit) k = kFirst[g]! + j
      else {
        const row = firstRowOf[w]!
        const t = (w32[2 * row + 1]! - bh) * TWO32 + (u32[2 * row]! - bl)
        const rel = t - s0[g]!
        k = Math.floor(rel / eN)
        if (!leftIn && rel === k * eN) k -= 1
      }
      const lo = s0Big[g]! + BigInt(k) * e
      lower[w] = lo
      upper[w] = lo + p
    }
  }
  const firstRow = new Int32Array(unassigned > 0 ? W + 1 : W)
  firstRow.set(firstRowOf)
  if (unassigned > 0) firstRow[W] = firstUnassigned
  const EMPTY = new Int32Array(0)
  return {
    windows: { count: W, lower, upper, start: EMPTY, len, group, perm: EMPTY, groupFirstRow, overlapping: false, firstRowOf },
    groups: { rows: null, ids, count: unassigned > 0 ? W + 1 : W, firstRow },
    unsorted: -1
  }
}

/**
 * Fused OHLCV over disjoint windows: one pass over the rows (row order = time order within a group) with per-window
 * state. Same results as the expressions first/max/min/last/sum/sum(px·qty)/sum(qty)/len (sums in row order);
 * returns undefined when a price is NaN (the expressions' NaN rules then apply). Window ids ≥ `W` are skipped.
 */
export const ohlcvKernel = (
  px: Float64Array,
  qty: Float64Array,
  ids: Int32Array,
  W: number
): Array<{ readonly name: string; readonly column: Column }> | undefined => {
  const n = ids.length
  const open = new Float64Array(W)
  const high = new Float64Array(W)
  const low = new Float64Array(W)
  const close = new Float64Array(W)
  const vol = new Float64Array(W)
  const pv = new Float64Array(W)
  const cnt = new Uint32Array(W)
  for (let i = 0; i < n; i++) {
    const w = ids[i]!
    if (w >= W) continue
    const p = px[i]!
    if (Number.isNaN(p)) return undefined
    const q = qty[i]!
    if (cnt[w]++ === 0) {
      open[w] = p
      high[w] = p
      low[w] = p
    } else {
      if (p > high[w]!) high[w] = p
      if (p < low[w]!) low[w] = p
    }
    close[w] = p
    vol[w]! += q
    pv[w]! += p * q
  }
  const has = new Uint8Array(W)
  let empty = false
  const vwap = new Float64Array(W)
  for (let w = 0; w < W; w++) {
    vwap[w] = pv[w]! / vol[w]!
    if (cnt[w]! > 0) has[w] = 1
    else empty = true
  }
  const validity = empty ? Bits.pack(has, W) : null
  const f = (name: string, v: Float64Array, valid: Uint8Array | null): { name: string; column: Column } => ({
    name,
    column: C.make(DT.Float64, W, v, valid)
  })
  return [
    f("open", open, validity),
    f("high", high, validity),
    f("low", low, validity),
    f("close", close, validity),
    f("volume", vol, null),
    f("vwap", vwap, null),
    { name: "trades", column: C.make(DT.UInt32, W, cnt, null) }
  ]
}
