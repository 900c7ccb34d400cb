/**
 * Rolling-window kernels, as Polars `rolling_*` (windows by row count) and `rolling_*_by` / `DataFrame.rolling`
 * (windows by a time or integer index column).
 *
 * Every window is a half-open row range `[lo[i], hi[i])` per output row `i`, with `lo` and `hi` non-decreasing in
 * `i` (true for count windows, centred or not, and for look-back windows over a sorted index). One sliding pass then
 * serves every aggregation: values enter as `hi` advances and leave as `lo` advances.
 * - sum / mean: Neumaier-compensated running sums of the finite values (NaN and ±Inf are counted apart, so a NaN
 *   leaving the window stops poisoning it), recomputed from scratch periodically;
 * - var / std: compensated running sums of shifted values and squares (exact on integers; constant windows give
 *   exactly 0), rebuilt periodically and where cancellation dominates;
 * - min / max: a monotonic deque of row indices (each row is pushed once: a plain Int32Array with head/tail);
 * - median / quantile: a sorted buffer of the window's values (binary search, `copyWithin` insertion/removal);
 * - count, and a custom JS aggregation over a Float64Array view of the window's non-null values (slow path).
 * Nulls are skipped; a window with fewer than `minSamples` non-null values gives null.
 *
 * Partitions (`over`) are handled by `partition`: rows are gathered so that each group is contiguous (segments),
 * windows never cross a segment, and results are scattered back.
 * @internal
 */
import type { QuantileInterpolation } from "../../Expr/Expr.ts"
import * as DT from "../../Frame/DataType.ts"
import type { DataType, TimeUnit } from "../../Frame/DataType.ts"
import * as Bits from "../bitmap.ts"
import * as C from "../column.ts"
import type { Column } from "../column.ts"
import { toFloat64 } from "./agg.ts"
import type { Groups } from "./hash.ts"
import { type Duration, offsetValues } from "./temporal.ts"

export type RollingFn = "sum" | "mean" | "min" | "max" | "std" | "var" | "median" | "quantile" | "count" | "map"

export interface RollingParams {
  readonly minSamples: number
  /** std / var. */
  readonly ddof: number
  /** quantile. */
  readonly q: number
  readonly interpolation: QuantileInterpolation
  /** map: the custom aggregation (null = null output). */
  readonly map?: ((window: Float64Array) => number | null) | undefined
}

export interface Bounds {
  readonly lo: Int32Array
  readonly hi: Int32Array
}

/** A failure of a kernel: message and first offending row (in the caller's row order). */
export interface KernelFailure {
  readonly error: string
  readonly row?: number
  readonly kind?: "NotSorted" | "Null"
}

export const isKernelFailure = (u: unknown): u is KernelFailure => typeof u === "object" && u !== null && "error" in u

// ---------------------------------------------------------------------------------------------------------------
// partitions
// ---------------------------------------------------------------------------------------------------------------

/**
 * Rows gathered by group: `perm[k]` is the row at position k (null = identity), `inverse[row]` its position,
 * `offsets` the segment boundaries (one segment per group, in order of first appearance).
 */
export interface Partition {
  readonly perm: Int32Array | null
  readonly inverse: Int32Array | null
  readonly offsets: Int32Array
}

export const partition = (n: number, groups?: Groups): Partition => {
  if (groups === undefined || groups.count <= 1) return { perm: null, inverse: null, offsets: Int32Array.of(0, n) }
  const G = groups.count
  const ids = groups.ids
  const offsets = new Int32Array(G + 1)
  for (let i = 0; i < n; i++) offsets[ids[i]! + 1]!++
  for (let g = 0; g < G; g++) offsets[g + 1]! += offsets[g]!
  const pos = offsets.slice(0, G)
  const perm = new Int32Array(n)
  let identity = true
  for (let i = 0; i < n; i++) {
    const k = pos[ids[i]!]!++
    perm[k] = i
    if (k !== i) identity = false
  }
  if (identity) return { perm: null, inverse: null, offsets }
  const inverse = new Int32Array(n)
  for (let k = 0; k < n; k++) inverse[perm[k]!] = k
  return { perm, inverse, offsets }
}

/** Gathers a column into partition order. */
export const gather = (p: Partition, col: Column): Column => (p.perm === null ? col : C.take(col, p.perm))
/** Scatters a result (in partition order) back to row order. */
export const scatter = (p: Partition, col: Column): Column => (p.inverse === null ? col : C.take(col, p.inverse))
/** The original row of position k. */
export const rowOf = (p: Partition, k: number): number => (p.perm === null ? k : p.perm[k]!)

// ---------------------------------------------------------------------------------------------------------------
// window bounds
// ---------------------------------------------------------------------------------------------------------------

/**
 * Windows of `windowSize` rows within each segment: trailing (rows `i - w + 1 .. i`, as Polars) or centred
 * (rows `i - floor(w / 2) .. i - floor(w / 2) + w - 1`, as Polars `center=True`), clipped to the segment.
 */
export const countBounds = (offsets: Int32Array, windowSize: number, center: boolean): Bounds => {
  const n = offsets[offsets.length - 1]!
  const lo = new Int32Array(n)
  const hi = new Int32Array(n)
  const before = center ? windowSize >> 1 : windowSize - 1
  for (let s = 0; s + 1 < offsets.length; s++) {
    const a = offsets[s]!
    const b = offsets[s + 1]!
    for (let i = a; i < b; i++) {
      const l = i - before
      const h = l + windowSize
      lo[i] = Math.max(l, a)
      hi[i] = Math.min(h, b)
    }
  }
  return { lo, hi }
}

export type ClosedWindow = "left" | "right" | "both" | "none"

/** Index keys of a time or integer column as exact doubles (offsets from a base), or a failure. */
export interface TimeKeys {
  /** `t[i]` = value of row i minus the base, in the column's unit (ms for Date). */
  readonly t: Float64Array
  /** Lower and upper window keys per row (same units and base). */
  readonly lo: Float64Array
  readonly hi: Float64Array
}

const TWO32 = 4294967296
const NS_PER: Record<TimeUnit, bigint> = { ns: 1n, us: 1000n, ms: 1_000_000n, s: 1_000_000_000n }

/** Whether a dtype can index windows by duration: Date, Timestamp, Int32, Int64 (and other integers). */
export const isIndexType = (t: DataType): boolean =>
  t._tag === "Date" || t._tag === "Timestamp" || t._tag === "Int32" || t._tag === "Int64" || t._tag === "Int16" || t._tag === "UInt32" || t._tag === "UInt16" || t._tag === "Int8" || t._tag === "UInt8"

/** Fixed length of a duration in the index's units, or undefined when it is calendar-dependent here. */
export const fixedLength = (d: Duration, t: DataType): number | undefined => {
  if (d.index) return Number(d.nanos)
  const tz = t._tag === "Timestamp" ? t.timeZone : null
  if (d.months !== 0) return undefined
  if ((d.weeks !== 0 || d.days !== 0) && tz !== null) return undefined
  const nanos = d.nanos + BigInt(d.weeks * 7 + d.days) * 86_400_000_000_000n
  const unit: TimeUnit = t._tag === "Timestamp" ? t.unit : "ms"
  const per = NS_PER[unit]
  if (nanos % per !== 0n) return Number(nanos) / Number(per)
  return Number(nanos / per)
}

/** Checks that a duration fits an index dtype ("i" durations for integers, time units for Date/Timestamp). */
export const durationProblem = (d: Duration, t: DataType): string | undefined => {
  if (DT.isInteger(t)) return d.index ? undefined : `an integer index needs an index duration such as "10i"`
  if (d.index) return `an index duration ("i") needs an integer index column, not ${DT.format(t)}`
  return undefined
}

/**
 * Window keys for look-back windows `[t + offset, t + offset + period]` (ends chosen by `closed` later) of an
 * index column with no nulls. Fixed durations are added to the values; calendar ones (months, or days/weeks in a
 * time zone) go through `offsetValues` in the column's zone. Values are offsets from the first value, exact
 * while the column's span fits in 2^53 units; otherwise a failure.
 */
export const timeKeys = (by: Column, period: Duration, offset: Duration): TimeKeys | KernelFailure => {
  const n = by.length
  const t = by.dtype
  const keys = new Float64Array(n)
  let big: BigInt64Array | null = null
  let unit: TimeUnit = "ms"
  if (t._tag === "Timestamp" || t._tag === "Int64") {
    big = by.values as BigInt64Array
    if (t._tag === "Timestamp") unit = t.unit
  } else if (t._tag === "Date") {
    const d = by.values as Int32Array
    for (let i = 0; i < n; i++) keys[i] = d[i]! * 86_400_000
  } else {
    const v = toFloat64(by)
    for (let i = 0; i < n; i++) keys[i] = v[i]!
  }
  let base = 0n
  if (big !== null && n > 0) {
    base = big[0]!
    const w = new Int32Array(big.buffer, big.byteOffset, 2 * n)
    const bHi = Number(base >> 32n)
    const bLo = Number(base & 0xffffffffn)
    for (let i = 0; i < n; i++) {
      const x = (w[2 * i + 1]! - bHi) * TWO32 + ((w[2 * i]! >>> 0) - bLo)
      if (!(Math.abs(x) <= Number.MAX_SAFE_INTEGER))
        return { error: `the index column spans more than 2^53 ${unit} (row ${i}); use a coarser time unit` }
      keys[i] = x
    }
  }
  const fixedP = fixedLength(period, t)
  const fixedO = fixedLength(offset, t)
  const lo = new Float64Array(n)
  const hi = new Float64Array(n)
  if (fixedP !== undefined && fixedO !== undefined) {
    const o = offset.negative ? -fixedO : fixedO
    const p = period.negative ? -fixedP : fixedP
    for (let i = 0; i < n; i++) {
      lo[i] = keys[i]! + o
      hi[i] = lo[i]! + p
    }
    return { t: keys, lo, hi }
  }
  // Calendar durations: exact instants through the zone rules.
  const tz = t._tag === "Timestamp" ? t.timeZone : null
  let values: BigInt64Array
  if (big !== null) values = big
  else {
    values = new BigInt64Array(n)
    for (let i = 0; i < n; i++) values[i] = BigInt(keys[i]!)
  }
  const starts = offsetValues(values, unit, tz, offset)
  const ends = offsetValues(starts, unit, tz, period)
  const rel = (v: bigint): number => Number(v - base)
  for (let i = 0; i < n; i++) {
    lo[i] = rel(starts[i]!)
    hi[i] = rel(ends[i]!)
  }
  return { t: keys, lo, hi }
}

/**
 * Row bounds of duration windows within each segment (partition order): for row i, the rows j of its segment with
 * `lo[i] < t[j] <= hi[i]` (closed "right", Polars' default), `[lo, hi)` ("left"), `[lo, hi]` ("both"), `(lo, hi)`
 * ("none"). The index must be sorted within each segment: otherwise a `NotSorted` failure at the first offending
 * position (the caller maps it to a row).
 */
export const durationBounds = (keys: TimeKeys, offsets: Int32Array, closed: ClosedWindow): Bounds | KernelFailure => {
  const { t, lo: L, hi: H } = keys
  const n = t.length
  const lo = new Int32Array(n)
  const hi = new Int32Array(n)
  const strictLo = closed === "right" || closed === "none"
  const strictHi = closed === "left" || closed === "none"
  for (let s = 0; s + 1 < offsets.length; s++) {
    const a = offsets[s]!
    const b = offsets[s + 1]!
    for (let i = a + 1; i < b; i++) if (t[i]! < t[i - 1]!) return { error: "the index column is not sorted ascending", row: i, kind: "NotSorted" }
    let p = a
    let q = a
    for (let i = a; i < b; i++) {
      const l = L[i]!
      const h = H[i]!
      if (strictLo) while (p < b && t[p]! <= l) p++
      else while (p < b && t[p]! < l) p++
      if (q < p) q = p
      if (strictHi) while (q < b && t[q]! < h) q++
      else while (q < b && t[q]! <= h) q++
      lo[i] = p
      hi[i] = q
    }
  }
  return { lo, hi }
}

// ---------------------------------------------------------------------------------------------------------------
// output dtypes
// ---------------------------------------------------------------------------------------------------------------

const isMomentInput = (t: DataType): boolean => (DT.isNumeric(t) && t._tag !== "Decimal") || t._tag === "Boolean" || t._tag === "Null"

/**
 * Output dtype of a rolling aggregation, or what was expected. sum: integers → Int64 (UInt64 stays), floats and
 * Boolean → Float64 / UInt32... (see table in docs); min/max keep the dtype (numeric, Date, Timestamp, Duration);
 * mean, std, var, median, quantile, map → Float64; count → UInt32.
 */
export const rollingOutputType = (fn: RollingFn, t: DataType, weighted: boolean): DataType | { readonly expected: string } => {
  switch (fn) {
    case "count":
      return DT.UInt32
    case "sum":
      if (weighted) return isMomentInput(t) ? DT.Float64 : { expected: "a numeric column" }
      if (t._tag === "UInt64") return DT.UInt64
      if (DT.isInteger(t) || t._tag === "Null") return DT.Int64
      if (DT.isFloat(t)) return DT.Float64
      if (t._tag === "Boolean") return DT.UInt32
      return { expected: "a numeric or Boolean column" }
    case "min":
    case "max":
      if (weighted) return isMomentInput(t) ? DT.Float64 : { expected: "a numeric column" }
      if (isMomentInput(t) || t._tag === "Date" || t._tag === "Timestamp" || t._tag === "Duration") return t
      return { expected: "a numeric or temporal column" }
    default:
      return isMomentInput(t) ? DT.Float64 : { expected: "a numeric or Boolean column" }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// the sliding pass
// ---------------------------------------------------------------------------------------------------------------

const validBits = (col: Column): Uint8Array | null => (col.nullCount === 0 ? null : col.validity)

const f64Out = (out: Float64Array, has: Uint8Array, n: number): Column => C.make(DT.Float64, n, out, Bits.pack(has, n))

/** Recompute sliding sums after this many updates (at least the window length, so amortized O(1)). */
const RECOMPUTE = 4096

/**
 * Applies `fn` over windows `[lo[i], hi[i])` of `col` (partition order). `col` must have the dtype the function
 * accepts (`rollingOutputType`). Returns a column of `col.length` rows in the output dtype.
 */
export const rollingAgg = (fn: RollingFn, col: Column, b: Bounds, params: RollingParams): Column => {
  const n = col.length
  if (col.dtype._tag === "Null") return C.nulls(rollingOutputType(fn, col.dtype, false) as DataType, n)
  switch (fn) {
    case "min":
    case "max":
      return minMax(fn === "max", col, b, params.minSamples)
    case "median":
      return quantiles(col, b, params.minSamples, 0.5, "linear")
    case "quantile":
      return quantiles(col, b, params.minSamples, params.q, params.interpolation)
    case "map":
      return mapWindows(col, b, params)
    case "var":
    case "std":
      return variance(fn === "std", col, b, params.minSamples, params.ddof)
    default:
      return sums(fn, col, b, params.minSamples)
  }
}

/** sum, mean, count. */
const sums = (fn: "sum" | "mean" | "count", col: Column, b: Bounds, minSamples: number): Column => {
  const n = col.length
  const { lo, hi } = b
  const valid = validBits(col)
  const t = col.dtype
  const v = toFloat64(col)
  const big = t._tag === "Int64" || t._tag === "UInt64"
  // Int64 sums are exact through doubles only while every window sum stays below 2^53.
  if (fn === "sum" && big) {
    let maxAbs = 0
    let maxLen = 0
    for (let i = 0; i < n; i++) {
      const a = Math.abs(v[i]!)
      if (a > maxAbs) maxAbs = a
      const l = hi[i]! - lo[i]!
      if (l > maxLen) maxLen = l
    }
    if (maxAbs * maxLen >= 2 ** 53) return bigSums(col, b, minSamples)
  }
  if (valid === null && fn !== "count" && t._tag === "Float64") return denseSums(fn === "mean", v as Float64Array, b, minSamples)
  const out = new Float64Array(n)
  const has = new Uint8Array(n)
  let cnt = 0
  let nan = 0
  let pinf = 0
  let ninf = 0
  let sum = 0
  let comp = 0
  let curLo = 0
  let curHi = 0
  let updates = 0
  for (let i = 0; i < n; i++) {
    const l = lo[i]!
    const h = hi[i]!
    if (l >= curHi || updates > RECOMPUTE + (h - l)) {
      // Restart (disjoint window) or periodic recompute: the window is re-added below, not counted as updates.
      curLo = l
      curHi = l
      cnt = nan = pinf = ninf = 0
      sum = comp = 0
      updates = l - h
    }
    while (curHi < h) {
      const j = curHi++
      if (valid !== null && (valid[j >> 3]! & (1 << (j & 7))) === 0) continue
      cnt++
      const x = v[j]!
      if (x - x !== 0) {
        if (Number.isNaN(x)) nan++
        else if (x > 0) pinf++
        else ninf++
        continue
      }
      const s = sum + x
      comp += Math.abs(sum) >= Math.abs(x) ? sum - s + x : x - s + sum
      sum = s
      updates++
    }
    while (curLo < l) {
      const j = curLo++
      if (valid !== null && (valid[j >> 3]! & (1 << (j & 7))) === 0) continue
      cnt--
      const x = -v[j]!
      if (x - x !== 0) {
        if (Number.isNaN(x)) nan--
        else if (x < 0) pinf--
        else ninf--
        continue
      }
      const s = sum + x
      comp += Math.abs(sum) >= Math.abs(x) ? sum - s + x : x - s + sum
      sum = s
      updates++
    }
    if (fn === "count") {
      if (cnt >= minSamples) {
        out[i] = cnt
        has[i] = 1
      }
      continue
    }
    if (cnt < minSamples || (fn === "mean" && cnt === 0)) continue
    has[i] = 1
    let r: number
    if (nan > 0 || (pinf > 0 && ninf > 0)) r = Number.NaN
    else if (pinf > 0) r = Infinity
    else if (ninf > 0) r = -Infinity
    else r = sum + comp
    out[i] = fn === "mean" ? r / cnt : r
  }
  if (fn === "count") return C.make(DT.UInt32, n, Uint32Array.from(out), Bits.pack(has, n))
  if (fn === "sum") {
    const ot = rollingOutputType("sum", t, false) as DataType
    if (ot._tag === "Int64" || ot._tag === "UInt64") {
      const o = ot._tag === "UInt64" ? new BigUint64Array(n) : new BigInt64Array(n)
      const w = new Int32Array(o.buffer)
      for (let i = 0; i < n; i++) {
        const x = out[i]!
        const hiW = Math.floor(x / TWO32)
        w[2 * i] = (x - hiW * TWO32) | 0
        w[2 * i + 1] = hiW | 0
      }
      return C.make(ot, n, o, Bits.pack(has, n))
    }
    if (ot._tag === "UInt32") return C.make(ot, n, Uint32Array.from(out), Bits.pack(has, n))
  }
  return f64Out(out, has, n)
}

/**
 * Special values (NaN, ±Inf) of `v[l..h)` summed: NaN when there is a NaN or both infinities, else the infinity.
 * Only called for windows holding a non-finite value (rare).
 */
const specialSum = (v: Float64Array, l: number, h: number): number => {
  let nan = 0
  let pinf = 0
  let ninf = 0
  for (let j = l; j < h; j++) {
    const x = v[j]!
    if (Number.isNaN(x)) nan++
    else if (x === Infinity) pinf++
    else if (x === -Infinity) ninf++
  }
  return nan > 0 || (pinf > 0 && ninf > 0) ? Number.NaN : pinf > 0 ? Infinity : -Infinity
}

/** Scratch state of a block of the sliding sums (module-level: no allocation, no closure). */
let blkSum = 0
let blkComp = 0
let blkBad = 0

/** Compensated (TwoSum) sum of the finite values of `v[l..h)` into the block state; non-finite ones counted. */
const rebuildSum = (v: Float64Array, l: number, h: number): void => {
  let sum = 0
  let comp = 0
  let bad = 0
  for (let j = l; j < h; j++) {
    const x = v[j]!
    if (x - x !== 0) bad++
    else {
      const t = sum + x
      const bp = t - sum
      comp += sum - (t - bp) + (x - bp)
      sum = t
    }
  }
  blkSum = sum
  blkComp = comp
  blkBad = bad
}

/**
 * Count windows `[max(i - before, a), min(i - before + w, b))` for output rows `[B, E)` of segment `[a, b)`, the
 * state rebuilt at B. Fast form (`checked` false): no per-value test; returns false when a non-finite value
 * entered (the running sum is then non-finite), and the caller reruns the block checked.
 */
const countBlock = (
  v: Float64Array,
  out: Float64Array,
  a: number,
  b: number,
  B: number,
  E: number,
  w: number,
  before: number,
  mean: boolean,
  checked: boolean
): boolean => {
  rebuildSum(v, Math.max(B - before, a), Math.min(B - before + w, b))
  let sum = blkSum
  let comp = blkComp
  let bad = blkBad
  if (!checked && bad > 0) return false
  for (let i = B; i < E; i++) {
    const l0 = i - before
    const h0 = l0 + w
    const l = Math.max(l0, a)
    const h = Math.min(h0, b)
    const cnt = h - l
    const r = bad > 0 ? specialSum(v, l, h) : sum + comp
    out[i] = mean ? r / cnt : r
    // to the window of row i + 1: row h0 enters, row l0 leaves
    if (h0 < b) {
      const x = v[h0]!
      if (checked && x - x !== 0) bad++
      else {
        const t = sum + x
        const bp = t - sum
        comp += sum - (t - bp) + (x - bp)
        sum = t
      }
    }
    if (l0 >= a) {
      const x = -v[l0]!
      if (checked && x - x !== 0) bad--
      else {
        const t = sum + x
        const bp = t - sum
        comp += sum - (t - bp) + (x - bp)
        sum = t
      }
    }
  }
  return checked || (sum - sum === 0 && comp - comp === 0)
}

/**
 * sum / mean over count windows of a Float64 column without nulls, per segment: bounds computed inline (no bound
 * arrays, no byte mask: the output is written straight into a Float64Array, and only rows whose window holds fewer
 * than `minSamples` rows get a cleared validity bit). Running sums are compensated with Knuth's branch-free TwoSum
 * (the exact rounding error of every update, as Neumaier's without a data-dependent branch) and rebuilt from the
 * window at every block of `RECOMPUTE + windowSize` rows. A block runs without any per-value test; when a
 * non-finite value entered (its running sum is non-finite) it is rerun counting NaN/±Inf apart, and windows holding
 * one are recounted directly.
 */
export const denseCountSums = (
  mean: boolean,
  col: Column,
  windowSize: number,
  center: boolean,
  minSamples: number,
  offsets: Int32Array = Int32Array.of(0, col.length)
): Column => {
  const n = col.length
  const v = (col.values as Float64Array).subarray(0, n)
  const w = windowSize
  const before = center ? w >> 1 : w - 1
  const out = new Float64Array(n)
  const need = Math.max(minSamples, mean ? 1 : 0)
  const block = RECOMPUTE + w
  let validity: Uint8Array | null = null
  for (let s = 0; s + 1 < offsets.length; s++) {
    const a = offsets[s]!
    const b = offsets[s + 1]!
    for (let B = a; B < b; B += block) {
      const E = Math.min(B + block, b)
      if (!countBlock(v, out, a, b, B, E, w, before, mean, false)) countBlock(v, out, a, b, B, E, w, before, mean, true)
    }
    // rows whose window holds fewer than `need` rows: only near the segment's ends
    for (let i = a; i < b; i++) {
      const cnt = Math.min(i - before + w, b) - Math.max(i - before, a)
      if (cnt >= need) {
        if (i - before >= a) break
        continue
      }
      if (validity === null) validity = Bits.allSet(n)
      validity[i >> 3]! &= ~(1 << (i & 7))
      out[i] = 0
    }
    for (let i = b - 1; i >= a; i--) {
      const cnt = Math.min(i - before + w, b) - Math.max(i - before, a)
      if (cnt >= need) {
        if (i - before + w <= b) break
        continue
      }
      if (validity === null) validity = Bits.allSet(n)
      validity[i >> 3]! &= ~(1 << (i & 7))
      out[i] = 0
    }
  }
  return C.make(DT.Float64, n, out, validity)
}

/** Pointers of the duration-window pass between blocks (module-level scratch, no allocation). */
let durP = 0
let durQ = 0
let durValidity: Uint8Array | null = null

/**
 * Duration windows for output rows `[B, E)` of segment `[a, b)`: row i's window is the rows j with `lo < t[j] ≤ hi`
 * (ends per `strictLo`/`strictHi`), lo = t[i] + o, hi = t[i] (`hiIsT`) or lo + period. Keys are read from the
 * 64-bit words as exact offsets from (bHi, bLo). `durP`/`durQ` hold the pointers on entry and exit. Fast form: no
 * per-value test (false when a non-finite value entered: rerun checked from the same pointers).
 */
const durationBlock = (
  v: Float64Array,
  w: Int32Array,
  bHi: number,
  bLo: number,
  out: Float64Array,
  b: number,
  B: number,
  E: number,
  o: number,
  period: number,
  hiIsT: boolean,
  strictLo: boolean,
  strictHi: boolean,
  mean: boolean,
  need: number,
  checked: boolean
): boolean => {
  let p = durP
  let q = durQ
  rebuildSum(v, p, q)
  let sum = blkSum
  let comp = blkComp
  let bad = blkBad
  if (!checked && bad > 0) return false
  for (let i = B; i < E; i++) {
    const ti = (w[2 * i + 1]! - bHi) * TWO32 + ((w[2 * i]! >>> 0) - bLo)
    const l = ti + o
    const h = hiIsT ? ti : l + period
    // rows leaving: key ≤ l (strict lower end) or < l
    for (;;) {
      if (p >= b) break
      const tp = (w[2 * p + 1]! - bHi) * TWO32 + ((w[2 * p]! >>> 0) - bLo)
      if (strictLo ? tp > l : tp >= l) break
      if (p < q) {
        const x = -v[p]!
        if (checked && x - x !== 0) bad--
        else {
          const t = sum + x
          const bp = t - sum
          comp += sum - (t - bp) + (x - bp)
          sum = t
        }
      }
      p++
    }
    if (q < p) q = p
    // rows entering: key < h (strict upper end) or ≤ h
    for (;;) {
      if (q >= b) break
      const tq = (w[2 * q + 1]! - bHi) * TWO32 + ((w[2 * q]! >>> 0) - bLo)
      if (strictHi ? tq >= h : tq > h) break
      const x = v[q]!
      if (checked && x - x !== 0) bad++
      else {
        const t = sum + x
        const bp = t - sum
        comp += sum - (t - bp) + (x - bp)
        sum = t
      }
      q++
    }
    const cnt = q - p
    // an empty window: exactly 0, no residue carried on (unchecked, a non-finite sum must survive to be seen)
    if (cnt === 0 && (checked || sum - sum === 0)) sum = comp = bad = 0
    if (cnt < need) {
      if (durValidity === null) durValidity = Bits.allSet(out.length)
      durValidity[i >> 3]! &= ~(1 << (i & 7))
      out[i] = 0
      continue
    }
    const r = bad > 0 ? specialSum(v, p, q) : sum + comp
    out[i] = mean ? r / cnt : r
  }
  if (!checked && !(sum - sum === 0 && comp - comp === 0)) return false
  durP = p
  durQ = q
  return true
}

/**
 * The unchecked form of `durationBlock` with half-open integer bounds: row i's window is the rows j with
 * `t[i] + oLo ≤ t[j] < t[i] + oHi` (the strict/non-strict ends folded into the integer offsets, exact because every
 * key and bound is an integer below 2^52 in magnitude, checked by the caller, so key + 0.5 is exact too). The key at each pointer is kept
 * between rows (an Infinity sentinel past the segment end), so every key is read once per pointer and the loops
 * have one test each; a separate function with no `checked`/`strict`/`hiIsT` flags keeps V8's code for it the
 * same whichever caller ran first. Returns false when a non-finite value entered (rerun `durationBlock` checked).
 */
const durationBlockFast = (
  v: Float64Array,
  w: Int32Array,
  wu: Uint32Array,
  bHi: number,
  bLo: number,
  out: Float64Array,
  b: number,
  B: number,
  E: number,
  oLo: number,
  oHi: number,
  mean: boolean,
  need: number
): boolean => {
  // keys are offsets + 0.5 with the low word read unsigned (`wu`): never small integers, so V8 compiles the loop on
  // doubles from the first row (integer keys or words that outgrow 31 bits would deoptimize it, "lost precision",
  // and the re-optimized code ran up to 2× slower)
  const bLoH = bLo - 0.5
  let p = durP
  let q = durQ
  rebuildSum(v, p, q)
  let sum = blkSum
  let comp = blkComp
  if (blkBad > 0) return false
  let tp = p < b ? (w[2 * p + 1]! - bHi) * TWO32 + (wu[2 * p]! - bLoH) : Infinity
  let tq = q < b ? (w[2 * q + 1]! - bHi) * TWO32 + (wu[2 * q]! - bLoH) : Infinity
  for (let i = B; i < E; i++) {
    const ti = (w[2 * i + 1]! - bHi) * TWO32 + (wu[2 * i]! - bLoH)
    const lo = ti + oLo
    const hi = ti + oHi
    // rows leaving (key < lo); rows the window never held (p ≥ q) are only skipped
    while (tp < lo) {
      if (p < q) {
        const x = -v[p]!
        const t = sum + x
        const bp = t - sum
        comp += sum - (t - bp) + (x - bp)
        sum = t
      }
      p++
      tp = p < b ? (w[2 * p + 1]! - bHi) * TWO32 + (wu[2 * p]! - bLoH) : Infinity
    }
    if (q < p) {
      q = p
      tq = tp
    }
    // rows entering (key < hi)
    while (tq < hi) {
      const x = v[q]!
      const t = sum + x
      const bp = t - sum
      comp += sum - (t - bp) + (x - bp)
      sum = t
      q++
      tq = q < b ? (w[2 * q + 1]! - bHi) * TWO32 + (wu[2 * q]! - bLoH) : Infinity
    }
    const cnt = q - p
    // an empty window: exactly 0, no residue carried on (a non-finite sum must survive to be seen)
    if (cnt === 0 && sum - sum === 0) sum = comp = 0
    if (cnt < need) {
      if (durValidity === null) durValidity = Bits.allSet(out.length)
      durValidity[i >> 3]! &= ~(1 << (i & 7))
      out[i] = 0
      continue
    }
    const r = sum + comp
    out[i] = mean ? r / cnt : r
  }
  if (!(sum - sum === 0 && comp - comp === 0)) return false
  durP = p
  durQ = q
  return true
}

/**
 * Type feedback for every path of `durationBlockFast` (rows leaving, skipped, entering; empty and short windows;
 * the sentinel), gathered once at load on 12 rows. Without it V8 optimizes the loop while the first window fills
 * (no row has left yet), deoptimizes when rows start leaving, and the code it settles on ran ~1.5–2× slower.
 */
const primeDurationBlock = (): void => {
  const keys = BigInt64Array.of(0n, 1n, 1n, 2n, 5n, 6n, 9n, 9n, 10n, 14n, 15n, 20n)
  const n = keys.length
  const v = Float64Array.from(keys, (k) => Number(k) * 0.5)
  const w = new Int32Array(keys.buffer)
  const wu = new Uint32Array(keys.buffer)
  const out = new Float64Array(n)
  for (const [oLo, oHi, need] of [
    [-2, 1, 1],
    [1, 4, 2],
    [-3, 0, 3]
  ] as const) {
    for (let r = 0; r < 3; r++) {
      durP = durQ = 0
      for (let B = 0; B < n; B += 4) durationBlockFast(v, w, wu, 0, 0, out, n, B, Math.min(B + 4, n), oLo, oHi, r === 0, need)
    }
  }
  durValidity = null
}

/**
 * sum / mean over duration windows of a Float64 column without nulls, indexed by a 64-bit column (Timestamp or
 * Int64, no nulls) with a fixed `period` and `offset` in the index's units: one pass per segment with the window
 * pointers, keys read as exact offsets from the first value (no key, bound or mask arrays), the output written
 * straight into a Float64Array. Window of row i: `(t + offset, t + offset + period]` by `closed`, or with `hiIsT`
 * (the expression form) `(t + offset, t]`. Returns undefined when the index is not sorted within a segment or spans
 * more than 2^53 units: the caller then takes the general path, which reports the failure.
 */
export const denseDurationSums = (
  mean: boolean,
  col: Column,
  by: Column,
  offset: number,
  period: number,
  hiIsT: boolean,
  closed: ClosedWindow,
  minSamples: number,
  offsets: Int32Array
): Column | undefined => {
  const n = col.length
  if (by.length !== n || col.dtype._tag !== "Float64" || col.nullCount !== 0 || by.nullCount !== 0) return undefined
  const big = by.values
  if (!(big instanceof BigInt64Array)) return undefined
  if (n === 0) return C.make(DT.Float64, 0, new Float64Array(0), null)
  const v = (col.values as Float64Array).subarray(0, n)
  const w = new Int32Array(big.buffer, big.byteOffset, 2 * n)
  const wu = new Uint32Array(big.buffer, big.byteOffset, 2 * n)
  const bHi = w[1]!
  const bLo = wu[0]!
  const key = (i: number): number => (w[2 * i + 1]! - bHi) * TWO32 + (wu[2 * i]! - bLo)
  // sorted within every segment, and every key an exact offset (checked at each segment's ends once sorted)
  let maxAbsKey = 0
  for (let s = 0; s + 1 < offsets.length; s++) {
    const a = offsets[s]!
    const b = offsets[s + 1]!
    if (b <= a) continue
    if (!(Math.abs(key(a)) <= Number.MAX_SAFE_INTEGER && Math.abs(key(b - 1)) <= Number.MAX_SAFE_INTEGER)) return undefined
    maxAbsKey = Math.max(maxAbsKey, Math.abs(key(a)), Math.abs(key(b - 1)))
    let prevHi = w[2 * a + 1]!
    let prevLo = wu[2 * a]!
    for (let i = a + 1; i < b; i++) {
      const hi = w[2 * i + 1]!
      const lo = wu[2 * i]!
      if (hi < prevHi || (hi === prevHi && lo < prevLo)) return undefined
      prevHi = hi
      prevLo = lo
    }
  }
  const out = new Float64Array(n)
  const strictLo = closed === "right" || closed === "none"
  const strictHi = closed === "left" || closed === "none"
  const need = Math.max(minSamples, mean ? 1 : 0)
  // half-open integer bounds for the fast form: lo = t + oLo (inclusive), hi = t + oHi (exclusive)
  const oLo = offset + (strictLo ? 1 : 0)
  const oHi = (hiIsT ? 0 : offset + period) + (strictHi ? 0 : 1)
  const fastOk =
    Number.isInteger(offset) && Number.isInteger(period) && maxAbsKey + Math.abs(offset) + Math.abs(period) + 2 <= 2 ** 52
  durValidity = null
  for (let s = 0; s + 1 < offsets.length; s++) {
    const a = offsets[s]!
    const b = offsets[s + 1]!
    durP = durQ = a
    for (let B = a; B < b; ) {
      const E = Math.min(B + RECOMPUTE + (durQ - durP), b)
      const p0 = durP
      const q0 = durQ
      const done = fastOk
        ? durationBlockFast(v, w, wu, bHi, bLo, out, b, B, E, oLo, oHi, mean, need)
        : durationBlock(v, w, bHi, bLo, out, b, B, E, offset, period, hiIsT, strictLo, strictHi, mean, need, false)
      if (!done) {
        durP = p0
        durQ = q0
        durationBlock(v, w, bHi, bLo, out, b, B, E, offset, period, hiIsT, strictLo, strictHi, mean, need, true)
      }
      B = E
    }
  }
  const validity = durValidity
  durValidity = null
  return C.make(DT.Float64, n, out, validity)
}

primeDurationBlock()

/** sum / mean of a Float64 column without nulls: the same sliding pass with no validity tests. */
const denseSums = (mean: boolean, v: Float64Array, b: Bounds, minSamples: number): Column => {
  const n = v.length
  const { lo, hi } = b
  const out = new Float64Array(n)
  const has = new Uint8Array(n)
  let bad = 0 // non-finite values in the window: the slow path handles those windows
  let sum = 0
  let comp = 0
  let curLo = 0
  let curHi = 0
  let updates = 0
  let allHave = true
  for (let i = 0; i < n; i++) {
    const l = lo[i]!
    const h = hi[i]!
    if (l >= curHi || updates > RECOMPUTE + (h - l)) {
      curLo = curHi = l
      sum = comp = 0
      bad = 0
      updates = l - h
    }
    for (; curHi < h; curHi++) {
      const x = v[curHi]!
      if (x - x !== 0) bad++
      else {
        const s = sum + x
        comp += Math.abs(sum) >= Math.abs(x) ? sum - s + x : x - s + sum
        sum = s
      }
      updates++
    }
    for (; curLo < l; curLo++) {
      const x = -v[curLo]!
      if (x - x !== 0) bad--
      else {
        const s = sum + x
        comp += Math.abs(sum) >= Math.abs(x) ? sum - s + x : x - s + sum
        sum = s
      }
      updates++
    }
    const cnt = h - l
    if (cnt < minSamples || (mean && cnt === 0)) {
      allHave = false
      continue
    }
    has[i] = 1
    let r = sum + comp
    if (bad > 0) {
      // Rare: recompute the special values of this window directly.
      let nan = 0
      let pinf = 0
      let ninf = 0
      for (let j = l; j < h; j++) {
        const x = v[j]!
        if (Number.isNaN(x)) nan++
        else if (x === Infinity) pinf++
        else if (x === -Infinity) ninf++
      }
      r = nan > 0 || (pinf > 0 && ninf > 0) ? Number.NaN : pinf > 0 ? Infinity : -Infinity
    }
    out[i] = mean ? r / cnt : r
  }
  return C.make(DT.Float64, n, out, allHave ? null : Bits.pack(has, n))
}

/** Exact wrapping Int64 / UInt64 window sums through BigInt (large values only). */
const bigSums = (col: Column, b: Bounds, minSamples: number): Column => {
  const n = col.length
  const { lo, hi } = b
  const valid = validBits(col)
  const v = col.values as BigInt64Array | BigUint64Array
  const unsigned = col.dtype._tag === "UInt64"
  const out = unsigned ? new BigUint64Array(n) : new BigInt64Array(n)
  const has = new Uint8Array(n)
  let cnt = 0
  let sum = 0n
  let curLo = 0
  let curHi = 0
  for (let i = 0; i < n; i++) {
    const l = lo[i]!
    const h = hi[i]!
    if (l >= curHi) {
      curLo = curHi = l
      cnt = 0
      sum = 0n
    }
    for (; curHi < h; curHi++) {
      if (valid !== null && !Bits.getBit(valid, curHi)) continue
      cnt++
      sum += v[curHi]!
    }
    for (; curLo < l; curLo++) {
      if (valid !== null && !Bits.getBit(valid, curLo)) continue
      cnt--
      sum -= v[curLo]!
    }
    if (cnt >= minSamples) {
      out[i] = unsigned ? BigInt.asUintN(64, sum) : BigInt.asIntN(64, sum)
      has[i] = 1
    }
  }
  return C.make(unsigned ? DT.UInt64 : DT.Int64, n, out, Bits.pack(has, n))
}

/**
 * var / std by running sums of shifted values (`x - ref`, `ref` a value of the window) and their squares, both
 * Neumaier-compensated: exact on integer-valued data, accurate when the mean is large against the spread. The
 * state is rebuilt from the window on restart, periodically, and whenever the result is small enough against the
 * sums to be mostly cancellation (then also re-centred, so a constant window gives exactly 0).
 */
const variance = (sqrt: boolean, col: Column, b: Bounds, minSamples: number, ddof: number): Column => {
  const n = col.length
  const { lo, hi } = b
  const valid = validBits(col)
  const v = toFloat64(col)
  const out = new Float64Array(n)
  const has = new Uint8Array(n)
  let cnt = 0 // finite values
  let bad = 0 // non-finite values
  let ref = 0
  let s1 = 0
  let c1 = 0
  let s2 = 0
  let c2 = 0
  let curLo = 0
  let curHi = 0
  let updates = 0
  const isValid = (j: number): boolean => valid === null || (valid[j >> 3]! & (1 << (j & 7))) !== 0
  const rebuild = (l: number, h: number): void => {
    curLo = l
    curHi = h
    cnt = bad = 0
    s1 = c1 = s2 = c2 = 0
    ref = Number.NaN
    for (let j = l; j < h; j++) {
      if (!isValid(j)) continue
      const x = v[j]!
      if (x - x !== 0) {
        bad++
        continue
      }
      if (Number.isNaN(ref)) ref = x
      cnt++
      const d = x - ref
      let t = s1 + d
      c1 += Math.abs(s1) >= Math.abs(d) ? s1 - t + d : d - t + s1
      s1 = t
      const d2 = d * d
      t = s2 + d2
      c2 += s2 >= d2 ? s2 - t + d2 : d2 - t + s2
      s2 = t
    }
    if (Number.isNaN(ref)) ref = 0
    updates = 0
  }
  for (let i = 0; i < n; i++) {
    const l = lo[i]!
    const h = hi[i]!
    if (l >= curHi || updates > RECOMPUTE + (h - l)) rebuild(l, h)
    while (curHi < h) {
      const j = curHi++
      if (!isValid(j)) continue
      const x = v[j]!
      if (x - x !== 0) {
        bad++
        continue
      }
      cnt++
      const d = x - ref
      let t = s1 + d
      c1 += Math.abs(s1) >= Math.abs(d) ? s1 - t + d : d - t + s1
      s1 = t
      const d2 = d * d
      t = s2 + d2
      c2 += Math.abs(s2) >= d2 ? s2 - t + d2 : d2 - t + s2
      s2 = t
      updates++
    }
    while (curLo < l) {
      const j = curLo++
      if (!isValid(j)) continue
      const x = v[j]!
      if (x - x !== 0) {
        bad--
        continue
      }
      cnt--
      const d = ref - x
      let t = s1 + d
      c1 += Math.abs(s1) >= Math.abs(d) ? s1 - t + d : d - t + s1
      s1 = t
      const d2 = -(d * d)
      t = s2 + d2
      c2 += Math.abs(s2) >= -d2 ? s2 - t + d2 : d2 - t + s2
      s2 = t
      updates++
    }
    const total = cnt + bad
    if (total < minSamples || total - ddof <= 0) continue
    has[i] = 1
    if (bad > 0) {
      out[i] = Number.NaN
      continue
    }
    let S1 = s1 + c1
    let S2 = s2 + c2
    let m2 = S2 - (S1 * S1) / cnt
    if (m2 !== 0 && m2 <= 1e-11 * S2) {
      rebuild(l, h)
      S1 = s1 + c1
      S2 = s2 + c2
      m2 = S2 - (S1 * S1) / cnt
      if (m2 <= 1e-11 * S2) {
        // Tiny spread: two passes over the window.
        let sum = 0
        for (let j = l; j < h; j++) if (isValid(j)) sum += v[j]! - ref
        const mean = sum / cnt
        m2 = 0
        for (let j = l; j < h; j++) if (isValid(j)) m2 += (v[j]! - ref - mean) ** 2
      }
    }
    const r = m2 > 0 ? m2 / (total - ddof) : 0
    out[i] = sqrt ? Math.sqrt(r) : r
  }
  return f64Out(out, has, n)
}

/** min / max by a monotonic deque of row indices; NaN only wins when the window holds nothing else. */
const minMax = (isMax: boolean, col: Column, b: Bounds, minSamples: number): Column => {
  const n = col.length
  const { lo, hi } = b
  const valid = validBits(col)
  const t = col.dtype
  const key: ArrayLike<number> =
    t._tag === "Int64" || t._tag === "UInt64" || t._tag === "Timestamp" || t._tag === "Duration"
      ? (col.values as unknown as ArrayLike<number>) // bigints compare with < as well
      : toFloat64(col)
  const floaty = DT.isFloat(t)
  const dq = new Int32Array(Math.max(n, 1))
  let head = 0
  let tail = 0
  const idx = new Int32Array(n)
  let cnt = 0
  let nan = 0
  let lastNaN = -1
  let curLo = 0
  let curHi = 0
  for (let i = 0; i < n; i++) {
    const l = lo[i]!
    const h = hi[i]!
    if (l >= curHi) {
      curLo = curHi = l
      head = tail
      cnt = nan = 0
    }
    while (curHi < h) {
      const j = curHi++
      if (valid !== null && (valid[j >> 3]! & (1 << (j & 7))) === 0) continue
      cnt++
      const x = key[j]!
      if (floaty && Number.isNaN(x)) {
        nan++
        lastNaN = j
        continue
      }
      if (isMax) while (tail > head && key[dq[tail - 1]!]! <= x) tail--
      else while (tail > head && key[dq[tail - 1]!]! >= x) tail--
      dq[tail++] = j
    }
    while (curLo < l) {
      const j = curLo++
      if (valid !== null && (valid[j >> 3]! & (1 << (j & 7))) === 0) continue
      cnt--
      if (floaty && Number.isNaN(key[j])) nan--
    }
    while (head < tail && dq[head]! < l) head++
    if (cnt < minSamples || cnt === 0) idx[i] = -1
    else idx[i] = head < tail ? dq[head]! : nan > 0 ? lastNaN : -1
  }
  return C.take(col, idx)
}

/** NaN-aware order: NaN above every number. */
const before = (a: number, b: number): boolean => a < b || (Number.isNaN(b) && !Number.isNaN(a))

/** Position of the first element of `buf[0..m)` not before `x`. */
const lowerBound = (buf: Float64Array, m: number, x: number): number => {
  let a = 0
  let z = m
  while (a < z) {
    const mid = (a + z) >> 1
    if (before(buf[mid]!, x)) a = mid + 1
    else z = mid
  }
  return a
}

/** Quantile of a sorted window (NaN last; `nn` non-NaN values of `m`), as the grouped `quantile` kernel. */
export const sortedQuantile = (buf: Float64Array, m: number, nn: number, q: number, interp: QuantileInterpolation): number => {
  const at = (k: number): number => (k >= nn ? Number.NaN : buf[k]!)
  const floatIdx = (m - 1) * q
  if (interp === "nearest") return at(Math.min(Math.max(Math.round(floatIdx), 0), m - 1))
  let idx = interp === "higher" ? Math.ceil(floatIdx) : Math.floor(floatIdx)
  idx = Math.min(Math.max(idx, 0), m - 1)
  const lower = at(idx)
  if (Math.ceil(floatIdx) === idx || interp === "lower" || interp === "higher") return lower
  const upper = idx + 1 < nn ? buf[idx + 1]! : Number.NaN
  if (lower === upper) return lower
  return interp === "midpoint" ? (lower + upper) / 2 : (floatIdx - idx) * (upper - lower) + lower
}

/** median / quantile over a sorted buffer of the window's values. */
const quantiles = (col: Column, b: Bounds, minSamples: number, q: number, interp: QuantileInterpolation): Column => {
  const n = col.length
  const { lo, hi } = b
  const valid = validBits(col)
  const v = toFloat64(col)
  let cap = 1
  for (let i = 0; i < n; i++) if (hi[i]! - lo[i]! > cap) cap = hi[i]! - lo[i]!
  const buf = new Float64Array(cap)
  let m = 0
  let nan = 0
  const out = new Float64Array(n)
  const has = new Uint8Array(n)
  let curLo = 0
  let curHi = 0
  for (let i = 0; i < n; i++) {
    const l = lo[i]!
    const h = hi[i]!
    if (l >= curHi) {
      curLo = curHi = l
      m = nan = 0
    }
    while (curLo < l && curLo < curHi) {
      const j = curLo++
      if (valid !== null && (valid[j >> 3]! & (1 << (j & 7))) === 0) continue
      const x = v[j]!
      const p = lowerBound(buf, m, x)
      buf.copyWithin(p, p + 1, m)
      m--
      if (Number.isNaN(x)) nan--
    }
    while (curHi < h) {
      const j = curHi++
      if (valid !== null && (valid[j >> 3]! & (1 << (j & 7))) === 0) continue
      const x = v[j]!
      const p = lowerBound(buf, m, x)
      buf.copyWithin(p + 1, p, m)
      buf[p] = x
      m++
      if (Number.isNaN(x)) nan++
    }
    if (m >= minSamples && m > 0) {
      out[i] = sortedQuantile(buf, m, m - nan, q, interp)
      has[i] = 1
    }
  }
  return f64Out(out, has, n)
}

/** A custom aggregation called on a Float64Array view of each window's non-null values (slow path). */
const mapWindows = (col: Column, b: Bounds, params: RollingParams): Column => {
  const n = col.length
  const { lo, hi } = b
  const valid = validBits(col)
  const v = toFloat64(col)
  const f = params.map!
  let cap = 1
  for (let i = 0; i < n; i++) if (hi[i]! - lo[i]! > cap) cap = hi[i]! - lo[i]!
  const buf = new Float64Array(cap)
  const out = new Float64Array(n)
  const has = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    let m = 0
    for (let j = lo[i]!; j < hi[i]!; j++) if (valid === null || Bits.getBit(valid, j)) buf[m++] = v[j]!
    if (m < params.minSamples || m === 0) continue
    const r = f(buf.subarray(0, m))
    if (typeof r === "number") {
      out[i] = r
      has[i] = 1
    }
  }
  return f64Out(out, has, n)
}

/**
 * Weighted count windows (Polars `weights`): the window's rows are aligned with the weights (the last weight on
 * the newest row; centred windows as `countBounds`). sum = Σ wᵢxᵢ; mean = Σ wᵢxᵢ / Σ wᵢ; var = Σ wᵢ(xᵢ - mean)² / Σ wᵢ
 * (Polars' weighted variance, no ddof); std = √var; min / max / median / quantile / map act on the products wᵢxᵢ.
 * Nulls (where Polars refuses weights) are skipped and the weights of the remaining rows renormalized.
 */
export const weightedAgg = (
  fn: RollingFn,
  col: Column,
  offsets: Int32Array,
  weights: ReadonlyArray<number>,
  center: boolean,
  params: RollingParams
): Column => {
  const n = col.length
  const w = weights.length
  const valid = validBits(col)
  const v = toFloat64(col)
  const before = center ? w >> 1 : w - 1
  const out = new Float64Array(n)
  const has = new Uint8Array(n)
  const xs = new Float64Array(w)
  const ws = new Float64Array(w)
  for (let s = 0; s + 1 < offsets.length; s++) {
    const a = offsets[s]!
    const e = offsets[s + 1]!
    for (let i = a; i < e; i++) {
      let m = 0
      for (let k = 0; k < w; k++) {
        const j = i - before + k
        if (j < a || j >= e || (valid !== null && !Bits.getBit(valid, j))) continue
        xs[m] = v[j]!
        ws[m++] = weights[k]!
      }
      if (fn === "count") {
        if (m >= params.minSamples) {
          out[i] = m
          has[i] = 1
        }
        continue
      }
      if (m < params.minSamples || m === 0) continue
      let sw = 0
      let swx = 0
      for (let k = 0; k < m; k++) {
        sw += ws[k]!
        swx += ws[k]! * xs[k]!
      }
      let r: number | null
      switch (fn) {
        case "sum":
          r = swx
          break
        case "mean":
          r = swx / sw
          break
        case "var":
        case "std": {
          const mean = swx / sw
          let acc = 0
          for (let k = 0; k < m; k++) acc += ws[k]! * (xs[k]! - mean) ** 2
          r = fn === "std" ? Math.sqrt(acc / sw) : acc / sw
          break
        }
        default: {
          for (let k = 0; k < m; k++) xs[k] = xs[k]! * ws[k]!
          if (fn === "min" || fn === "max") {
            let best = xs[0]!
            for (let k = 1; k < m; k++) if (fn === "max" ? xs[k]! > best : xs[k]! < best) best = xs[k]!
            r = best
          } else if (fn === "map") r = params.map!(xs.subarray(0, m))
          else {
            const sorted = xs.slice(0, m).sort()
            let nn = m
            while (nn > 0 && Number.isNaN(sorted[nn - 1])) nn--
            r = fn === "median" ? sortedQuantile(sorted, m, nn, 0.5, "linear") : sortedQuantile(sorted, m, nn, params.q, params.interpolation)
          }
        }
      }
      if (typeof r === "number") {
        out[i] = r
        has[i] = 1
      }
    }
  }
  if (fn === "count") return C.make(DT.UInt32, n, Uint32Array.from(out), Bits.pack(has, n))
  return f64Out(out, has, n)
}
