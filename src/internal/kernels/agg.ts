/**
 * Grouped aggregation kernels: one output row per group, as Polars' group-by aggregations.
 *
 * Each kernel is a single pass over the rows with per-group state in typed arrays (sums, counts, Welford moments,
 * best row so far); median and quantile gather each group's values (a counting sort by group) and select the order
 * statistics they need by quickselect. Min, max, first, last, argMin and argMax compute a per-group row index and
 * gather with `take`, so they work for every dtype they accept.
 * @internal
 */
import type { AggFn, QuantileInterpolation } from "../../Expr/Expr.ts"
import * as DT from "../../Frame/DataType.ts"
import type { DataType } from "../../Frame/DataType.ts"
import * as Bits from "../bitmap.ts"
import * as C from "../column.ts"
import type { Column } from "../column.ts"
import { combineIds, groupIds, type Groups } from "./hash.ts"
import { orderKeys } from "./sort.ts"

export type AggOptions = { readonly [key: string]: unknown }

const INTERPOLATIONS: ReadonlySet<string> = new Set(["nearest", "higher", "lower", "midpoint", "linear"])

const isSumInteger = (t: DataType): boolean => DT.isInteger(t)

/** Types that have an order (min, max, argMin, argMax, sort). */
export const isOrderable = (t: DataType): boolean =>
  DT.isNumeric(t) ||
  t._tag === "Boolean" ||
  t._tag === "Utf8" ||
  t._tag === "Categorical" ||
  t._tag === "Date" ||
  t._tag === "Timestamp" ||
  t._tag === "Duration" ||
  t._tag === "Null"

/** Types whose values read as plain numbers for moments and quantiles. */
const isMomentInput = (t: DataType): boolean => DT.isNumeric(t) || t._tag === "Boolean" || t._tag === "Null"

/**
 * Output dtype of aggregation `fn` over a column of dtype `input`, or what was expected instead. Called at
 * resolution time, before any data is read, so invalid options (a quantile `q` outside [0, 1], an unknown
 * interpolation) are reported here.
 *
 * | fn | accepts | output |
 * | --- | --- | --- |
 * | sum | integers, floats, Boolean, Decimal, Duration | integers → Int64 (UInt64 stays UInt64), floats → Float64, Boolean → UInt32 (count of true), Decimal(p, s) → Decimal(38, s), Duration → Duration |
 * | mean | numeric, Boolean, Decimal | Float64 (Timestamp/Duration → same dtype; Date → Timestamp("us")) |
 * | min, max | orderable: numeric, Boolean, Utf8, Categorical, Date, Timestamp, Duration | input dtype |
 * | count, len, nUnique | any | UInt32 |
 * | first, last | any | input dtype |
 * | std, var | numeric, Boolean | Float64 (`ddof` option, default 1) |
 * | median, quantile | numeric, Boolean | Float64 (`q` in [0, 1], `interpolation` default "nearest") |
 * | argMin, argMax | orderable | UInt32 (index within the group) |
 *
 * Follows Polars, except that integer sums always widen to Int64 and Float32 results widen to Float64 (Polars keeps
 * Int32/UInt32/Float32 sums in their type and lets them wrap).
 */
export const aggOutputType = (fn: AggFn, input: DataType, options: AggOptions): DataType | { readonly expected: string } => {
  switch (fn) {
    case "sum":
      if (input._tag === "UInt64") return DT.UInt64
      if (isSumInteger(input) || input._tag === "Null") return DT.Int64
      if (DT.isFloat(input)) return DT.Float64
      if (input._tag === "Boolean") return DT.UInt32
      if (input._tag === "Decimal") return DT.Decimal(38, input.scale)
      if (input._tag === "Duration") return input
      return { expected: "a numeric, Boolean, Decimal or Duration column" }
    case "mean":
      if (isMomentInput(input)) return DT.Float64
      if (input._tag === "Timestamp" || input._tag === "Duration") return input
      if (input._tag === "Date") return DT.Timestamp("us", null)
      return { expected: "a numeric, Boolean or temporal column" }
    case "min":
    case "max":
      if (isOrderable(input)) return input
      return { expected: "an orderable column (numeric, Boolean, string, temporal)" }
    case "count":
    case "len":
    case "nUnique":
      return DT.UInt32
    case "first":
    case "last":
      return input
    case "std":
    case "var": {
      const ddof = options["ddof"] ?? 1
      if (typeof ddof !== "number" || !Number.isInteger(ddof) || ddof < 0)
        return { expected: "a non-negative integer ddof" }
      if (isMomentInput(input)) return DT.Float64
      return { expected: "a numeric or Boolean column" }
    }
    case "median":
      if (isMomentInput(input)) return DT.Float64
      return { expected: "a numeric or Boolean column" }
    case "quantile": {
      const q = options["q"]
      if (typeof q !== "number" || !(q >= 0 && q <= 1)) return { expected: "a quantile q between 0 and 1" }
      const interp = options["interpolation"] ?? "nearest"
      if (typeof interp !== "string" || !INTERPOLATIONS.has(interp))
        return { expected: "interpolation nearest, higher, lower, midpoint or linear" }
      if (isMomentInput(input)) return DT.Float64
      return { expected: "a numeric or Boolean column" }
    }
    case "argMin":
    case "argMax":
      if (isOrderable(input)) return DT.UInt32
      return { expected: "an orderable column (numeric, Boolean, string, temporal)" }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------------------------

const TWO32 = 4294967296

/** Validity bitmap from a per-group "has a value" byte mask (null when every group has one). */
const validityOf = (has: Uint8Array, G: number): Uint8Array | null => {
  for (let g = 0; g < G; g++) if (has[g] === 0) return Bits.pack(has, G)
  return null
}

/** Writes an integer-valued double (|x| < 2^63) into the two words of an Int64 slot. */
const writeI64 = (w: Int32Array, g: number, x: number): void => {
  const hi = Math.floor(x / TWO32)
  w[2 * g] = (x - hi * TWO32) | 0
  w[2 * g + 1] = hi | 0
}

/** All values as doubles (Int64 via their words, Decimal scaled, Boolean as 0/1); nulls read as 0. */
export const toFloat64 = (col: Column): ArrayLike<number> => {
  const n = col.length
  const t = col.dtype
  switch (t._tag) {
    case "Int8":
    case "Int16":
    case "Int32":
    case "UInt8":
    case "UInt16":
    case "UInt32":
    case "Float32":
    case "Float64":
    case "Date":
      return col.values as ArrayLike<number>
    case "Int64":
    case "Timestamp":
    case "Duration":
    case "UInt64": {
      const w = new Int32Array(col.values.buffer, col.values.byteOffset, 2 * n)
      const out = new Float64Array(n)
      if (t._tag === "UInt64") for (let i = 0; i < n; i++) out[i] = (w[2 * i + 1]! >>> 0) * TWO32 + (w[2 * i]! >>> 0)
      else for (let i = 0; i < n; i++) out[i] = w[2 * i + 1]! * TWO32 + (w[2 * i]! >>> 0)
      return out
    }
    case "Boolean": {
      const out = new Float64Array(n)
      const b = col.values as Uint8Array
      for (let i = 0; i < n; i++) out[i] = (b[i >> 3]! >> (i & 7)) & 1
      return out
    }
    case "Decimal": {
      const out = new Float64Array(n)
      const v = col.values as BigInt64Array
      const scale = 10 ** t.scale
      for (let i = 0; i < n; i++) out[i] = Number(C.decimalAt(v, i)) / scale
      return out
    }
    default:
      return new Float64Array(n)
  }
}

const validOf = (col: Column): Uint8Array | null => (col.nullCount === 0 ? null : col.validity)

const f64Column = (vals: Float64Array, has: Uint8Array | null, G: number): Column =>
  C.make(DT.Float64, G, vals, has === null ? null : validityOf(has, G))

// ---------------------------------------------------------------------------------------------------------------
// kernels
// ---------------------------------------------------------------------------------------------------------------

const countKernel = (col: Column, groups: Groups, withNulls: boolean): Column => {
  const G = groups.count
  const ids = groups.ids
  const n = ids.length
  const out = new Uint32Array(G)
  const validity = withNulls ? null : validOf(col)
  if (validity === null) for (let i = 0; i < n; i++) out[ids[i]!]!++
  else for (let i = 0; i < n; i++) if ((validity[i >> 3]! & (1 << (i & 7))) !== 0) out[ids[i]!]!++
  return C.make(DT.UInt32, G, out, null)
}

const nUniqueKernel = (col: Column, groups: Groups): Column => {
  const G = groups.count
  const n = groups.ids.length
  const out = new Uint32Array(G)
  if (n > 0) {
    const pairs = combineIds(groups, keyIdsOf(col, n), n)
    for (let p = 0; p < pairs.count; p++) out[groups.ids[pairs.firstRow[p]!]!]!++
  }
  return C.make(DT.UInt32, G, out, null)
}

const keyIdsOf = (col: Column, n: number): Groups => groupIds([col], n)

const firstLastKernel = (col: Column, groups: Groups, last: boolean): Column => {
  const G = groups.count
  const ids = groups.ids
  const n = ids.length
  const rows = new Int32Array(G).fill(-1)
  if (last) for (let i = 0; i < n; i++) rows[ids[i]!] = i
  else
    for (let i = n - 1; i >= 0; i--) rows[ids[i]!] = i
  return C.take(col, rows)
}

const sumKernel = (col: Column, groups: Groups): Column => {
  const G = groups.count
  const ids = groups.ids
  const n = ids.length
  const validity = validOf(col)
  const t = col.dtype
  switch (t._tag) {
    case "Float32":
    case "Float64": {
      const v = col.values as Float32Array | Float64Array
      const acc = new Float64Array(G)
      if (validity === null) for (let i = 0; i < n; i++) acc[ids[i]!]! += v[i]!
      else for (let i = 0; i < n; i++) if ((validity[i >> 3]! & (1 << (i & 7))) !== 0) acc[ids[i]!]! += v[i]!
      return C.make(DT.Float64, G, acc, null)
    }
    case "Boolean": {
      const b = col.values as Uint8Array
      const acc = new Uint32Array(G)
      for (let i = 0; i < n; i++) {
        if (validity !== null && (validity[i >> 3]! & (1 << (i & 7))) === 0) continue
        acc[ids[i]!]! += (b[i >> 3]! >> (i & 7)) & 1
      }
      return C.make(DT.UInt32, G, acc, null)
    }
    case "Int8":
    case "Int16":
    case "Int32":
    case "UInt8":
    case "UInt16":
    case "UInt32": {
      const v = col.values as Int32Array
      // Exact in doubles while every partial sum stays below 2^53.
      let maxAbs = 0
      if (n > 1 << 21) for (let i = 0; i < n; i++) maxAbs = Math.max(maxAbs, Math.abs(v[i]!))
      if (maxAbs * n < 2 ** 53) {
        const acc = new Float64Array(G)
        if (validity === null) for (let i = 0; i < n; i++) acc[ids[i]!]! += v[i]!
        else for (let i = 0; i < n; i++) if ((validity[i >> 3]! & (1 << (i & 7))) !== 0) acc[ids[i]!]! += v[i]!
        const out = new BigInt64Array(G)
        const w = new Int32Array(out.buffer)
        for (let g = 0; g < G; g++) writeI64(w, g, acc[g]!)
        return C.make(DT.Int64, G, out, null)
      }
      const wide = new BigInt64Array(n)
      const ww = new Int32Array(wide.buffer)
      for (let i = 0; i < n; i++) writeI64(ww, i, v[i]!)
      return sumKernel(C.make(DT.Int64, n, wide, col.validity), groups)
    }
    case "Int64":
    case "UInt64":
    case "Duration": {
      // Two's complement sum on 32-bit words with carries: exact, wrapping as 64-bit integers.
      const w = new Int32Array(col.values.buffer, col.values.byteOffset, 2 * n)
      const lo = new Float64Array(G)
      const hi = new Int32Array(G)
      for (let i = 0; i < n; i++) {
        if (validity !== null && (validity[i >> 3]! & (1 << (i & 7))) === 0) continue
        const g = ids[i]!
        let l = lo[g]! + (w[2 * i]! >>> 0)
        let h = w[2 * i + 1]!
        if (l >= TWO32) {
          l -= TWO32
          h++
        }
        lo[g] = l
        hi[g] = (hi[g]! + h) | 0
      }
      const out = t._tag === "UInt64" ? new BigUint64Array(G) : new BigInt64Array(G)
      const ow = new Int32Array(out.buffer)
      for (let g = 0; g < G; g++) {
        ow[2 * g] = lo[g]! | 0
        ow[2 * g + 1] = hi[g]!
      }
      return C.make(t._tag === "Int64" ? DT.Int64 : t, G, out, null)
    }
    case "Decimal": {
      const v = col.values as BigInt64Array
      const acc = new Array<bigint>(G).fill(0n)
      for (let i = 0; i < n; i++) {
        if (validity !== null && (validity[i >> 3]! & (1 << (i & 7))) === 0) continue
        const g = ids[i]!
        acc[g] = acc[g]! + C.decimalAt(v, i)
      }
      const out = new BigInt64Array(2 * G)
      for (let g = 0; g < G; g++) {
        const x = BigInt.asIntN(128, acc[g]!)
        out[2 * g] = BigInt.asIntN(64, x)
        out[2 * g + 1] = x >> 64n
      }
      return C.make(DT.Decimal(38, t.scale), G, out, null)
    }
    default:
      return C.make(DT.Int64, G, new BigInt64Array(G), null)
  }
}

const meanKernel = (col: Column, groups: Groups): Column => {
  const G = groups.count
  const ids = groups.ids
  const n = ids.length
  const validity = validOf(col)
  const t = col.dtype
  if (t._tag === "Timestamp" || t._tag === "Duration") {
    const v = col.values as BigInt64Array
    const acc = new Array<bigint>(G).fill(0n)
    const cnt = new Float64Array(G)
    for (let i = 0; i < n; i++) {
      if (validity !== null && (validity[i >> 3]! & (1 << (i & 7))) === 0) continue
      const g = ids[i]!
      acc[g] = acc[g]! + v[i]!
      cnt[g]!++
    }
    const out = new BigInt64Array(G)
    const has = new Uint8Array(G)
    for (let g = 0; g < G; g++) {
      if (cnt[g]! > 0) {
        out[g] = acc[g]! / BigInt(cnt[g]!)
        has[g] = 1
      }
    }
    return C.make(t, G, out, validityOf(has, G))
  }
  const v = toFloat64(col)
  const acc = new Float64Array(G)
  const cnt = new Float64Array(G)
  if (validity === null) {
    for (let i = 0; i < n; i++) {
      const g = ids[i]!
      acc[g]! += v[i]!
      cnt[g]!++
    }
  } else {
    for (let i = 0; i < n; i++) {
      if ((validity[i >> 3]! & (1 << (i & 7))) === 0) continue
      const g = ids[i]!
      acc[g]! += v[i]!
      cnt[g]!++
    }
  }
  const has = new Uint8Array(G)
  for (let g = 0; g < G; g++) {
    if (cnt[g]! > 0) {
      acc[g] = acc[g]! / cnt[g]!
      has[g] = 1
    } else acc[g] = 0
  }
  if (t._tag === "Date") {
    const out = new BigInt64Array(G)
    for (let g = 0; g < G; g++) if (has[g]) out[g] = BigInt(Math.round(acc[g]! * 86_400_000_000))
    return C.make(DT.Timestamp("us", null), G, out, validityOf(has, G))
  }
  return f64Column(acc, has, G)
}

/** Welford's online variance per group (numerically stable); `ddof` as Polars (null when count ≤ ddof). */
const varKernel = (col: Column, groups: Groups, ddof: number, std: boolean): Column => {
  const G = groups.count
  const ids = groups.ids
  const n = ids.length
  const validity = validOf(col)
  const v = toFloat64(col)
  const cnt = new Float64Array(G)
  const mean = new Float64Array(G)
  const m2 = new Float64Array(G)
  for (let i = 0; i < n; i++) {
    if (validity !== null && (validity[i >> 3]! & (1 << (i & 7))) === 0) continue
    const g = ids[i]!
    const x = v[i]!
    const c = ++cnt[g]!
    const d = x - mean[g]!
    const m = mean[g]! + d / c
    mean[g] = m
    m2[g]! += d * (x - m)
  }
  const has = new Uint8Array(G)
  const out = new Float64Array(G)
  for (let g = 0; g < G; g++) {
    if (cnt[g]! > ddof) {
      const r = Math.max(m2[g]! / (cnt[g]! - ddof), 0)
      out[g] = std ? Math.sqrt(r) : r
      has[g] = 1
    }
  }
  return f64Column(out, has, G)
}

/**
 * The k-th smallest (absolute index `k`) of `v[lo..hi)`, which holds no NaN, by quickselect (median-of-three
 * Hoare partitioning, insertion sort below 16 elements). Reorders the slice so that `v[lo..k] ≤ v[k] ≤ v[k..hi)`.
 */
const select = (v: Float64Array, lo: number, hi: number, k: number): number => {
  let l = lo
  let r = hi - 1
  while (r - l >= 16) {
    const m = (l + r) >>> 1
    const a = v[l]!
    const b = v[m]!
    const c = v[r]!
    const pivot = Math.max(Math.min(a, b), Math.min(Math.max(a, b), c))
    let i = l
    let j = r
    while (i <= j) {
      while (v[i]! < pivot) i++
      while (v[j]! > pivot) j--
      if (i <= j) {
        const t = v[i]!
        v[i] = v[j]!
        v[j] = t
        i++
        j--
      }
    }
    if (k <= j) r = j
    else if (k >= i) l = i
    else return v[k]!
  }
  for (let i = l + 1; i <= r; i++) {
    const x = v[i]!
    let j = i - 1
    while (j >= l && v[j]! > x) {
      v[j + 1] = v[j]!
      j--
    }
    v[j + 1] = x
  }
  return v[k]!
}

/**
 * Quantile of the values `v[lo..hi)` (non-empty; reordered in place), as Polars' `quantile_slice`: NaN sorts
 * above every number; the float index is `(m - 1) q`; "nearest" rounds it half away from zero, "lower"/"higher"
 * floor/ceil it, "midpoint"/"linear" interpolate between the floor's value and the next value.
 */
const quantileOf = (v: Float64Array, lo: number, hi: number, q: number, interp: QuantileInterpolation): number => {
  // Move NaN to the end: `nn` non-NaN values remain in v[lo..lo+nn).
  let nn = hi - lo
  for (let i = lo; i < lo + nn; ) {
    if (Number.isNaN(v[i]!)) {
      nn--
      v[i] = v[lo + nn]!
      v[lo + nn] = Number.NaN
    } else i++
  }
  const m = hi - lo
  const at = (k: number): number => (k >= nn ? Number.NaN : select(v, lo, lo + nn, lo + k))
  const floatIdx = (m - 1) * q
  let idx: number
  switch (interp) {
    case "nearest":
      return at(Math.min(Math.max(Math.round(floatIdx), 0), m - 1))
    case "higher":
      idx = Math.ceil(floatIdx)
      break
    default:
      idx = Math.floor(floatIdx)
  }
  idx = Math.min(Math.max(idx, 0), m - 1)
  const top = Math.ceil(floatIdx)
  const lower = at(idx)
  if (top === idx || interp === "lower" || interp === "higher") return lower
  // The next value: the minimum of what lies above index idx (NaN when nothing but NaN does).
  let upper = Number.NaN
  if (idx + 1 < nn) {
    upper = v[lo + idx + 1]!
    for (let i = lo + idx + 2; i < lo + nn; i++) if (v[i]! < upper) upper = v[i]!
  }
  if (lower === upper) return lower
  return interp === "midpoint" ? (lower + upper) / 2 : (floatIdx - idx) * (upper - lower) + lower
}

/** Each group's non-null values, contiguous by group (a counting sort of the rows by group). */
const valuesByGroup = (col: Column, groups: Groups): { values: Float64Array; offsets: Int32Array } => {
  const G = groups.count
  const ids = groups.ids
  const n = ids.length
  const validity = validOf(col)
  const v = toFloat64(col)
  const offsets = new Int32Array(G + 1)
  for (let i = 0; i < n; i++) if (validity === null || (validity[i >> 3]! & (1 << (i & 7))) !== 0) offsets[ids[i]! + 1]!++
  for (let g = 0; g < G; g++) offsets[g + 1]! += offsets[g]!
  const pos = offsets.slice(0, G)
  const values = new Float64Array(offsets[G]!)
  for (let i = 0; i < n; i++) {
    if (validity !== null && (validity[i >> 3]! & (1 << (i & 7))) === 0) continue
    values[pos[ids[i]!]!++] = v[i]!
  }
  return { values, offsets }
}

const quantileKernel = (col: Column, groups: Groups, q: number, interp: QuantileInterpolation): Column => {
  const G = groups.count
  const { values, offsets } = valuesByGroup(col, groups)
  const out = new Float64Array(G)
  const has = new Uint8Array(G)
  for (let g = 0; g < G; g++) {
    const a = offsets[g]!
    const b = offsets[g + 1]!
    if (b > a) {
      out[g] = quantileOf(values, a, b, q, interp)
      has[g] = 1
    }
  }
  return f64Column(out, has, G)
}

/**
 * Per group, the row holding the minimum (or maximum) valid value, first occurrence on ties, and its position in
 * the group (counting every row of the group, nulls included). NaN is skipped unless the group has nothing else
 * (as Polars `min`/`max`, which ignore NaN; `nan_min`/`nan_max` would propagate it).
 */
const bestRows = (col: Column, groups: Groups, isMax: boolean): { rows: Int32Array; pos: Int32Array } => {
  const G = groups.count
  const ids = groups.ids
  const n = ids.length
  const validity = validOf(col)
  const rows = new Int32Array(G).fill(-1)
  const pos = new Int32Array(G)
  const seen = new Int32Array(G)
  const t = col.dtype
  const numeric =
    t._tag === "Float32" ||
    t._tag === "Float64" ||
    t._tag === "Int8" ||
    t._tag === "Int16" ||
    t._tag === "Int32" ||
    t._tag === "UInt8" ||
    t._tag === "UInt16" ||
    t._tag === "UInt32" ||
    t._tag === "Date"
  if (numeric) {
    const v = col.values as Float64Array
    const best = new Float64Array(G)
    for (let i = 0; i < n; i++) {
      const g = ids[i]!
      const p = seen[g]!++
      if (validity !== null && (validity[i >> 3]! & (1 << (i & 7))) === 0) continue
      const x = v[i]!
      const b = best[g]!
      if (rows[g]! < 0 || (isMax ? x > b : x < b) || (Number.isNaN(b) && !Number.isNaN(x))) {
        rows[g] = i
        best[g] = x
        pos[g] = p
      }
    }
    return { rows, pos }
  }
  if (t._tag === "Null") return { rows, pos }
  const keys = orderKeys(col, n)
  const lo = keys.lo
  const hi = keys.hi
  for (let i = 0; i < n; i++) {
    const g = ids[i]!
    const p = seen[g]!++
    if (validity !== null && (validity[i >> 3]! & (1 << (i & 7))) === 0) continue
    const r = rows[g]!
    let better = r < 0
    if (!better) {
      const h1 = hi === null ? 0 : hi[i]!
      const h0 = hi === null ? 0 : hi[r]!
      better = isMax ? h1 > h0 || (h1 === h0 && lo[i]! > lo[r]!) : h1 < h0 || (h1 === h0 && lo[i]! < lo[r]!)
    }
    if (better) {
      rows[g] = i
      pos[g] = p
    }
  }
  return { rows, pos }
}

const argKernel = (col: Column, groups: Groups, isMax: boolean): Column => {
  const G = groups.count
  const { rows, pos } = bestRows(col, groups, isMax)
  const has = new Uint8Array(G)
  const out = new Uint32Array(G)
  for (let g = 0; g < G; g++) {
    if (rows[g]! >= 0) {
      has[g] = 1
      out[g] = pos[g]!
    }
  }
  return C.make(DT.UInt32, G, out, validityOf(has, G))
}

/**
 * Aggregates `column` per group: one output row per group (`groups.count` rows, in group order), dtype from
 * `aggOutputType`. `column.length` must equal `groups.ids.length`. Options: `ddof` (std/var, default 1), `q` and
 * `interpolation` (quantile, default "nearest"). Callers validate dtypes and options with `aggOutputType` first.
 *
 * Semantics as Polars: nulls are skipped; a group with no valid value gives null, except `sum` (0, as Polars),
 * `count`/`len` (0 / the row count) and `nUnique` (null counts as one value); `first`/`last` return the first/last
 * row even when it is null; NaN is a value (sums, means and moments become NaN; `min`/`max` skip it unless the group
 * has only NaN; quantiles sort it above every number); `argMin`/`argMax` give the position within the group
 * (first occurrence on ties).
 */
export const aggregate = (fn: AggFn, column: Column, groups: Groups, options: AggOptions): Column => {
  switch (fn) {
    case "count":
      return countKernel(column, groups, false)
    case "len":
      return countKernel(column, groups, true)
    case "nUnique":
      return nUniqueKernel(column, groups)
    case "first":
      return firstLastKernel(column, groups, false)
    case "last":
      return firstLastKernel(column, groups, true)
    case "sum":
      return sumKernel(column, groups)
    case "mean":
      return meanKernel(column, groups)
    case "std":
    case "var":
      return varKernel(column, groups, (options["ddof"] as number | undefined) ?? 1, fn === "std")
    case "median":
      return quantileKernel(column, groups, 0.5, "linear")
    case "quantile":
      return quantileKernel(
        column,
        groups,
        options["q"] as number,
        (options["interpolation"] as QuantileInterpolation | undefined) ?? "nearest"
      )
    case "min":
    case "max":
      return C.take(column, bestRows(column, groups, fn === "max").rows)
    case "argMin":
    case "argMax":
      return argKernel(column, groups, fn === "argMax")
  }
}
