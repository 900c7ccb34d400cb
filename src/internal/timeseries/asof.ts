/**
 * As-of join kernels (Polars `join_asof`, pandas `merge_asof`, DuckDB `ASOF JOIN`).
 *
 * The pipeline, all on typed arrays:
 * 1. `prepareKeys`: both key columns become one comparable domain. Integers of ≤ 32 bits, floats and Date become
 *    Float64Array values; 64-bit integers, Timestamp and Duration become Float64Array *offsets from the first valid
 *    key* (read from the two 32-bit words, no BigInt per row) when every key lies within about 2^51 units of it, so
 *    every comparison and distance is exact; otherwise the raw BigInt64Array values are kept (the "big" domain, exact but
 *    slower). Timestamps of different units are brought to the finer unit first.
 * 2. `groupRows`: rows are bucketed by their `by` keys (shared ids from `groupIds` over the left then right by-key
 *    columns), each bucket keeping row order (a counting sort). Rows with a null (or NaN) as-of key or a null by-key
 *    are left out: they match nothing (left) or are skipped (right).
 * 3. `gatherKeys` puts each side's keys in bucket order, `firstUnsorted` checks that they ascend within each bucket,
 *    and `mergeAsof` walks the two sorted sequences of each bucket with pointers that only move forward: O(n + m).
 * When both key columns ascend as a whole, `streamAsof` replaces 2–3 with one sequential pass (per-group state only).
 * @internal
 */
import * as DT from "../../Frame/DataType.ts"
import type { DataType, TimeUnit } from "../../Frame/DataType.ts"
import * as C from "../column.ts"
import type { Column } from "../column.ts"
import { groupIds } from "../kernels/hash.ts"
import { sharedUtf8Ids } from "./byKeys.ts"
import { type Duration, isDurationError, parseDuration } from "../kernels/temporal.ts"

/** Keys in one comparable domain: Float64Array ("f64"), or BigInt64Array / BigUint64Array ("big"). */
export type KeyArray = Float64Array | BigInt64Array | BigUint64Array

export interface Keys {
  readonly kind: "f64" | "big"
  readonly left: KeyArray
  readonly right: KeyArray
  /** Validity of each side's keys (null: all valid). NaN keys are marked invalid. */
  readonly leftValid: Uint8Array | null
  readonly rightValid: Uint8Array | null
  /** The dtype the keys were compared in (after unit unification), which gives the tolerance's meaning. */
  readonly dtype: DataType
}

export interface KeyProblem {
  readonly expected: string
  readonly actual: string
}

const TWO32 = 4294967296
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1

const isSmallNumeric = (t: DataType): boolean =>
  (DT.isInteger(t) && t._tag !== "Int64" && t._tag !== "UInt64") || DT.isFloat(t) || t._tag === "Date"

/** Whether a dtype can be an as-of key: integers, floats, Date, Timestamp, Duration. */
export const isAsofKeyType = (t: DataType): boolean =>
  DT.isInteger(t) || DT.isFloat(t) || t._tag === "Date" || t._tag === "Timestamp" || t._tag === "Duration"

/** Validity with NaN (float keys) cleared; null when every value is valid. */
const keyValidity = (col: Column): Uint8Array | null => {
  const n = col.length
  let valid: Uint8Array | null = col.nullCount === 0 ? null : col.validity
  if (DT.isFloat(col.dtype)) {
    const v = col.values as Float32Array | Float64Array
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(v[i]!)) {
        if (valid === null || valid === col.validity) valid = valid === null ? allValid(n) : valid.slice()
        valid[i >> 3]! &= ~(1 << (i & 7))
      }
    }
  }
  return valid
}

const allValid = (n: number): Uint8Array => {
  const out = new Uint8Array((n + 7) >> 3).fill(255)
  return out
}

const toF64 = (col: Column): Float64Array => {
  const v = col.values
  if (v instanceof Float64Array) return v.length === col.length ? v : v.subarray(0, col.length)
  const out = new Float64Array(col.length)
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) {
    for (let i = 0; i < col.length; i++) out[i] = Number(v[i]!)
  } else {
    const src = v as ArrayLike<number>
    for (let i = 0; i < col.length; i++) out[i] = src[i]!
  }
  return out
}

const UNIT_RANK: Record<TimeUnit, number> = { s: 0, ms: 1, us: 2, ns: 3 }

/** Multiplies every value by `factor` (a unit change), or returns undefined on overflow. */
const rescale = (values: BigInt64Array, n: number, factor: bigint): BigInt64Array | undefined => {
  const out = new BigInt64Array(n)
  const lim = 9223372036854775807n / factor
  for (let i = 0; i < n; i++) {
    const v = values[i]!
    if (v > lim || v < -lim) return undefined
    out[i] = v * factor
  }
  return out
}

/** The first valid value's (hi, lo) words, or null when no value is valid. */
const firstWords = (values: BigInt64Array | BigUint64Array, n: number, valid: Uint8Array | null, unsigned: boolean): readonly [number, number] | null => {
  const w = new Int32Array(values.buffer, values.byteOffset, 2 * n)
  for (let i = 0; i < n; i++) {
    if (valid !== null && (valid[i >> 3]! & (1 << (i & 7))) === 0) continue
    return [unsigned ? w[2 * i + 1]! >>> 0 : w[2 * i + 1]!, w[2 * i]! >>> 0]
  }
  return null
}

/**
 * |hi − refHi| below 2^19 keeps every offset within ±(2^51 + 2^32) of the reference, so every offset and every
 * difference of two offsets (< 2^53) is an exact double.
 */
const HI_LIMIT = 1 << 19

/**
 * Offsets `value − ref` as doubles in one pass over the words, or null when a valid value is about 2^51 or more
 * away from `ref` (then the differences could be inexact). Invalid rows get whatever their bits give, unchecked.
 */
const offsets = (
  values: BigInt64Array | BigUint64Array,
  n: number,
  valid: Uint8Array | null,
  unsigned: boolean,
  refHi: number,
  refLo: number
): Float64Array | null => {
  const out = new Float64Array(n)
  const w = new Int32Array(values.buffer, values.byteOffset, 2 * n)
  let bad = false
  if (unsigned) {
    for (let i = 0; i < n; i++) {
      const dh = (w[2 * i + 1]! >>> 0) - refHi
      if (dh >= HI_LIMIT || dh <= -HI_LIMIT) bad = true
      out[i] = dh * TWO32 + ((w[2 * i]! >>> 0) - refLo)
    }
  } else {
    for (let i = 0; i < n; i++) {
      const dh = w[2 * i + 1]! - refHi
      if (dh >= HI_LIMIT || dh <= -HI_LIMIT) bad = true
      out[i] = dh * TWO32 + ((w[2 * i]! >>> 0) - refLo)
    }
  }
  if (!bad) return out
  if (valid === null) return null
  // an out-of-range value may sit under a null: check the valid ones only
  for (let i = 0; i < n; i++) {
    if ((valid[i >> 3]! & (1 << (i & 7))) === 0) {
      out[i] = 0
      continue
    }
    const dh = (unsigned ? w[2 * i + 1]! >>> 0 : w[2 * i + 1]!) - refHi
    if (dh >= HI_LIMIT || dh <= -HI_LIMIT) return null
  }
  return out
}

/**
 * Both key columns in one comparable domain (see the module comment), or what was expected. Accepted pairs:
 * numeric with numeric (a 64-bit integer with a float compares as Float64, as Polars' supertype), Date with Date,
 * Timestamp with Timestamp (same time zone; units are unified to the finer one) and Duration with Duration.
 */
export const prepareKeys = (lcol: Column, rcol: Column): Keys | KeyProblem => {
  const lt = lcol.dtype
  const rt = rcol.dtype
  const leftValid = keyValidity(lcol)
  const rightValid = keyValidity(rcol)
  const mismatch = { expected: `a right key comparable with the left key (${DT.format(lt)})`, actual: DT.format(rt) }
  if (!isAsofKeyType(lt)) return { expected: "an integer, float, Date, Timestamp or Duration as-of key", actual: DT.format(lt) }
  if (!isAsofKeyType(rt)) return { expected: "an integer, float, Date, Timestamp or Duration as-of key", actual: DT.format(rt) }
  const numeric = (t: DataType) => DT.isInteger(t) || DT.isFloat(t)
  if (numeric(lt) !== numeric(rt)) return mismatch
  if (!numeric(lt) && lt._tag !== rt._tag) return mismatch
  // Small numbers and floats: Float64 values.
  if (isSmallNumeric(lt) && isSmallNumeric(rt)) {
    return { kind: "f64", left: toF64(lcol), right: toF64(rcol), leftValid, rightValid, dtype: lt._tag === "Date" ? DT.Date : DT.Float64 }
  }
  if (DT.isFloat(lt) || DT.isFloat(rt)) {
    return { kind: "f64", left: toF64(lcol), right: toF64(rcol), leftValid, rightValid, dtype: DT.Float64 }
  }
  // 64-bit (or a 64-bit integer with a small one): unify units, then offsets from a reference key when they fit.
  let lv = lcol.values as BigInt64Array | BigUint64Array
  let rv = rcol.values as BigInt64Array | BigUint64Array
  let dtype: DataType = lt
  if (lt._tag === "Timestamp" && rt._tag === "Timestamp") {
    if (lt.timeZone !== rt.timeZone) return mismatch
    if (lt.unit !== rt.unit) {
      const fine = UNIT_RANK[lt.unit] > UNIT_RANK[rt.unit] ? lt.unit : rt.unit
      const factor = (u: TimeUnit) => DT.nanosPerUnit(u) / DT.nanosPerUnit(fine)
      if (lt.unit !== fine) {
        const s = rescale(lv as BigInt64Array, lcol.length, factor(lt.unit))
        if (s === undefined) return { expected: `left keys that fit Timestamp(${fine})`, actual: "an overflow" }
        lv = s
      } else {
        const s = rescale(rv as BigInt64Array, rcol.length, factor(rt.unit))
        if (s === undefined) return { expected: `right keys that fit Timestamp(${fine})`, actual: "an overflow" }
        rv = s
      }
      dtype = DT.Timestamp(fine, lt.timeZone)
    }
  } else if (lt._tag === "Duration" && rt._tag === "Duration") {
    if (lt.unit !== rt.unit) return mismatch
  } else if (numeric(lt)) {
    // Integers: bring a ≤ 32-bit side to Int64; UInt64 with a signed side compares as bigints.
    const wide = (c: Column): BigInt64Array | BigUint64Array => {
      const v = c.values
      if (v instanceof BigInt64Array || v instanceof BigUint64Array) return v
      const out = new BigInt64Array(c.length)
      const src = v as ArrayLike<number>
      for (let i = 0; i < c.length; i++) out[i] = BigInt(src[i]!)
      return out
    }
    lv = wide(lcol)
    rv = wide(rcol)
    dtype = DT.Int64
    if (lv instanceof BigUint64Array !== rv instanceof BigUint64Array) {
      return { kind: "big", left: lv, right: rv, leftValid, rightValid, dtype }
    }
  }
  const unsigned = lv instanceof BigUint64Array
  if (LITTLE_ENDIAN) {
    const ref = firstWords(lv, lcol.length, leftValid, unsigned) ?? firstWords(rv, rcol.length, rightValid, unsigned) ?? [0, 0]
    const left = offsets(lv, lcol.length, leftValid, unsigned, ref[0], ref[1])
    const right = left === null ? null : offsets(rv, rcol.length, rightValid, unsigned, ref[0], ref[1])
    if (left !== null && right !== null) return { kind: "f64", left, right, leftValid, rightValid, dtype }
  }
  return { kind: "big", left: lv.subarray(0, lcol.length), right: rv.subarray(0, rcol.length), leftValid, rightValid, dtype }
}

/** A tolerance or window bound in key units, or the problem with it. */
export type Amount = { readonly value: bigint; readonly float: number } | { readonly invalidDuration: string } | { readonly invalidArgument: string }

const floorDiv = (a: bigint, b: bigint): bigint => {
  const q = a / b
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q
}

/**
 * Converts a tolerance or window offset to key units: a number or bigint is taken in key units (days for Date, the
 * column's unit for Timestamp/Duration); a duration string ("5s", "1d", "-2m", "10i") must be fixed-length (no
 * months, quarters or years; days and weeks count as 24 h and 7 × 24 h) and fit the key: "i" durations for
 * integer keys, time units for Timestamp/Duration, whole days for Date (a finer duration is rounded towards −∞,
 * which is exact for distances between integer keys). `float` is the value as a number for Float64 domains.
 */
export const toKeyUnits = (amount: number | bigint | string, dtype: DataType, what: string): Amount => {
  if (typeof amount === "number") {
    if (Number.isNaN(amount)) return { invalidArgument: `${what} must be a number, got NaN` }
    if (DT.isFloat(dtype) || !Number.isFinite(amount)) return { value: 0n, float: amount }
    return { value: BigInt(Math.floor(amount)), float: amount }
  }
  if (typeof amount === "bigint") return { value: amount, float: Number(amount) }
  const d = parseDuration(amount)
  if (isDurationError(d)) return { invalidDuration: d.error }
  const dur: Duration = d
  if (dur.months !== 0) return { invalidDuration: `${what} must be a fixed duration, but ${JSON.stringify(amount)} has calendar months` }
  const sign = dur.negative ? -1n : 1n
  if (dur.index) {
    if (!DT.isInteger(dtype)) return { invalidDuration: `${what} ${JSON.stringify(amount)} is an index count, but the key is ${DT.format(dtype)}` }
    return { value: sign * dur.nanos, float: Number(sign * dur.nanos) }
  }
  const nanos = sign * (dur.nanos + BigInt(dur.days + 7 * dur.weeks) * 86_400_000_000_000n)
  switch (dtype._tag) {
    case "Timestamp":
    case "Duration": {
      const v = floorDiv(nanos, DT.nanosPerUnit(dtype.unit))
      return { value: v, float: Number(v) }
    }
    case "Date": {
      const v = floorDiv(nanos, 86_400_000_000_000n)
      return { value: v, float: Number(v) }
    }
    default:
      return { invalidDuration: `${what} ${JSON.stringify(amount)} is a duration, but the key is ${DT.format(dtype)} (use a number)` }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Grouping by `by` keys
// ---------------------------------------------------------------------------------------------------------------

/**
 * Rows of both sides bucketed by `by` group: group g's left rows are `lRows[lStart[g] .. lStart[g + 1])` in row
 * order, and likewise on the right. Rows with an invalid as-of key or a null by-key are not in any bucket.
 */
export interface Buckets {
  readonly count: number
  readonly lStart: Int32Array
  readonly lRows: Int32Array
  readonly rStart: Int32Array
  readonly rRows: Int32Array
  /** Whether the buckets are the identity (one group, every row present): callers may skip gathers. */
  readonly identity: boolean
}

const isSet = (bits: Uint8Array | null, i: number): boolean => bits === null || (bits[i >> 3]! & (1 << (i & 7))) !== 0

const andValidity = (a: Uint8Array | null, cols: ReadonlyArray<Column>, n: number): Uint8Array | null => {
  let out = a
  for (const c of cols) {
    if (c.nullCount === 0 || c.validity === null) continue
    out = out === null ? c.validity.slice(0, (n + 7) >> 3) : out === a ? out.slice() : out
    for (let k = 0; k < out.length; k++) out[k]! &= c.validity[k]!
  }
  return out
}

const seq = (n: number): Int32Array => {
  const out = new Int32Array(n)
  for (let i = 0; i < n; i++) out[i] = i
  return out
}

const validRows = (valid: Uint8Array | null, n: number): Int32Array => {
  if (valid === null) return seq(n)
  let c = 0
  for (let i = 0; i < n; i++) if (isSet(valid, i)) c++
  const out = new Int32Array(c)
  c = 0
  for (let i = 0; i < n; i++) if (isSet(valid, i)) out[c++] = i
  return out
}

/**
 * Shared group ids of the left and right rows by their `by` keys (same value ⇒ same id on both sides), -1 for a
 * row with a null by-key. One Utf8 key: one string table for both sides (`sharedUtf8Ids`; right keys absent on the
 * left also get -1). Otherwise each side is hashed on its own (`groupIds`); the groups' representative rows are
 * then grouped together, so no by-key column is copied.
 */
export const sharedIds = (
  lBy: ReadonlyArray<Column>,
  rBy: ReadonlyArray<Column>,
  n: number,
  m: number
): { readonly lg: Int32Array; readonly rg: Int32Array; readonly count: number } => {
  if (lBy.length === 1 && lBy[0]!.dtype._tag === "Utf8" && rBy[0]!.dtype._tag === "Utf8") return sharedUtf8Ids(lBy[0]!, rBy[0]!, n, m)
  const gl = groupIds(lBy, n)
  const gr = groupIds(rBy, m)
  const reps = lBy.map((c, k) => C.concat([C.take(c, gl.firstRow), C.take(rBy[k]!, gr.firstRow)]))
  const both = groupIds(reps, gl.count + gr.count)
  const lv = andValidity(null, lBy, n)
  const rv = andValidity(null, rBy, m)
  const map = (g: { readonly ids: Int32Array }, valid: Uint8Array | null, len: number, base: number): Int32Array => {
    const out = new Int32Array(len)
    const ids = g.ids
    const shared = both.ids
    for (let i = 0; i < len; i++) out[i] = shared[base + ids[i]!]!
    if (valid !== null) for (let i = 0; i < len; i++) if ((valid[i >> 3]! & (1 << (i & 7))) === 0) out[i] = -1
    return out
  }
  return { lg: map(gl, lv, n, 0), rg: map(gr, rv, m, gl.count), count: both.count }
}

/**
 * Buckets rows by the `by` keys. `lBy` and `rBy` are pairwise concatenable columns (same dtypes); `n`, `m` the
 * heights. `lValid`/`rValid` mark the rows whose as-of key is valid.
 */
export const groupRows = (
  lBy: ReadonlyArray<Column>,
  rBy: ReadonlyArray<Column>,
  n: number,
  m: number,
  lValid: Uint8Array | null,
  rValid: Uint8Array | null
): Buckets => {
  if (lBy.length === 0) {
    const lRows = validRows(lValid, n)
    const rRows = validRows(rValid, m)
    return {
      count: 1,
      lStart: Int32Array.of(0, lRows.length),
      lRows,
      rStart: Int32Array.of(0, rRows.length),
      rRows,
      identity: lRows.length === n && rRows.length === m
    }
  }
  const { lg, rg, count: G } = sharedIds(lBy, rBy, n, m)
  const lv = lValid
  const rv = rValid
  const lStart = new Int32Array(G + 1)
  const rStart = new Int32Array(G + 1)
  for (let i = 0; i < n; i++) if (lg[i]! >= 0 && isSet(lv, i)) lStart[lg[i]! + 1]!++
  for (let i = 0; i < m; i++) if (rg[i]! >= 0 && isSet(rv, i)) rStart[rg[i]! + 1]!++
  for (let g = 0; g < G; g++) {
    lStart[g + 1]! += lStart[g]!
    rStart[g + 1]! += rStart[g]!
  }
  const lRows = new Int32Array(lStart[G]!)
  const rRows = new Int32Array(rStart[G]!)
  const lPos = lStart.slice(0, G)
  const rPos = rStart.slice(0, G)
  for (let i = 0; i < n; i++) if (lg[i]! >= 0 && isSet(lv, i)) lRows[lPos[lg[i]!]!++] = i
  for (let i = 0; i < m; i++) if (rg[i]! >= 0 && isSet(rv, i)) rRows[rPos[rg[i]!]!++] = i
  return { count: G, lStart, lRows, rStart, rRows, identity: false }
}

/** `keys[rows[k]]` for every k (keys in bucket order). */
export const gatherKeys = (keys: KeyArray, rows: Int32Array): KeyArray => {
  if (keys instanceof Float64Array) {
    const out = new Float64Array(rows.length)
    for (let k = 0; k < rows.length; k++) out[k] = keys[rows[k]!]!
    return out
  }
  const out = keys instanceof BigInt64Array ? new BigInt64Array(rows.length) : new BigUint64Array(rows.length)
  for (let k = 0; k < rows.length; k++) out[k] = keys[rows[k]!]!
  return out
}

/**
 * The first (smallest) original row whose key is smaller than the key of the previous row of its bucket, or -1.
 * `keys` are in bucket order, `rows` their original rows, `start` the bucket boundaries.
 */
export const firstUnsorted = (keysIn: KeyArray, rows: Int32Array, start: Int32Array, count: number): number => {
  // Comparisons only: valid for Float64Array and BigInt arrays alike.
  const keys = keysIn as unknown as ArrayLike<number>
  let first = -1
  for (let g = 0; g < count; g++) {
    const e = start[g + 1]!
    for (let k = start[g]! + 1; k < e; k++) {
      if (keys[k]! < keys[k - 1]!) {
        const row = rows[k]!
        if (first < 0 || row < first) first = row
        break
      }
    }
  }
  return first
}

// ---------------------------------------------------------------------------------------------------------------
// The merge
// ---------------------------------------------------------------------------------------------------------------

export type Strategy = "backward" | "forward" | "nearest"
export type TieBreak = "greater" | "backward"

export interface MergeOptions {
  readonly strategy: Strategy
  readonly allowExactMatches: boolean
  /** Largest allowed |left key − right key| (Infinity: none). A bigint for the "big" domain. */
  readonly tolerance: number | bigint
  readonly tieBreak: TieBreak
}

/**
 * For each position a of the left keys (bucket order), the position of its match among the right keys (bucket
 * order), or -1. Both key arrays ascend within each bucket. Semantics as Polars `join_asof`:
 * - backward: the last right key ≤ x (< x without exact matches); among equal right keys the last;
 * - forward: the first right key ≥ x (> x without exact matches); among equal right keys the first;
 * - nearest: the smaller of the two distances; on a tie the greater key ("greater", Polars) or the smaller one
 *   ("backward", pandas); among equal right keys the last ("greater", as Polars) — with "backward" the forward
 *   candidate is the first of its equal keys (pandas);
 * then the match is dropped when its distance exceeds the tolerance.
 * The keys may be Float64Array or BigInt arrays: the loop uses only `<`, `<=`, `===` and `-` between keys, which
 * JS defines for both (the tolerance must then be a bigint, or Infinity).
 */
export const mergeAsof = (
  lkIn: KeyArray,
  rkIn: KeyArray,
  lStart: Int32Array,
  rStart: Int32Array,
  count: number,
  options: MergeOptions
): Int32Array => {
  const lk = lkIn as unknown as ArrayLike<number>
  const rk = rkIn as unknown as ArrayLike<number>
  const tol = options.tolerance as number
  const exact = options.allowExactMatches
  const greater = options.tieBreak === "greater"
  const out = new Int32Array(lk.length)
  const strategy = options.strategy
  const checkTol = tol !== Infinity
  for (let g = 0; g < count; g++) {
    const ls = lStart[g]!
    const le = lStart[g + 1]!
    const rs = rStart[g]!
    const re = rStart[g + 1]!
    if (rs === re) {
      out.fill(-1, ls, le)
      continue
    }
    let j = rs
    if (strategy === "backward") {
      for (let a = ls; a < le; a++) {
        const x = lk[a]!
        if (exact) while (j < re && rk[j]! <= x) j++
        else while (j < re && rk[j]! < x) j++
        const b = j - 1
        out[a] = b >= rs && (!checkTol || x - rk[b]! <= tol) ? b : -1
      }
    } else if (strategy === "forward") {
      for (let a = ls; a < le; a++) {
        const x = lk[a]!
        if (exact) while (j < re && rk[j]! < x) j++
        else while (j < re && rk[j]! <= x) j++
        out[a] = j < re && (!checkTol || rk[j]! - x <= tol) ? j : -1
      }
    } else {
      // j: first right key > x (exact) or ≥ x (strict): the backward candidate is j - 1.
      // k: first right key > x: the forward candidate (strict), or j itself (exact).
      let k = rs
      let lastOf = -1
      let lastEnd = -1
      for (let a = ls; a < le; a++) {
        const x = lk[a]!
        if (exact) while (j < re && rk[j]! <= x) j++
        else {
          while (j < re && rk[j]! < x) j++
          if (k < j) k = j
          while (k < re && rk[k]! <= x) k++
        }
        const b = j - 1
        const f = exact ? j : k
        let pick: number
        if (b < rs) pick = f < re ? f : -1
        else if (f >= re) pick = b
        else {
          const db = x - rk[b]!
          const df = rk[f]! - x
          pick = df < db || (df === db && greater) ? f : b
        }
        if (pick >= 0 && pick === f && greater) {
          // Polars takes the last of equal right keys.
          if (lastOf !== f) {
            lastOf = f
            lastEnd = f
            const v = rk[f]!
            while (lastEnd + 1 < re && rk[lastEnd + 1]! === v) lastEnd++
          }
          pick = lastEnd
        }
        if (pick >= 0 && checkTol) {
          const d = pick <= b ? x - rk[pick]! : rk[pick]! - x
          if (d > tol) pick = -1
        }
        out[a] = pick
      }
    }
  }
  return out
}

/**
 * The full as-of match: for each left row (original order), the matched right row or -1, given prepared keys and
 * buckets (sortedness already checked by the caller when asked).
 */
export const matchRows = (
  n: number,
  lk: KeyArray,
  rk: KeyArray,
  buckets: Buckets,
  options: MergeOptions
): Int32Array => {
  const pos = mergeAsof(lk, rk, buckets.lStart, buckets.rStart, buckets.count, options)
  if (buckets.identity) return pos
  const out = new Int32Array(n).fill(-1)
  const lRows = buckets.lRows
  const rRows = buckets.rRows
  for (let a = 0; a < pos.length; a++) {
    const p = pos[a]!
    if (p >= 0) out[lRows[a]!] = rRows[p]!
  }
  return out
}

// ---------------------------------------------------------------------------------------------------------------
// Streaming merge (both sides sorted by key as a whole)
// ---------------------------------------------------------------------------------------------------------------

/** Whether the valid keys ascend over the whole column. */
export const isAscending = (keysIn: KeyArray, valid: Uint8Array | null): boolean => {
  const keys = keysIn as unknown as ArrayLike<number>
  const n = keys.length
  let i = 0
  if (valid !== null) while (i < n && (valid[i >> 3]! & (1 << (i & 7))) === 0) i++
  if (i >= n) return true
  let prev = keys[i]!
  for (i++; i < n; i++) {
    if (valid !== null && (valid[i >> 3]! & (1 << (i & 7))) === 0) continue
    const v = keys[i]!
    if (v < prev) return false
    prev = v
  }
  return true
}

/**
 * The as-of match when each side's keys ascend over the whole column (the usual layout of trades and quotes): one
 * pass over both sides in key order, keeping per `by` group the latest right row seen (backward) or, walking down,
 * the next one (forward), so every read is sequential and the per-group state stays in cache. Same results as
 * `mergeAsof` on buckets. `lg`/`rg` are shared group ids (-1: null by-key; null: no `by`, one group); the right
 * keys must all be valid; invalid left keys give -1.
 */
export const streamAsof = (
  lkIn: KeyArray,
  rkIn: KeyArray,
  lValid: Uint8Array | null,
  lg: Int32Array | null,
  rg: Int32Array | null,
  groups: number,
  options: MergeOptions
): Int32Array => {
  const lk = lkIn as unknown as ArrayLike<number>
  const rk = rkIn as unknown as ArrayLike<number>
  const n = lk.length
  const m = rk.length
  const tol = options.tolerance as number
  const checkTol = tol !== Infinity
  const exact = options.allowExactMatches
  const G = Math.max(groups, 1)
  const strategy = options.strategy
  const out = new Int32Array(n)
  if (strategy === "backward" && lg === null && rg === null) {
    // no `by`: one merge, the match is the row before the first right key above x (at or above, strict)
    let j = 0
    for (let i = 0; i < n; i++) {
      if (lValid !== null && (lValid[i >> 3]! & (1 << (i & 7))) === 0) {
        out[i] = -1
        continue
      }
      const x = lk[i]!
      if (exact) while (j < m && rk[j]! <= x) j++
      else while (j < m && rk[j]! < x) j++
      const b = j - 1
      out[i] = b >= 0 && (!checkTol || x - rk[b]! <= tol) ? b : -1
    }
    return out
  }
  let back: Int32Array | null = null
  let fwd: Int32Array | null = null
  let fwdLast: Int32Array | null = null
  if (strategy !== "forward") {
    // backward writes its answer straight into `out` (the tolerance is applied below)
    back = strategy === "backward" ? out : new Int32Array(n)
    const last = new Int32Array(G).fill(-1)
    let j = 0
    for (let i = 0; i < n; i++) {
      const g = lg === null ? 0 : lg[i]!
      if (g < 0 || (lValid !== null && (lValid[i >> 3]! & (1 << (i & 7))) === 0)) {
        back[i] = -1
        continue
      }
      const x = lk[i]!
      if (exact) {
        while (j < m && rk[j]! <= x) {
          const h = rg === null ? 0 : rg[j]!
          if (h >= 0) last[h] = j
          j++
        }
      } else {
        while (j < m && rk[j]! < x) {
          const h = rg === null ? 0 : rg[j]!
          if (h >= 0) last[h] = j
          j++
        }
      }
      back[i] = last[g]!
    }
  }
  if (strategy !== "backward") {
    fwd = new Int32Array(n)
    const next = new Int32Array(G).fill(-1)
    const nextLast = strategy === "nearest" && options.tieBreak === "greater" ? new Int32Array(G).fill(-1) : null
    if (nextLast !== null) fwdLast = new Int32Array(n)
    // nearest with exact matches: an equal key is already the backward candidate, so forward looks strictly above
    const strict = !exact || strategy === "nearest"
    let j = m - 1
    for (let i = n - 1; i >= 0; i--) {
      const g = lg === null ? 0 : lg[i]!
      if (g < 0 || (lValid !== null && (lValid[i >> 3]! & (1 << (i & 7))) === 0)) {
        fwd[i] = -1
        continue
      }
      const x = lk[i]!
      while (j >= 0 && (strict ? rk[j]! > x : rk[j]! >= x)) {
        const h = rg === null ? 0 : rg[j]!
        if (h >= 0) {
          if (nextLast !== null) {
            const prev = next[h]!
            if (prev < 0 || rk[prev]! !== rk[j]!) nextLast[h] = j
          }
          next[h] = j
        }
        j--
      }
      fwd[i] = next[g]!
      if (fwdLast !== null) fwdLast[i] = nextLast![g]!
    }
  }
  if (strategy === "backward") {
    if (checkTol) {
      for (let i = 0; i < n; i++) {
        const b = out[i]!
        if (b >= 0 && lk[i]! - rk[b]! > tol) out[i] = -1
      }
    }
  } else if (strategy === "forward") {
    for (let i = 0; i < n; i++) {
      const f = fwd![i]!
      out[i] = f >= 0 && (!checkTol || rk[f]! - lk[i]! <= tol) ? f : -1
    }
  } else {
    const greater = options.tieBreak === "greater"
    for (let i = 0; i < n; i++) {
      const b = back![i]!
      const f = fwd![i]!
      const x = lk[i]!
      let pick: number
      let d: number
      if (b < 0 && f < 0) {
        out[i] = -1
        continue
      }
      if (b < 0) {
        pick = greater ? fwdLast![i]! : f
        d = rk[f]! - x
      } else if (f < 0) {
        pick = b
        d = x - rk[b]!
      } else {
        const db = x - rk[b]!
        const df = rk[f]! - x
        if (df < db || (df === db && greater)) {
          pick = greater ? fwdLast![i]! : f
          d = df
        } else {
          pick = b
          d = db
        }
      }
      out[i] = !checkTol || d <= tol ? pick : -1
    }
  }
  return out
}
